import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as ioClient } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../server/app.ts';
import type { ServerOptions } from '../../server/config.ts';
import { ResumeTokens, RevokedSeats, type ResumeClaims } from '../../server/resume.ts';
import type { Assignment, ErrorInfo, PeerLeft, ResumeReply } from '../../src/signaling/events.ts';
import { type ClientSocket, harnessPerTest, Inbox, joinAll, QUIET_MS, serverPerTest, sleep, type TestClient, until, WAIT_MS, withTimeout } from './helpers.ts';

const KEY = 'resume-key-for-tests-0123456789';

const claims = (over: Partial<ResumeClaims> = {}): ResumeClaims => ({
  sessionId: 's-1',
  playerIndex: 1,
  seed: 42,
  players: [
    { clientId: 'a', name: 'Ann' },
    { clientId: 'b', name: 'Bo' },
  ],
  target: 'room:r',
  createdAt: 1000,
  expiresAt: 10_000,
  ...over,
});

/** Replace the claims part of a token (keeping its signature): a forgery. */
function forge(token: string, change: (c: Record<string, unknown>) => void): string {
  const [v, body, mac] = token.split('.') as [string, string, string];
  const c = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
  change(c);
  return `${v}.${Buffer.from(JSON.stringify(c)).toString('base64url')}.${mac}`;
}

describe('resume tokens', () => {
  it('round-trips its claims and checks signature, key and expiry', () => {
    const t = new ResumeTokens(KEY);
    const token = t.issue(claims());
    expect(t.issue(claims())).toBe(token); // deterministic
    expect(t.verify(token, 5000)).toEqual({ ok: true, claims: claims() });
    // Another key (another server) refuses it; the same key in a new instance (a restarted server) takes it.
    expect(new ResumeTokens('another-key-of-sixteen-plus').verify(token, 5000).ok).toBe(false);
    expect(new ResumeTokens(KEY).verify(token, 5000).ok).toBe(true);
    // Expired at expiresAt.
    const expired = t.verify(token, 10_000);
    expect(expired.ok).toBe(false);
    if (!expired.ok) expect(expired.error).toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/expired/) as unknown as string });
  });

  it('refuses forged, truncated and malformed tokens', () => {
    const t = new ResumeTokens(KEY);
    const token = t.issue(claims());
    const forgeries = [
      forge(token, (c) => (c['i'] = 0)), // another seat
      forge(token, (c) => (c['s'] = 's-2')), // another session
      forge(token, (c) => (c['e'] = 99_999_999)), // a longer life
      token.slice(0, -2),
      `${token}x`,
      token.replace(/^v1/, 'v2'),
      'v1..',
      'v1.e30.' + token.split('.')[2],
      'nonsense',
    ];
    for (const f of forgeries) {
      const r = t.verify(f, 5000);
      expect(r.ok, f).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('unauthorized');
    }
    // Signed but not our claims shape (e.g. another token kind under the same key) is refused too.
    expect(() => new ResumeTokens('short')).toThrow(/at least 16/);
  });

  it('revoked seats are bounded', () => {
    const r = new RevokedSeats(3);
    for (let i = 0; i < 5; i++) r.revoke(`s${i}`, 0, 100, 0);
    expect(r.size).toBe(3);
    expect(r.has('s4', 0)).toBe(true);
    expect(r.has('s0', 0)).toBe(false);
    r.prune(100);
    expect(r.size).toBe(0);
  });
});

/** `resume` with an ack, bounded. */
function resume(c: TestClient, secret: string): Promise<ResumeReply> {
  return c.socket.timeout(WAIT_MS).emitWithAck('resume', { secret });
}

function secretOf(a: Assignment): string {
  expect(a.resume).toMatch(/^v1\./);
  return a.resume!;
}

/** A relay packet from `from` is received by `to` (and reports its sender). */
async function relayReaches(from: TestClient, to: TestClient, toIndex: number, fromIndex: number): Promise<void> {
  const before = to.inbox.count('relay');
  from.socket.emit('relay', toIndex, new Uint8Array([7, 7, 7]));
  const [sender, packet] = await to.inbox.next('relay');
  expect(to.inbox.count('relay')).toBe(before + 1);
  expect(sender).toBe(fromIndex);
  expect(new Uint8Array(packet as ArrayBuffer)).toEqual(new Uint8Array([7, 7, 7]));
}

describe('resume (real server)', () => {
  const h = serverPerTest({ resumeKey: KEY });

  it('a new connection takes a dropped seat back: the others are told, relay reaches it again', async () => {
    const [a, b] = await h.connectMany(2);
    const [aa] = await joinAll([a!, b!], { room: 'r', players: 2 });
    a!.socket.disconnect();
    expect(await b!.inbox.nextPayload<PeerLeft>('peer-left')).toEqual({ playerIndex: 0, reason: 'disconnected' });

    const a2 = await h.connect();
    const reply = await resume(a2, secretOf(aa!));
    expect(reply.ok).toBe(true);
    if (!reply.ok) return;
    expect(reply.assignment).toMatchObject({ sessionId: aa!.sessionId, playerIndex: 0, seed: aa!.seed, players: aa!.players });
    expect(reply.present).toEqual([0, 1]);
    expect(await b!.inbox.nextPayload('peer-resumed')).toEqual({ playerIndex: 0 });
    await relayReaches(b!, a2, 0, 1);
    await relayReaches(a2, b!, 1, 0);
    // The same seat again on the same connection is a no-op for the others.
    expect((await resume(a2, secretOf(aa!))).ok).toBe(true);
    await sleep(QUIET_MS);
    expect(b!.inbox.count('peer-resumed')).toBe(1);
    expect(h.server.stats().sessionList[0]!.present).toEqual([0, 1]);
  });

  it('rebinding replaces a stale connection of the seat: it is told and no longer gets relay or signals', async () => {
    const [a, b] = await h.connectMany(2);
    const [aa] = await joinAll([a!, b!], { room: 'r', players: 2 });
    const a2 = await h.connect();
    expect((await resume(a2, secretOf(aa!))).ok).toBe(true);
    expect(await a!.inbox.nextPayload('seat-lost')).toEqual({ reason: 'resumed-elsewhere' });
    await relayReaches(b!, a2, 0, 1);
    b!.socket.emit('signal', { to: 0, kind: 'candidate', data: null });
    await a2.inbox.next('signal');
    await sleep(QUIET_MS);
    expect(a!.inbox.count('relay') + a!.inbox.count('signal')).toBe(0);
    // The stale connection is out of the session now.
    a!.socket.emit('relay', 1, new Uint8Array([1]));
    expect(await a!.inbox.nextPayload<ErrorInfo>('error')).toMatchObject({ code: 'not-in-session' });
    // Its disconnect does not take the seat from the new connection.
    a!.socket.disconnect();
    await sleep(QUIET_MS);
    expect(b!.inbox.count('peer-left')).toBe(0);
    await relayReaches(b!, a2, 0, 1);
  });

  it('refuses a forged seat, a secret of another session on a seated connection, a left seat, bad payloads', async () => {
    const clients = await h.connectMany(5);
    const [a, b, c, d, x] = clients as [TestClient, TestClient, TestClient, TestClient, TestClient];
    const [aa] = await joinAll([a, b], { room: 'one', players: 2 });
    const [ca] = await joinAll([c, d], { room: 'two', players: 2 });

    const forged = forge(secretOf(aa!), (cl) => (cl['i'] = 1));
    expect(await resume(x, forged)).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    // A seated connection cannot take another session's seat.
    expect(await resume(c, secretOf(aa!))).toMatchObject({ ok: false, error: { code: 'already-joined' } });
    // Leaving is final: the seat's secret stops working.
    a.socket.emit('leave');
    await b.inbox.next('peer-left');
    expect(await resume(x, secretOf(aa!))).toMatchObject({ ok: false, error: { code: 'unauthorized', message: expect.stringMatching(/left/) as unknown as string } });
    // Malformed payloads: invalid-message, nothing changes.
    const bad: unknown[][] = [[{}], [{ secret: 'has spaces in it' }], [{ secret: secretOf(ca!), extra: 1 }], ['x'], [{ secret: 'x'.repeat(9000) }]];
    for (const args of bad) {
      const reply = (await x.socket.timeout(WAIT_MS).emitWithAck('resume', ...(args as [never]))) as ResumeReply;
      expect(reply, JSON.stringify(args).slice(0, 80)).toMatchObject({ ok: false, error: { code: 'invalid-message' } });
    }
    const errors = x.inbox.count('error');
    x.raw('resume', { secret: secretOf(ca!) }); // no ack: refused, seat untouched
    await until(() => x.inbox.count('error') === errors + 1, 'the error event');
    expect(x.inbox.all('error').at(-1)![0]).toMatchObject({ code: 'invalid-message', message: expect.stringMatching(/acknowledgement/) as unknown as string });
    await relayReaches(d, c, 0, 1);
  });

  it('relay to a seat with no connection is dropped and counted, with at most one error a second', async () => {
    const [a, b] = await h.connectMany(2);
    await joinAll([a!, b!], { room: 'r', players: 2 });
    b!.socket.disconnect();
    await a!.inbox.next('peer-left');
    const errorsBefore = a!.inbox.count('error');
    for (let i = 0; i < 30; i++) a!.socket.emit('relay', 1, new Uint8Array([i]));
    await until(() => h.server.stats().dropped.relayToAbsent === 30, 'the relay drops to be counted');
    expect(a!.inbox.count('error') - errorsBefore).toBe(1);
  });
});

describe('relay without stale bursts (real server)', () => {
  const h = serverPerTest({ resumeKey: KEY, rateLimits: false });

  it('a burst is delivered whole, and nothing sent to an absent seat arrives once it resumes', async () => {
    const [a, b] = await h.connectMany(2);
    const [, bb] = await joinAll([a!, b!], { room: 'r', players: 2 });
    // socket.io's volatile flag would drop every packet sent while the previous write is in flight: not used.
    for (let i = 0; i < 100; i++) a!.socket.emit('relay', 1, new Uint8Array([i]));
    await until(() => b!.inbox.count('relay') === 100, 'the whole burst');
    b!.socket.disconnect();
    await a!.inbox.next('peer-left');
    for (let i = 0; i < 50; i++) a!.socket.emit('relay', 1, new Uint8Array([200]));
    await until(() => h.server.stats().dropped.relayToAbsent === 50, 'the drops');
    const b2 = await h.connect();
    expect((await resume(b2, secretOf(bb!))).ok).toBe(true);
    await sleep(QUIET_MS);
    expect(b2.inbox.count('relay')).toBe(0);
    a!.socket.emit('relay', 1, new Uint8Array([201]));
    const [, fresh] = await b2.inbox.next('relay');
    expect([...new Uint8Array(fresh as ArrayBuffer)]).toEqual([201]);
  });
});

describe('resume limits and lifetime (real server)', () => {
  const h = harnessPerTest();

  it('resume takes a join token: past the burst it is rate-limited', async () => {
    await h.start({ resumeKey: KEY, rateLimits: { join: { burst: 3, perSecond: 0.01 }, signal: { burst: 5, perSecond: 1 }, relay: { burst: 5, perSecond: 1 } } });
    const [a, b, x] = await h.connectMany(3);
    const [aa] = await joinAll([a!, b!], { room: 'r', players: 2 });
    const replies: ResumeReply[] = [];
    for (let i = 0; i < 4; i++) replies.push(await resume(x!, forge(secretOf(aa!), (c) => (c['t'] = `x${i}`))));
    expect(replies.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['unauthorized', 'unauthorized', 'unauthorized', 'rate-limited']);
  });

  it('a secret past its session lifetime is refused', async () => {
    await h.start({ resumeKey: KEY, sessionTtl: 1 });
    const [a, b, x] = await h.connectMany(3);
    const [aa] = await joinAll([a!, b!], { room: 'r', players: 2 });
    await sleep(1100);
    expect(await resume(x!, secretOf(aa!))).toMatchObject({ ok: false, error: { code: 'unauthorized', message: expect.stringMatching(/expired/) as unknown as string } });
  });
});

describe('resume across a server restart', () => {
  const servers: RunningServer[] = [];
  const sockets: ClientSocket[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.disconnect();
    for (const s of servers.splice(0)) await withTimeout(s.close(), WAIT_MS, 'server close');
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  async function start(options: ServerOptions): Promise<RunningServer> {
    const s = await startServer({ port: 0, host: '127.0.0.1', dataDir: ':memory:', ...options });
    servers.push(s);
    return s;
  }

  async function client(server: RunningServer): Promise<TestClient> {
    const socket: ClientSocket = ioClient(server.url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: WAIT_MS });
    sockets.push(socket);
    const inbox = new Inbox(socket);
    await withTimeout(new Promise<void>((resolve, reject) => (socket.once('connect', () => resolve()), socket.once('connect_error', reject))), WAIT_MS, 'connect');
    return {
      socket,
      inbox,
      raw: (event, ...args) => (socket as unknown as { emit(e: string, ...a: unknown[]): void }).emit(event, ...args),
      join: (request) => socket.timeout(WAIT_MS).emitWithAck('join', request),
    };
  }

  /** Forms a session on `first`, closes it, and resumes both seats on `second` (started by `restart`). */
  async function acrossRestart(first: RunningServer, restart: () => Promise<RunningServer>): Promise<{ replies: ResumeReply[]; clients: TestClient[]; server: RunningServer }> {
    const [a, b] = [await client(first), await client(first)];
    const assignments = await joinAll([a, b], { queue: 'q', players: 2 });
    await first.close();
    const second = await restart();
    const [a2, b2] = [await client(second), await client(second)];
    const replies = [await resume(a2, secretOf(assignments[0]!)), await resume(b2, secretOf(assignments[1]!))];
    return { replies, clients: [a2, b2], server: second };
  }

  it('with the same configured key, a new server instance re-creates the session from the secrets', async () => {
    const first = await start({ resumeKey: KEY });
    const { replies, clients, server } = await acrossRestart(first, () => start({ resumeKey: KEY }));
    expect(replies.map((r) => r.ok)).toEqual([true, true]);
    const [r0, r1] = replies as [Extract<ResumeReply, { ok: true }>, Extract<ResumeReply, { ok: true }>];
    expect(r0.present).toEqual([0]);
    expect(r1.present).toEqual([0, 1]);
    expect(r1.assignment.sessionId).toBe(r0.assignment.sessionId);
    expect(r1.assignment.seed).toBe(r0.assignment.seed);
    expect(await clients[0]!.inbox.nextPayload('peer-resumed')).toEqual({ playerIndex: 1 });
    await relayReaches(clients[0]!, clients[1]!, 1, 0);
    await relayReaches(clients[1]!, clients[0]!, 0, 1);
    expect(server.stats().sessionList.map((s) => s.present)).toEqual([[0, 1]]);
  });

  it('with another key, the secrets are refused', async () => {
    const first = await start({ resumeKey: KEY });
    const { replies } = await acrossRestart(first, () => start({ resumeKey: 'a-different-key-0123456789' }));
    expect(replies.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['unauthorized', 'unauthorized']);
  });

  it('without a configured key, the key kept in the research store survives the restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netroll-resume-'));
    dirs.push(dir);
    const first = await start({ dataDir: dir });
    const { replies, server } = await acrossRestart(first, () => start({ dataDir: dir }));
    expect(replies.map((r) => r.ok)).toEqual([true, true]);
    // The restored session is in the store and on the live dashboard.
    const id = (replies[0] as Extract<ResumeReply, { ok: true }>).assignment.sessionId;
    expect(await server.store!.rows('participants', id)).toHaveLength(2);
  });

  it('without a key and with an in-memory store, a restart cannot resume (documented)', async () => {
    const first = await start({});
    const { replies } = await acrossRestart(first, () => start({}));
    expect(replies.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['unauthorized', 'unauthorized']);
  });
});
