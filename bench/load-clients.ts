/**
 * A load generator process of `bench/load.ts`: socket.io-client clients that
 * behave like netroll's browser client on the wire (the event maps of
 * `src/signaling/events.ts`, server replies checked with its zod schemas),
 * so the nodes see what real players cost them. Controlled over IPC (see
 * `serveCommands` in `bench/proc.ts`); exits when the parent goes away.
 *
 * Commands, run one after another by the orchestrator on every generator:
 * - `connect { urls, from, count, perSecond, timeoutMs }`: opens clients
 *   `from … from + count - 1`, client `i` to node `nodeOf(i)` (even pairs
 *   across two nodes, odd pairs on one: half the sessions cross-node, every
 *   node the same number of clients), WebSocket only, 10 clients per loopback source address
 *   (as if from 10 players behind one NAT: the nodes' per-IP budgets stay
 *   the defaults), paced at `perSecond`.
 * - `join { queues, perSecond, timeoutMs }`: every client joins queue
 *   `load-<generator>-<k>` (2 players; clients 2j and 2j+1 share queue
 *   j % queues of their generator and join it back to back), paced, in index
 *   order, so the pairs meet as `nodeOf` placed them. On `assigned` the lower player index sends
 *   an offer and its candidates, the other answers on the offer and sends
 *   its own (real-sized SDP and candidate JSON, as Chromium makes them).
 *   Waits until every client has its assignment and its peer's signals, or
 *   `timeoutMs`. Returns one record a client and the signal latencies.
 * - `relay { sessions, hz, durationMs }`: the members of the listed sessions
 *   send their peer an input packet (encoded with the engine's own codec:
 *   1-byte inputs, the last 3 frames) `hz` times a second through the
 *   server's relay, paced evenly, for `durationMs`.
 * - `close`: disconnects every client.
 *
 * Bounds: at most {@link MAX_CLIENTS} clients a process; every wait has a
 * time limit; per-client latency samples are at most
 * {@link SIGNALS_PER_SIDE} + 1.
 */
import { io as ioClient, type Socket } from 'socket.io-client';
import { encodeInput } from '../src/protocol/codec.ts';
import {
  assignmentSchema,
  ErrorCode,
  errorInfoSchema,
  joinReplySchema,
  signalMessageSchema,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SignalRequest,
} from '../src/signaling/events.ts';
import { pace, serveCommands, withTimeout } from './proc.ts';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Most clients one generator process holds. */
const MAX_CLIENTS = 4000;
/** Candidates each side trickles after its offer or answer (host, srflx, relay). */
const SIGNALS_PER_SIDE = 3;
/** Clients a loopback source address stands for. */
const CLIENTS_PER_ADDRESS = 10;

/** Wall-clock time in ms with sub-ms resolution, comparable between processes on one machine. */
const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What one client did (returned by `join`). */
export interface ClientRecord {
  /** Global client index. */
  index: number;
  /** Node it is connected to. */
  node: number;
  /** Its `clientId` (the other members' records name it in `players`). */
  clientId: string;
  sessionId?: string;
  playerIndex?: number;
  /** When it sent `join` / received `assigned` (ms, {@link now}). */
  joinSentAt?: number;
  assignedAt?: number;
  /** Signals received from its peer (offer or answer, and candidates). */
  signalsReceived: number;
}

interface LoadClient extends ClientRecord {
  socket: Client;
  peer?: number;
  relaysReceived: number;
  closing: boolean;
}

const clients: LoadClient[] = [];
/** Error counts by kind (e.g. `join-refused:rate-limited`, `disconnected:transport close`). */
const errors = new Map<string, number>();
const countError = (kind: string): void => void errors.set(kind, (errors.get(kind) ?? 0) + 1);
/** Joins answered `unavailable` (Redis too slow, nothing held) are tried again, at most this often, after 200 ms, 400 ms, … */
const JOIN_RETRIES = 5;
const JOIN_RETRY_MS = 200;
/** Joins tried again in the last join phase. */
let joinRetries = 0;
/** One-way signal latencies, ms (each signal carries its send time in `sentAt`). */
let signalLatencies: number[] = [];

const hex = (n: number, seed: number): string => {
  let s = '';
  let x = (seed * 2654435761) >>> 0;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += ((x >>> 16) & 0xf).toString(16);
  }
  return s;
};

/** A Chromium-like data-channel-only session description (about 560 bytes of SDP). */
function sdp(kind: 'offer' | 'answer', seed: number): { type: 'offer' | 'answer'; sdp: string } {
  const fingerprint = hex(64, seed + 7).toUpperCase().match(/../g)!.join(':');
  const lines = [
    'v=0',
    `o=- ${BigInt('0x' + hex(15, seed)).toString()} 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'a=extmap-allow-mixed',
    'a=msid-semantic: WMS',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    `a=ice-ufrag:${hex(4, seed + 1)}`,
    `a=ice-pwd:${hex(24, seed + 2)}`,
    'a=ice-options:trickle',
    `a=fingerprint:sha-256 ${fingerprint}`,
    `a=setup:${kind === 'offer' ? 'actpass' : 'active'}`,
    'a=mid:0',
    'a=sctp-port:5000',
    'a=max-message-size:262144',
  ];
  return { type: kind, sdp: lines.join('\r\n') + '\r\n' };
}

/** Chromium-like `RTCIceCandidate.toJSON()` values: host, server-reflexive, relay. */
function candidate(k: number, seed: number): { candidate: string; sdpMid: string; sdpMLineIndex: number; usernameFragment: string } {
  const ufrag = hex(4, seed + 1);
  const port = 40000 + ((seed * 7 + k) % 20000);
  const text = [
    `candidate:${(seed * 31 + k) >>> 0} 1 udp 2122260223 198.18.0.1 ${port} typ host generation 0 ufrag ${ufrag} network-id 1`,
    `candidate:${(seed * 37 + k) >>> 0} 1 udp 1686052607 203.0.113.7 ${port} typ srflx raddr 198.18.0.1 rport ${port} generation 0 ufrag ${ufrag} network-id 1`,
    `candidate:${(seed * 41 + k) >>> 0} 1 udp 41885439 192.0.2.10 ${port + 1} typ relay raddr 203.0.113.7 rport ${port} generation 0 ufrag ${ufrag} network-id 1`,
  ][k % 3]!;
  return { candidate: text, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: ufrag };
}

function sendSignal(c: LoadClient, message: SignalRequest): void {
  c.socket.emit('signal', message);
}

/** Sends this side's description (`offer` for player 0, else `answer`) and its candidates, each stamped with its send time. */
function sendSide(c: LoadClient, kind: 'offer' | 'answer'): void {
  const to = c.peer!;
  sendSignal(c, { to, kind, data: { ...sdp(kind, c.index), sentAt: now() } });
  for (let k = 0; k < SIGNALS_PER_SIDE; k++) sendSignal(c, { to, kind: 'candidate', data: { ...candidate(k, c.index), sentAt: now() } });
}

function wire(c: LoadClient): void {
  const s = c.socket;
  s.on('assigned', (raw) => {
    const parsed = assignmentSchema.safeParse(raw);
    if (!parsed.success) return countError('bad-assignment');
    if (c.sessionId !== undefined) return countError('assigned-twice');
    const a = parsed.data;
    c.assignedAt = now();
    c.sessionId = a.sessionId;
    c.playerIndex = a.playerIndex;
    c.peer = a.players.find((p) => p.index !== a.playerIndex)!.index;
    // The lower player index initiates (as main/peer-link.ts does).
    if (a.playerIndex < c.peer) sendSide(c, 'offer');
  });
  s.on('signal', (raw) => {
    const parsed = signalMessageSchema.safeParse(raw);
    if (!parsed.success) return countError('bad-signal');
    const m = parsed.data;
    const sentAt = (m.data as { sentAt?: unknown } | null)?.sentAt;
    if (typeof sentAt === 'number' && c.signalsReceived <= SIGNALS_PER_SIDE) signalLatencies.push(now() - sentAt);
    c.signalsReceived++;
    if (m.kind === 'offer' && c.peer !== undefined) sendSide(c, 'answer');
    else if (m.kind === 'offer') countError('offer-before-assigned');
  });
  s.on('relay', () => void c.relaysReceived++);
  s.on('error', (raw) => {
    const e = errorInfoSchema.safeParse(raw);
    // a join refused as `unavailable` is retried (see join), not an error unless the retries run out
    if (e.success && e.data.code === ErrorCode.Unavailable && e.data.event === 'join') return;
    countError(`server-error:${e.success ? e.data.code : 'unreadable'}`);
  });
  s.on('timeout', () => countError('wait-timeout'));
  s.on('peer-left', () => countError('peer-left'));
  s.on('disconnect', (reason) => {
    if (!c.closing) countError(`disconnected:${reason}`);
  });
}

/** The loopback address client `index` connects from (10 clients each, from 127.0.10.1 on). */
function sourceAddress(index: number): string {
  const host = Math.floor(index / CLIENTS_PER_ADDRESS);
  return `127.0.${10 + Math.floor(host / 250)}.${1 + (host % 250)}`;
}

/**
 * The node client `index` connects to. Clients 2p and 2p+1 form pair p (they
 * join one queue back to back): an even pair spans two nodes (2p on node
 * 2p mod n, 2p+1 on the next), an odd pair shares node (p div 2) mod n, so
 * with 2 or more nodes about half the sessions are cross-node, by
 * construction, and every node holds as many clients as the others.
 */
function nodeOf(index: number, nodes: number): number {
  const pair = Math.floor(index / 2);
  return pair % 2 === 0 ? index % nodes : Math.floor(pair / 2) % nodes;
}

/** First client index of this generator (queue names are per generator, so pairs never interleave across generators). */
let generatorFrom = 0;

async function connectOne(index: number, urls: readonly string[], timeoutMs: number): Promise<void> {
  const node = nodeOf(index, urls.length);
  const socket: Client = ioClient(urls[node]!, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: timeoutMs,
    localAddress: sourceAddress(index),
  } as Parameters<typeof ioClient>[1]);
  const c: LoadClient = { index, node, clientId: `load-${index}`, socket, signalsReceived: 0, relaysReceived: 0, closing: false };
  try {
    await withTimeout(
      new Promise<void>((res, rej) => {
        socket.once('connect', () => res());
        socket.once('connect_error', (e) => rej(e));
      }),
      timeoutMs,
      'connect',
    );
  } catch (e) {
    countError(`connect-failed:${e instanceof Error ? e.message.slice(0, 60) : 'unknown'}`);
    socket.disconnect();
    return;
  }
  wire(c);
  clients.push(c);
}

/**
 * Runs `task(i)` for `i` in `0 … count - 1`, started at `perSecond` a second
 * (at most 10,000 in flight); resolves when all have settled.
 */
async function paced(count: number, perSecond: number, task: (i: number) => Promise<void>): Promise<void> {
  const started = performance.now();
  const running: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const at = (i / perSecond) * 1000;
    const wait = at - (performance.now() - started);
    if (wait > 1) await sleep(wait);
    running.push(task(i).catch((e: unknown) => countError(`task:${e instanceof Error ? e.message.slice(0, 60) : 'unknown'}`)));
  }
  await Promise.all(running);
}

function cpuSince(cpu0: NodeJS.CpuUsage, t0: number): { cpuShare: number; cpuMs: number; wallMs: number } {
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  return { cpuShare: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 100) / 100, cpuMs: Math.round((cpu.user + cpu.system) / 1000), wallMs: Math.round(wallMs) };
}

const errorCounts = (): Record<string, number> => Object.fromEntries(errors);

serveCommands(
  {
    async connect(r) {
      const urls = r['urls'] as string[];
      const from = Number(r['from']);
      generatorFrom = from;
      const count = Math.min(MAX_CLIENTS, Number(r['count']));
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await paced(count, Number(r['perSecond']), (k) => connectOne(from + k, urls, Number(r['timeoutMs'])));
      // Join in index order, whichever node answered first.
      clients.sort((a, b) => a.index - b.index);
      return { connected: clients.length, ...cpuSince(cpu0, t0), errors: errorCounts() };
    },
    async join(r) {
      const queues = Math.max(1, Number(r['queues']));
      const timeoutMs = Number(r['timeoutMs']);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      signalLatencies = [];
      joinRetries = 0;
      await paced(clients.length, Number(r['perSecond']), async (k) => {
        const c = clients[k]!;
        // Clients 2j and 2j+1 (pair j, see nodeOf) share this generator's queue j % queues and join it back to back.
        const queue = `load-${generatorFrom}-${Math.floor(c.index / 2) % queues}`;
        c.joinSentAt = now();
        for (let attempt = 0; ; attempt++) {
          const reply = joinReplySchema.safeParse(await c.socket.timeout(timeoutMs).emitWithAck('join', { queue, players: 2, clientId: c.clientId }));
          if (!reply.success) countError('bad-join-reply');
          else if (!reply.data.ok && reply.data.error.code === ErrorCode.Unavailable && attempt < JOIN_RETRIES) {
            // The server could not reach Redis in time and holds nothing: a real client retries with backoff.
            joinRetries++;
            await sleep(JOIN_RETRY_MS * 2 ** attempt + (c.index % 16) * 10);
            continue;
          } else if (!reply.data.ok) countError(`join-refused:${reply.data.error.code}`);
          break;
        }
      });
      // Every client assigned and holding its peer's description and candidates, or the time is up.
      const deadline = performance.now() + timeoutMs;
      const done = (): boolean => clients.every((c) => c.sessionId !== undefined && c.signalsReceived >= SIGNALS_PER_SIDE + 1);
      while (!done() && performance.now() < deadline) await sleep(50);
      for (const c of clients) {
        if (c.sessionId === undefined) countError('unassigned');
        else if (c.signalsReceived < SIGNALS_PER_SIDE + 1) countError('signals-missing');
      }
      const records: ClientRecord[] = clients.map(({ index, node, clientId, sessionId, playerIndex, joinSentAt, assignedAt, signalsReceived }) => ({
        index,
        node,
        clientId,
        sessionId,
        playerIndex,
        joinSentAt,
        assignedAt,
        signalsReceived,
      }));
      return { records, signalLatencies, joinRetries, ...cpuSince(cpu0, t0), errors: errorCounts() };
    },
    async relay(r) {
      const sessions = new Set(r['sessions'] as string[]);
      const hz = Number(r['hz']);
      const durationMs = Number(r['durationMs']);
      const senders = clients.filter((c) => c.sessionId !== undefined && sessions.has(c.sessionId) && c.peer !== undefined);
      const received0 = clients.reduce((n, c) => n + c.relaysReceived, 0);
      const frames = new Uint32Array(senders.length);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      let bytes = 0;
      const sending = pace(senders.length, senders.length * hz, t0, (i) => {
        const c = senders[i]!;
        const frame = (frames[i] = frames[i]! + 1);
        // What the engine sends at 60 Hz: its own 1-byte inputs for the last 3 frames, its ack and frame.
        const packet = encodeInput({ players: [c.playerIndex!], inputSize: 1, startFrame: frame, frameCount: 3, inputs: new Uint8Array([frame & 7, (frame + 1) & 7, (frame + 2) & 7]), ack: frame + 1, senderFrame: frame + 2, tag: 1 });
        bytes += packet.byteLength;
        c.socket.emit('relay', c.peer!, packet);
      });
      await sleep(durationMs);
      const done = sending.stop();
      const cpu = cpuSince(cpu0, t0);
      // The last packets in flight: wait until no more arrive for 500 ms (at most 5 s).
      const receivedNow = (): number => clients.reduce((n, c) => n + c.relaysReceived, 0);
      for (let last = -1, waited = 0; receivedNow() !== last && waited < 5000; waited += 500) {
        last = receivedNow();
        await sleep(500);
      }
      return {
        senders: senders.length,
        sent: done.sent,
        skipped: done.skipped,
        packetBytes: done.sent > 0 ? Math.round(bytes / done.sent) : 0,
        received: clients.reduce((n, c) => n + c.relaysReceived, 0) - received0,
        ...cpu,
        errors: errorCounts(),
      };
    },
    close() {
      for (const c of clients) {
        c.closing = true;
        c.socket.disconnect();
      }
      clients.length = 0;
    },
  },
  () => {
    for (const c of clients) c.socket.disconnect();
  },
);
