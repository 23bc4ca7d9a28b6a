/**
 * Two real netroll nodes sharing one real redis-server (started here, on
 * loopback): lobby atomicity across nodes, the shared session registry,
 * signals and relay packets between nodes, resume on another node, per-IP
 * connection budgets across nodes, a hostile client that tries to
 * reach a session it is not in, and late join staying node-local.
 */
import { io as ioClient } from 'socket.io-client';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRedis, type RedisProcess } from '../../../scripts/redis-server.ts';
import type { Assignment, ResumeReply } from '../../../src/signaling/events.ts';
import { harnessPerTest, QUIET_MS, sleep, WAIT_MS, withTimeout, type TestClient } from '../helpers.ts';

function resume(c: TestClient, secret: string): Promise<ResumeReply> {
  return c.socket.timeout(WAIT_MS).emitWithAck('resume', { secret });
}

let redis: RedisProcess;
let admin: Redis;

beforeAll(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
}, 20_000);

afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
});

beforeEach(async () => {
  await admin.flushall();
});

const a = harnessPerTest();
const b = harnessPerTest();

async function twoNodes(options: Record<string, unknown> = {}): Promise<void> {
  await a.start({ redisUrl: redis.url, nodeId: 'node-a', ...options });
  await b.start({ redisUrl: redis.url, nodeId: 'node-b', ...options });
}

/** A session of one client on each node. */
async function crossPair(): Promise<{ pa: TestClient; pb: TestClient; aa: Assignment; ab: Assignment }> {
  const pa = await a.connect();
  const pb = await b.connect();
  const ra = await pa.join({ queue: 'cross', players: 2 });
  expect(ra).toMatchObject({ ok: true, waiting: 1 });
  const rb = await pb.join({ queue: 'cross', players: 2 });
  expect(rb).toMatchObject({ ok: true, waiting: 2 });
  const [aa, ab] = await Promise.all([pa.inbox.nextPayload<Assignment>('assigned'), pb.inbox.nextPayload<Assignment>('assigned')]);
  return { pa, pb, aa, ab };
}

describe('two nodes on one Redis', () => {
  it('matches players on different nodes; signals and relay packets cross nodes both ways', async () => {
    await twoNodes();
    expect(a.server.clustered).toBe(true);
    const { pa, pb, aa, ab } = await crossPair();
    expect(aa.sessionId).toBe(ab.sessionId);
    expect(aa.seed).toBe(ab.seed);
    expect([aa.playerIndex, ab.playerIndex].sort()).toEqual([0, 1]);
    expect(aa.players).toEqual(ab.players);

    pa.socket.emit('signal', { to: ab.playerIndex, kind: 'offer', data: { sdp: 'x' } });
    expect(await pb.inbox.nextPayload('signal')).toEqual({ from: aa.playerIndex, kind: 'offer', data: { sdp: 'x' } });
    pb.socket.emit('signal', { to: aa.playerIndex, kind: 'answer', data: { sdp: 'y' } });
    expect(await pa.inbox.nextPayload('signal')).toEqual({ from: ab.playerIndex, kind: 'answer', data: { sdp: 'y' } });

    pa.socket.emit('relay', ab.playerIndex, new Uint8Array([1, 2, 3]).buffer);
    const [from, bytes] = await pb.inbox.next('relay');
    expect(from).toBe(aa.playerIndex);
    expect([...new Uint8Array(bytes as ArrayBuffer)]).toEqual([1, 2, 3]);
    pb.socket.emit('relay', aa.playerIndex, new Uint8Array([9]).buffer);
    const [from2, bytes2] = await pa.inbox.next('relay');
    expect(from2).toBe(ab.playerIndex);
    expect([...new Uint8Array(bytes2 as ArrayBuffer)]).toEqual([9]);

    // the registry in Redis knows which node holds each seat
    const seats = await admin.hgetall(`netroll:s:${aa.sessionId}`);
    expect(seats[String(aa.playerIndex)]).toMatch(/^node-a\|/);
    expect(seats[String(ab.playerIndex)]).toMatch(/^node-b\|/);

    // leaving is seen on the other node
    pa.socket.emit('leave');
    expect(await pb.inbox.nextPayload('peer-left')).toEqual({ playerIndex: aa.playerIndex, reason: 'left' });
  });

  it('forms groups atomically under concurrent joins on both nodes: nobody is seated twice', async () => {
    await twoNodes({ rateLimits: false });
    const per = 12;
    const clients = [...(await a.connectMany(per)), ...(await b.connectMany(per))];
    const replies = await Promise.all(clients.map((c) => c.join({ queue: 'rush', players: 3 })));
    for (const r of replies) expect(r.ok).toBe(true);
    const assigned = await Promise.all(clients.map((c) => c.inbox.nextPayload<Assignment>('assigned')));
    await sleep(QUIET_MS);
    for (const c of clients) expect(c.inbox.count('assigned')).toBe(1);
    const bySession = new Map<string, number[]>();
    for (const x of assigned) bySession.set(x.sessionId, [...(bySession.get(x.sessionId) ?? []), x.playerIndex]);
    expect(bySession.size).toBe((2 * per) / 3);
    for (const seats of bySession.values()) expect(seats.sort()).toEqual([0, 1, 2]);
    // every client id appears in exactly one session's player list
    const ids = new Set(assigned.flatMap((x) => x.players.map((p) => `${x.sessionId}/${p.clientId}`)));
    const clientIds = [...ids].map((s) => s.split('/')[1]);
    expect(new Set(clientIds).size).toBe(2 * per);
    expect(await admin.keys('netroll:g:*')).toEqual([]);
  });

  it('refuses a second join of the same socket and a player-count mismatch across nodes', async () => {
    await twoNodes();
    const pa = await a.connect();
    const pb = await b.connect();
    expect(await pa.join({ room: 'r1', players: 3 })).toMatchObject({ ok: true, waiting: 1 });
    const second = await pa.join({ room: 'r1', players: 3 });
    expect(second).toMatchObject({ ok: false, error: { code: 'already-joined' } });
    const mismatch = await pb.join({ room: 'r1', players: 2 });
    expect(mismatch).toMatchObject({ ok: false, error: { code: 'players-mismatch' } });
    // a room with a secret is one room on every node (shared salt)
    const s1 = await a.connect();
    const s2 = await b.connect();
    expect(await s1.join({ room: 'sec', players: 2, secret: 'hunter22' })).toMatchObject({ ok: true });
    expect(await s2.join({ room: 'sec', players: 2, secret: 'hunter22' })).toMatchObject({ ok: true, waiting: 2 });
    await Promise.all([s1.inbox.nextPayload('assigned'), s2.inbox.nextPayload('assigned')]);
  });

  it('resumes a seat on another node; the peer is told and relay works again', async () => {
    await twoNodes();
    const { pa, pb, aa, ab } = await crossPair();
    pa.socket.disconnect();
    await withTimeout(pb.inbox.nextPayload('peer-left'), WAIT_MS, 'peer-left after the disconnect');
    const again = await b.connect();
    const reply = await resume(again, aa.resume!);
    expect(reply.ok).toBe(true);
    if (!reply.ok) return;
    expect(reply.assignment.sessionId).toBe(aa.sessionId);
    expect(reply.assignment.playerIndex).toBe(aa.playerIndex);
    expect(reply.present).toEqual([0, 1]);
    expect(await pb.inbox.nextPayload('peer-resumed')).toEqual({ playerIndex: aa.playerIndex });
    again.socket.emit('relay', ab.playerIndex, new Uint8Array([7]).buffer);
    const [from] = await pb.inbox.next('relay');
    expect(from).toBe(aa.playerIndex);
    const seats = await admin.hgetall(`netroll:s:${aa.sessionId}`);
    expect(seats[String(aa.playerIndex)]).toMatch(/^node-b\|/);
  });

  it('a seat that left cannot be resumed on another node', async () => {
    await twoNodes();
    const { pa, aa } = await crossPair();
    pa.socket.emit('leave');
    await sleep(QUIET_MS);
    const other = await b.connect();
    const reply = await resume(other, aa.resume!);
    expect(reply).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
  });

  it('a resume on one node takes the seat from a connection still holding it on the other', async () => {
    await twoNodes();
    const { pa, aa } = await crossPair();
    const thief = await b.connect();
    const reply = await resume(thief, aa.resume!);
    expect(reply.ok).toBe(true);
    expect(await pa.inbox.nextPayload('seat-lost')).toEqual({ reason: 'resumed-elsewhere' });
  });

  it('a client cannot signal or relay into a session it is not in, on any node', async () => {
    await twoNodes();
    const { pa, pb, ab } = await crossPair();
    // another session, one member on each node
    const c = await b.connect();
    const d = await a.connect();
    await c.join({ queue: 'other', players: 2 });
    await d.join({ queue: 'other', players: 2 });
    const [ac, ad] = await Promise.all([c.inbox.nextPayload<Assignment>('assigned'), d.inbox.nextPayload<Assignment>('assigned')]);
    c.socket.emit('relay', ad.playerIndex, new Uint8Array([5]).buffer);
    c.socket.emit('signal', { to: ad.playerIndex, kind: 'offer', data: {} });
    await d.inbox.next('relay');
    await d.inbox.next('signal');
    // seats beyond the session's size are refused, never routed
    c.socket.emit('relay', 5, new Uint8Array([6]).buffer);
    expect(await c.inbox.nextPayload('error')).toMatchObject({ code: 'unknown-peer' });
    // a client in no session
    const e = await b.connect();
    e.socket.emit('signal', { to: ab.playerIndex, kind: 'offer', data: {} });
    e.socket.emit('relay', ab.playerIndex, new Uint8Array([8]).buffer);
    expect(await e.inbox.nextPayload('error')).toMatchObject({ code: 'not-in-session' });
    await sleep(QUIET_MS);
    expect(pa.inbox.count('relay') + pb.inbox.count('relay')).toBe(0);
    expect(pa.inbox.count('signal') + pb.inbox.count('signal')).toBe(0);
    expect(ac.sessionId).not.toBe(ab.sessionId);
  });

  it('counts connections per IP address over both nodes', async () => {
    await twoNodes({ limits: { connectionsPerIp: 3 } });
    await a.connect();
    await a.connect();
    await b.connect();
    const refused = ioClient(b.server.url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: WAIT_MS });
    try {
      const err = await withTimeout(
        new Promise<Error>((resolve) => {
          refused.once('connect_error', resolve);
          refused.once('connect', () => resolve(new Error('connected')));
        }),
        WAIT_MS,
        'the fourth connection',
      );
      expect(err.message).toMatch(/too many connections/);
    } finally {
      refused.disconnect();
    }
  });

  it("never seats a waiting client of a node that is gone", async () => {
    await twoNodes();
    const ghost = await a.connect();
    expect(await ghost.join({ queue: 'ghost', players: 2 })).toMatchObject({ ok: true, waiting: 1 });
    // node a stops heart-beating (as after SIGKILL, once its key expires)
    await admin.del('netroll:node:node-a');
    const live = await b.connect();
    expect(await live.join({ queue: 'ghost', players: 2 })).toMatchObject({ ok: true, waiting: 1 });
    await sleep(QUIET_MS);
    expect(live.inbox.count('assigned')).toBe(0);
  });

  it('a Redis that stops answering costs messages, not the node: publishes that time out are reported, and the nodes work again after', async () => {
    await twoNodes();
    const { pa, pb, aa, ab } = await crossPair();
    process.kill(redis.pid, 'SIGSTOP');
    try {
      // Cross-node relay packets while Redis is frozen: their PUBLISHes time out (2 s).
      for (let i = 0; i < 5; i++) pa.socket.emit('relay', ab.playerIndex, new Uint8Array([i]).buffer);
      await sleep(2500);
    } finally {
      process.kill(redis.pid, 'SIGCONT');
    }
    // An unhandled rejection would have failed this test (and ended a real node).
    await sleep(500);
    pa.socket.emit('relay', ab.playerIndex, new Uint8Array([42]).buffer);
    const got = (): number[][] => pb.inbox.all('relay').map((args) => [args[0] as number, ...new Uint8Array(args[1] as ArrayBuffer)]);
    const deadline = Date.now() + WAIT_MS;
    while (!got().some((r) => r[1] === 42) && Date.now() < deadline) await sleep(50);
    expect(got()).toContainEqual([aa.playerIndex, 42]);
  }, 30_000);

  it('late join is node-local: a session whose members are all on one node seats a newcomer there; one with a member on another node seats none', async () => {
    await twoNodes();
    const lateRoom = (name: string) => ({ room: name, players: 3, startPlayers: 2 });
    // Both founders on node A: the session is A's alone.
    const [f0, f1] = await a.connectMany(2);
    await f0!.join(lateRoom('lj-local'));
    await f1!.join(lateRoom('lj-local'));
    const [local] = await Promise.all([f0!.inbox.nextPayload<Assignment>('assigned'), f1!.inbox.nextPayload<Assignment>('assigned')]);
    const onB = await b.connect();
    expect(await onB.join({ session: local.sessionId, players: 3 })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    const onA = await a.connect();
    expect(await onA.join({ session: local.sessionId, players: 3 })).toMatchObject({ ok: true });
    expect(await onA.inbox.nextPayload<Assignment>('assigned')).toMatchObject({ sessionId: local.sessionId, playerIndex: 2, lateJoin: true });
    expect(await f0!.inbox.nextPayload('seat-taken')).toMatchObject({ player: { index: 2 } });

    // One founder on each node: the node that formed it seats no newcomer, by id or by room.
    const pa = await a.connect();
    const pb = await b.connect();
    await pa.join(lateRoom('lj-cross'));
    await pb.join(lateRoom('lj-cross'));
    const [aa] = await Promise.all([pa.inbox.nextPayload<Assignment>('assigned'), pb.inbox.nextPayload<Assignment>('assigned')]);
    for (const h of [a, b]) {
      const c = await h.connect();
      const reply = await c.join({ session: aa.sessionId, players: 3 });
      expect(reply).toMatchObject({ ok: false, error: { code: 'not-found' } });
    }
    const byRoom = await b.connect();
    expect(await byRoom.join(lateRoom('lj-cross'))).toMatchObject({ ok: true, waiting: 1 }); // waits for a new group
    await sleep(QUIET_MS);
    expect(byRoom.inbox.count('assigned')).toBe(0);
    expect(pa.inbox.count('seat-taken') + pb.inbox.count('seat-taken')).toBe(0);
  });
});
