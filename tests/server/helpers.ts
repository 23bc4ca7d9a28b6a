/**
 * Test harness: a real netroll server on 127.0.0.1 (ephemeral port) and real
 * socket.io-client clients over websocket. Every wait is bounded.
 */
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeEach } from 'vitest';
import { startServer, type RunningServer } from '../../server/app.ts';
import type { ServerOptions } from '../../server/config.ts';
import type { Assignment, ClientToServerEvents, JoinReply, JoinRequest, ServerToClientEvents } from '../../src/signaling/events.ts';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Default bound for waiting on something that should happen. */
export const WAIT_MS = 3000;
/** How long to watch for something that should NOT happen. */
export const QUIET_MS = 250;

/** Rejects after `ms` with `what` in the message. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Everything a client received (server events only), with waits for the next one of a name. */
export class Inbox {
  readonly events: { event: string; args: unknown[] }[] = [];
  readonly #consumed = new Map<string, number>();
  readonly #waiters = new Set<() => void>();

  constructor(socket: ClientSocket) {
    socket.onAny((event: string, ...args: unknown[]) => {
      this.events.push({ event, args });
      for (const w of [...this.#waiters]) w();
    });
  }

  /** All received events named `event`, as argument lists. */
  all(event: string): unknown[][] {
    return this.events.filter((e) => e.event === event).map((e) => e.args);
  }

  /** Count of received events named `event`. */
  count(event: string): number {
    return this.all(event).length;
  }

  /** The next not-yet-taken `event`'s arguments, waiting up to `ms`. */
  async next(event: string, ms = WAIT_MS): Promise<unknown[]> {
    const take = (): unknown[] | undefined => {
      const i = this.#consumed.get(event) ?? 0;
      const found = this.all(event)[i];
      if (found) this.#consumed.set(event, i + 1);
      return found;
    };
    const now = take();
    if (now) return now;
    let waiter: (() => void) | undefined;
    try {
      return await withTimeout(
        new Promise<unknown[]>((resolve) => {
          waiter = () => {
            const got = take();
            if (got) resolve(got);
          };
          this.#waiters.add(waiter);
        }),
        ms,
        `event "${event}"`,
      );
    } finally {
      if (waiter) this.#waiters.delete(waiter);
    }
  }

  /** The first argument of the next `event` (most events carry one payload). */
  async nextPayload<T>(event: string, ms = WAIT_MS): Promise<T> {
    return (await this.next(event, ms))[0] as T;
  }
}

/** A client plus its inbox. */
export interface TestClient {
  readonly socket: ClientSocket;
  readonly inbox: Inbox;
  /** Emits anything, bypassing the typed event map (for malformed messages). */
  raw(event: string, ...args: unknown[]): void;
  /** `join` with an ack, bounded. */
  join(request: JoinRequest): Promise<JoinReply>;
}

/** Starts a server and tracks clients; `close()` tears everything down (and the harness can start again). */
export class Harness {
  server!: RunningServer;
  readonly #clients: ClientSocket[] = [];
  #running: RunningServer | undefined;

  /** `base`: options every start uses (e.g. the research store of a test matrix, tests/support/stores.ts), under `config`. */
  constructor(private readonly base: () => Promise<ServerOptions> = async () => ({})) {}

  async start(config: ServerOptions = {}): Promise<RunningServer> {
    this.server = await startServer({ port: 0, host: '127.0.0.1', dataDir: ':memory:', ...(await this.base()), ...config });
    this.#running = this.server;
    return this.server;
  }

  /** Connects a new client over websocket and waits for the connection. */
  async connect(): Promise<TestClient> {
    const socket: ClientSocket = ioClient(this.server.url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      timeout: WAIT_MS,
    });
    this.#clients.push(socket);
    const inbox = new Inbox(socket);
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      }),
      WAIT_MS,
      'connect',
    );
    return {
      socket,
      inbox,
      raw: (event, ...args) => (socket as unknown as { emit(event: string, ...args: unknown[]): void }).emit(event, ...args),
      join: (request) => socket.timeout(WAIT_MS).emitWithAck('join', request),
    };
  }

  /** Connects `n` clients. */
  async connectMany(n: number): Promise<TestClient[]> {
    const out: TestClient[] = [];
    for (let i = 0; i < n; i++) out.push(await this.connect());
    return out;
  }

  async close(): Promise<void> {
    for (const s of this.#clients.splice(0)) s.disconnect();
    const running = this.#running;
    this.#running = undefined;
    if (running) await withTimeout(running.close(), WAIT_MS, 'server close');
  }
}

/**
 * Call at a test file's (or `describe`'s) top level: a harness whose server
 * is started with `config` before each test and closed, with its clients,
 * after it, pass or fail.
 */
export function serverPerTest(config: ServerOptions = {}, base?: () => Promise<ServerOptions>): Harness {
  const h = harnessPerTest(base);
  beforeEach(async () => {
    await h.start(config);
  });
  return h;
}

/** Like {@link serverPerTest}, but each test starts the server itself (`h.start(config)`); it is closed after the test. */
export function harnessPerTest(base?: () => Promise<ServerOptions>): Harness {
  const h = new Harness(base);
  afterEach(async () => {
    await h.close();
  });
  return h;
}

/** A harness shared by the tests of the enclosing `describe` (or file): started by a `beforeAll` of its own, closed after the last test. */
export function harnessPerSuite(): Harness {
  const h = new Harness();
  afterAll(async () => {
    await h.close();
  });
  return h;
}

/** Joins `clients` one after another (in order) to `request`; resolves with every client's assignment. */
export async function joinAll(clients: readonly TestClient[], request: JoinRequest): Promise<Assignment[]> {
  for (const [i, c] of clients.entries()) {
    const reply = await c.join(request);
    if (!reply.ok) throw new Error(`client ${i} join failed: ${reply.error.code} ${reply.error.message}`);
  }
  return Promise.all(clients.map((c) => c.inbox.nextPayload<Assignment>('assigned')));
}

/** Polls `condition` until true, bounded. */
export async function until(condition: () => boolean, what: string, ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}
