/**
 * A throwaway coturn for one test (or one benchmark run): `turnserver` on
 * 127.0.0.1 with REST credentials (`--use-auth-secret`), a random static
 * secret, a free listening port and a random relay port range. Resolves once
 * coturn answers a STUN Binding request; {@link Coturn.stop} kills that
 * process (and only that one).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Coturn {
  /** The UDP (and TCP) port coturn listens on, on 127.0.0.1. */
  readonly port: number;
  /** coturn's `static-auth-secret`: give it to the netroll server, never to a page. */
  readonly secret: string;
  /** `turn:127.0.0.1:<port>?transport=udp`. */
  readonly url: string;
  /** coturn's log so far (stdout and stderr). */
  log(): string;
  /** Kill this coturn (SIGTERM, then SIGKILL after 2 s). Idempotent. */
  stop(): Promise<void>;
}

export const TURN_BINARY = process.env.TURNSERVER_PATH ?? '/usr/bin/turnserver';

/** A UDP port free on 127.0.0.1 right now. */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => resolve());
  });
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** A STUN Binding request (RFC 5389): 20-byte header, no attributes. */
function bindingRequest(): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt16BE(0x0001, 0);
  b.writeUInt16BE(0, 2);
  b.writeUInt32BE(0x2112a442, 4);
  randomBytes(12).copy(b, 8);
  return b;
}

/** Resolves once something on 127.0.0.1:`port` answers a STUN Binding request (bounded by `timeoutMs`). */
export async function waitForStun(port: number, timeoutMs: number, gaveUp: () => string | null = () => null): Promise<void> {
  const s = createSocket('udp4');
  let tick: ReturnType<typeof setInterval> | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const started = Date.now();
      s.on('message', (msg) => {
        if (msg.length >= 20 && msg.readUInt16BE(0) === 0x0101) resolve(); // Binding success response
      });
      s.on('error', () => undefined); // ICMP port unreachable before coturn binds: keep asking
      tick = setInterval(() => {
        const why = gaveUp();
        if (why !== null) reject(new Error(why));
        else if (Date.now() - started > timeoutMs) reject(new Error(`no STUN answer on 127.0.0.1:${port} within ${timeoutMs} ms`));
        else s.send(bindingRequest(), port, '127.0.0.1');
      }, 50);
    });
  } finally {
    clearInterval(tick);
    s.close();
  }
}

/** Start coturn on 127.0.0.1 with REST credentials; resolves when it answers STUN. */
export async function startCoturn(options: { readyTimeoutMs?: number } = {}): Promise<Coturn> {
  const port = await freeUdpPort();
  const secret = randomBytes(18).toString('base64url');
  const minPort = 20_000 + Math.floor(Math.random() * 400) * 100;
  const dir = mkdtempSync(join(tmpdir(), 'netroll-coturn-'));
  const args = [
    '-n',
    '--no-tls',
    '--no-dtls',
    '--no-cli',
    '--listening-ip=127.0.0.1',
    '--relay-ip=127.0.0.1',
    `--listening-port=${port}`,
    `--min-port=${minPort}`,
    `--max-port=${minPort + 99}`,
    '--use-auth-secret',
    `--static-auth-secret=${secret}`,
    '--realm=netroll',
    '--fingerprint',
    '--allow-loopback-peers',
    '--no-multicast-peers',
    `--pidfile=${join(dir, 'turnserver.pid')}`,
    '--log-file=stdout',
    '--simple-log',
  ];
  const child: ChildProcess = spawn(TURN_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const append = (b: Buffer) => {
    output += b.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let exited: string | null = null;
  let spawnError: Error | null = null;
  child.once('error', (e) => (spawnError = e));
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = `coturn exited (code ${code}, signal ${signal})`;
      resolve();
    });
  });

  const stop = async (): Promise<void> => {
    if (exited === null && child.pid !== undefined) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exitedPromise;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitForStun(port, options.readyTimeoutMs ?? 10_000, () =>
      spawnError ? `cannot start ${TURN_BINARY}: ${(spawnError as Error).message}` : exited ? `${exited}:\n${output.slice(-2000)}` : null,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { port, secret, url: `turn:127.0.0.1:${port}?transport=udp`, log: () => output, stop };
}
