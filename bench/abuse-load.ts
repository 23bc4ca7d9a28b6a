/**
 * The load generator of `bench/abuse.ts` (its `load` step), in its own
 * process so that neither the server nor the attacking process shares an
 * event loop with it, and so its CPU time is measured on its own.
 *
 * It is deliberately light, so the machine's 2 cores go to the server under
 * test rather than to the clients: each client is a bare WebSocket written
 * over `node:net` that speaks just enough engine.io 4 / socket.io 5 to
 * connect, join a queue, answer pings and emit `relay` and `signal`. Every
 * frame it sends is built once before the load starts (client frames are
 * masked with the all-zero key, which the protocol allows), one relay is one
 * `write` (its header packet and its binary attachment together), and the
 * sends are paced evenly over time instead of in bursts. Incoming frames are
 * only split and counted, never decoded, except during setup.
 *
 * Controlled over the IPC channel: `{ id, cmd, ...args }` → `{ id, ok, result | error }`.
 * Exits when the parent goes away.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { pace, serveCommands, type CommandRequest } from './proc.ts';

type Request = CommandRequest;

/** One bare socket.io client. */
interface Client {
  readonly socket: Socket;
  /** Bytes of an incomplete frame carried over to the next read (bounded by the server's frame size). */
  pending: Buffer;
  /** Text frames waited for during setup (resolved and removed when one matches). */
  waiters: { match: (text: string) => boolean; resolve: (text: string) => void }[];
  playerIndex: number;
  relaysReceived: number;
  errorsReceived: number;
}

const ZERO_MASK = Buffer.alloc(4);

/** A masked (all-zero key) client frame: `opcode` 1 = text, 2 = binary. */
function clientFrame(opcode: 1 | 2, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len]) : Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 0xff]);
  if (len >= 65536) throw new Error('frame too large for the load generator');
  return Buffer.concat([head, ZERO_MASK, payload]);
}
const textFrame = (s: string): Buffer => clientFrame(1, Buffer.from(s, 'utf8'));

const clients: Client[] = [];
const ONE_MINUTE = 60_000;

/** Splits server frames (unmasked) out of `client.pending`; text frames go to `onText`. */
function readFrames(c: Client, chunk: Buffer): void {
  let buf = c.pending.length > 0 ? Buffer.concat([c.pending, chunk]) : chunk;
  for (;;) {
    if (buf.length < 2) break;
    const opcode = buf[0]! & 0x0f;
    let len = buf[1]! & 0x7f;
    let off = 2;
    if (len === 126) {
      if (buf.length < 4) break;
      len = buf.readUInt16BE(2);
      off = 4;
    } else if (len === 127) {
      if (buf.length < 10) break;
      len = Number(buf.readBigUInt64BE(2));
      off = 10;
    }
    if (buf.length < off + len) break;
    if (opcode === 1) onText(c, buf.toString('utf8', off, off + len));
    else if (opcode === 8) c.socket.destroy();
    buf = buf.subarray(off + len);
  }
  c.pending = buf.length > 0 ? Buffer.from(buf) : Buffer.alloc(0);
  if (c.pending.length > 1 << 20) c.socket.destroy(new Error('frame over 1 MiB'));
}

function onText(c: Client, text: string): void {
  if (text === '2') {
    c.socket.write(PONG);
    return;
  }
  if (text.startsWith('451-["relay"')) {
    c.relaysReceived++;
    return;
  }
  if (text.startsWith('42["error"')) c.errorsReceived++;
  for (let i = 0; i < c.waiters.length; i++) {
    const w = c.waiters[i]!;
    if (w.match(text)) {
      c.waiters.splice(i, 1);
      w.resolve(text);
      return;
    }
  }
}
const PONG = textFrame('3');

function waitText(c: Client, match: (text: string) => boolean, what: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 15_000);
    c.waiters.push({
      match,
      resolve: (t) => {
        clearTimeout(timer);
        resolve(t);
      },
    });
  });
}

/** Opens a WebSocket to the socket.io endpoint and completes the engine.io and socket.io handshakes. */
async function open(url: URL, localAddress: string): Promise<Client> {
  const socket = netConnect({ host: url.hostname, port: Number(url.port), localAddress });
  socket.setNoDelay(true);
  const key = randomBytes(16).toString('base64');
  socket.write(
    `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  const c: Client = { socket, pending: Buffer.alloc(0), waiters: [], playerIndex: -1, relaysReceived: 0, errorsReceived: 0 };
  const opened = waitText(c, (t) => t.startsWith('0{'), 'engine.io open');
  const connected = waitText(c, (t) => t.startsWith('40'), 'socket.io connect');
  await new Promise<void>((resolve, reject) => {
    let head = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const status = head.toString('latin1', 0, head.indexOf('\r\n'));
      if (!status.includes(' 101 ')) return reject(new Error(`handshake refused: ${status}`));
      socket.on('data', (chunk: Buffer) => readFrames(c, chunk));
      const rest = head.subarray(end + 4);
      if (rest.length > 0) readFrames(c, rest);
      resolve();
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.setTimeout(15_000, () => reject(new Error('handshake timed out')));
  });
  socket.setTimeout(0);
  socket.on('error', () => c.errorsReceived++);
  await opened;
  socket.write(textFrame('40'));
  await connected;
  clients.push(c);
  return c;
}

/** Connects a pair that joins `queue` and resolves with both once the server assigned them. */
async function pair(url: URL, queue: string, localAddress: string): Promise<[Client, Client]> {
  const a = await open(url, localAddress);
  const b = await open(url, localAddress);
  const assignedA = waitText(a, (t) => t.startsWith('42["assigned"'), 'assigned');
  const assignedB = waitText(b, (t) => t.startsWith('42["assigned"'), 'assigned');
  assignedA.catch(() => undefined);
  assignedB.catch(() => undefined);
  for (const c of [a, b]) {
    const ack = waitText(c, (t) => t.startsWith('430'), 'join ack');
    c.socket.write(textFrame(`420${JSON.stringify(['join', { queue, players: 2 }])}`));
    const reply = JSON.parse((await ack).slice(3)) as [{ ok: boolean; error?: { code: string } }];
    if (!reply[0].ok) throw new Error(`join ${queue}: ${reply[0].error?.code ?? 'refused'}`);
  }
  for (const [c, p] of [
    [a, assignedA],
    [b, assignedB],
  ] as const) {
    const event = JSON.parse((await p).slice(2)) as [string, { playerIndex: number }];
    c.playerIndex = event[1].playerIndex;
  }
  return [a, b];
}

/** The pairs set up by `setup`. */
const pairs: [Client, Client][] = [];

/** Sends `frames` round-robin, paced evenly: `perSecond` frames a second in total (see {@link pace}). */
function paced(frames: readonly [Client, Buffer][], perSecond: number, startedAt: number): { stop: () => { sent: number; skipped: number } } {
  return pace(frames.length, perSecond, startedAt, (i) => {
    const [c, frame] = frames[i]!;
    if (!c.socket.destroyed) c.socket.write(frame);
  });
}

const commands: Record<string, (r: Request) => unknown> = {
  /** Connects `clients` clients in pairs (each pair in its own queue), 10 clients per source address, 25 pairs at a time. */
  async setup(r) {
    const url = new URL(String(r['url']));
    const count = Number(r['clients']);
    const started = Date.now();
    for (let i = 0; i < count / 2; i += 25) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(25, count / 2 - i) }, (_, k) => {
          const n = i + k;
          const host = Math.floor(n / 5);
          return pair(url, `load-${n}`, `127.0.${10 + Math.floor(host / 250)}.${1 + (host % 250)}`);
        }),
      );
      pairs.push(...batch);
      if (Date.now() - started > 3 * ONE_MINUTE) break;
    }
    return { clients: pairs.length * 2, setupMs: Date.now() - started };
  },
  /**
   * Runs the load for `seconds`: every client relays `relayHz` 40-byte packets a second
   * to its peer, and one client of every pair sends `signalHz` ICE-candidate signals a second.
   */
  async run(r) {
    const seconds = Number(r['seconds']);
    const relayHz = Number(r['relayHz']);
    const signalHz = Number(r['signalHz']);
    const packet = Buffer.alloc(40, 3);
    const relayFrames: [Client, Buffer][] = [];
    const signalFrames: [Client, Buffer][] = [];
    for (const [a, b] of pairs) {
      for (const [from, to] of [
        [a, b],
        [b, a],
      ] as const) {
        // A binary event: its header packet, then the attachment, in one write.
        const header = textFrame(`451-${JSON.stringify(['relay', to.playerIndex, { _placeholder: true, num: 0 }])}`);
        relayFrames.push([from, Buffer.concat([header, clientFrame(2, packet)])]);
      }
      const signal = { to: b.playerIndex, kind: 'candidate', data: { candidate: 'candidate:1 1 udp 2122260223 198.18.0.1 50000 typ host', sdpMid: '0' } };
      signalFrames.push([a, textFrame(`42${JSON.stringify(['signal', signal])}`)]);
    }
    const received0 = clients.reduce((n, c) => n + c.relaysReceived, 0);
    const errors0 = clients.reduce((n, c) => n + c.errorsReceived, 0);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const relays = paced(relayFrames, relayFrames.length * relayHz, t0);
    const signals = paced(signalFrames, signalFrames.length * signalHz, t0);
    await new Promise((res) => setTimeout(res, seconds * 1000));
    const relaysDone = relays.stop();
    const signalsDone = signals.stop();
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    await new Promise((res) => setTimeout(res, 200)); // the last packets in flight
    return {
      relaysSent: relaysDone.sent,
      relaySlotsSkipped: relaysDone.skipped,
      signalsSent: signalsDone.sent,
      signalSlotsSkipped: signalsDone.skipped,
      relaysReceived: clients.reduce((n, c) => n + c.relaysReceived, 0) - received0,
      errors: clients.reduce((n, c) => n + c.errorsReceived, 0) - errors0,
      wallMs: Math.round(wallMs),
      cpuShare: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 100) / 100,
    };
  },
  close() {
    for (const c of clients) c.socket.destroy();
    clients.length = 0;
    pairs.length = 0;
  },
};

serveCommands(commands, () => commands['close']!({ id: 0, cmd: 'close' }));
