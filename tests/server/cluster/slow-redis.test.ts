/**
 * Joins while the shared Redis is slow or frozen (a real redis-server,
 * stopped with SIGSTOP and resumed with SIGCONT by its PID): the reply a
 * client gets follows what Redis did. A join whose first try times out is
 * repeated (idempotently) and answered with what Redis did; one that Redis
 * does not answer within the settle budget is answered `unavailable` and
 * then cancelled in Redis, so the client it was told to never holds a seat:
 * a group that took it meanwhile starts with that seat left.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SignalingClient } from '../../../main/signaling.ts';
import { startRedis, type RedisProcess } from '../../../scripts/redis-server.ts';
import { JOIN_SETTLE_MS } from '../../../server/cluster/redis-lobby.ts';
import { REDIS_COMMAND_TIMEOUT_MS } from '../../../server/cluster/redis-node.ts';
import type { Assignment, JoinReply, JoinRequest } from '../../../src/signaling/events.ts';
import { harnessPerTest, QUIET_MS, sleep, until, WAIT_MS, type TestClient } from '../helpers.ts';

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

async function twoNodes(): Promise<void> {
  await a.start({ redisUrl: redis.url, nodeId: 'node-a', rateLimits: false });
  await b.start({ redisUrl: redis.url, nodeId: 'node-b', rateLimits: false });
}

/** A join whose ack may take the whole settle budget and more. */
function join(c: TestClient, request: JoinRequest): Promise<JoinReply> {
  return c.socket.timeout(JOIN_SETTLE_MS + 2 * REDIS_COMMAND_TIMEOUT_MS + WAIT_MS).emitWithAck('join', request);
}

/** Runs `body` with Redis frozen (SIGSTOP); resumes it after, whatever happens. */
async function frozen<T>(body: () => Promise<T>): Promise<T> {
  process.kill(redis.pid, 'SIGSTOP');
  try {
    return await body();
  } finally {
    process.kill(redis.pid, 'SIGCONT');
  }
}

describe('joins while Redis is slow', () => {
  it('a join whose first try times out is repeated and answered with what Redis did: everyone seated exactly once, no error', async () => {
    await twoNodes();
    const per = 6;
    const clients = [...(await a.connectMany(per)), ...(await b.connectMany(per))];
    const replies = await frozen(async () => {
      const pending = clients.map((c) => join(c, { queue: 'slow', players: 2 }));
      // longer than one command timeout, well within the settle budget (and the nodes' heart-beat expiry)
      await sleep(REDIS_COMMAND_TIMEOUT_MS + 500);
      return pending;
    }).then((p) => Promise.all(p));
    for (const r of replies) expect(r).toMatchObject({ ok: true });
    const assigned = await Promise.all(clients.map((c) => c.inbox.nextPayload<Assignment>('assigned', WAIT_MS * 2)));
    await sleep(QUIET_MS);
    for (const c of clients) {
      expect(c.inbox.count('assigned')).toBe(1);
      expect(c.inbox.count('error')).toBe(0);
    }
    const bySession = new Map<string, number[]>();
    for (const x of assigned) bySession.set(x.sessionId, [...(bySession.get(x.sessionId) ?? []), x.playerIndex]);
    expect(bySession.size).toBe(per);
    for (const seats of bySession.values()) expect(seats.sort()).toEqual([0, 1]);
    expect(await admin.keys('netroll:g:*')).toEqual([]);
    expect(await admin.keys('netroll:m:*')).toEqual([]);
  }, 30_000);

  it('a join Redis does not answer in time is answered unavailable and cancelled: the client holds nothing and can join again', async () => {
    await twoNodes();
    const late = await a.connect();
    const reply = await frozen(async () => {
      const r = await join(late, { queue: 'frozen', players: 2 });
      await sleep(300);
      return r;
    });
    expect(reply).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    // Redis ran the join's tries after all, then its cancellation: nothing of it is left waiting.
    await until(() => late.socket.connected, 'connection');
    const partner = await b.connect();
    let partnerReply: JoinReply | undefined;
    const deadline = Date.now() + WAIT_MS * 2;
    while (Date.now() < deadline) {
      partnerReply = await join(partner, { queue: 'frozen', players: 2 });
      if (partnerReply.ok) break;
      await sleep(100);
    }
    expect(partnerReply).toMatchObject({ ok: true, waiting: 1 });
    await sleep(QUIET_MS);
    expect(late.inbox.count('assigned')).toBe(0);
    expect(partner.inbox.count('assigned')).toBe(0);
    // the client retries (the cancellation has settled by now) and is matched normally
    let again: JoinReply | undefined;
    for (let i = 0; i < 20; i++) {
      again = await join(late, { queue: 'frozen', players: 2 });
      if (again.ok || again.error.code !== 'unavailable') break;
      await sleep(100);
    }
    expect(again).toMatchObject({ ok: true, waiting: 2 });
    const [x, y] = await Promise.all([late.inbox.nextPayload<Assignment>('assigned'), partner.inbox.nextPayload<Assignment>('assigned')]);
    expect(x.sessionId).toBe(y.sessionId);
    // the refusal was the join's answer, not an error event
    expect(late.inbox.count('error')).toBe(0);
  }, 30_000);

  it('a join told unavailable whose group Redis formed after all starts that group with its seat left, never seating it', async () => {
    await twoNodes();
    const waiting = await b.connect();
    expect(await join(waiting, { queue: 'formed-late', players: 2 })).toMatchObject({ ok: true, waiting: 1 });
    const late = await a.connect();
    const reply = await frozen(async () => {
      const r = await join(late, { queue: 'formed-late', players: 2 });
      await sleep(300);
      return r;
    });
    // Redis was frozen past the settle budget: the client is told its join failed ...
    expect(reply).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    // ... although the join, run once Redis woke, filled the group: the partner gets its session, with the seat left.
    const assignment = await waiting.inbox.nextPayload<Assignment>('assigned', WAIT_MS * 2);
    expect(assignment.players).toHaveLength(2);
    const lateIndex = 1 - assignment.playerIndex;
    expect(await waiting.inbox.nextPayload('peer-left')).toEqual({ playerIndex: lateIndex, reason: 'left' });
    await sleep(QUIET_MS);
    expect(late.inbox.count('assigned')).toBe(0);
    // its seat is not held by anyone: signals and relay to it are refused or dropped, never delivered to the late client
    waiting.socket.emit('relay', lateIndex, new Uint8Array([1]).buffer);
    await sleep(QUIET_MS);
    expect(late.inbox.count('relay')).toBe(0);
    const seats = await admin.hgetall(`netroll:s:${assignment.sessionId}`);
    expect(Object.keys(seats)).toEqual([String(assignment.playerIndex)]);
    // and it is seated exactly once, in a new session, when it joins again
    const other = await b.connect();
    expect(await join(other, { queue: 'formed-late-2', players: 2 })).toMatchObject({ ok: true, waiting: 1 });
    let again: JoinReply | undefined;
    for (let i = 0; i < 20; i++) {
      again = await join(late, { queue: 'formed-late-2', players: 2 });
      if (again.ok || again.error.code !== 'unavailable') break;
      await sleep(100);
    }
    expect(again).toMatchObject({ ok: true, waiting: 2 });
    const mine = await late.inbox.nextPayload<Assignment>('assigned');
    expect(mine.sessionId).not.toBe(assignment.sessionId);
    await sleep(QUIET_MS);
    expect(late.inbox.count('assigned')).toBe(1);
  }, 30_000);

  describe('the page client', () => {
    const pages: SignalingClient[] = [];
    afterEach(() => {
      for (const p of pages.splice(0)) p.close();
      delete (globalThis as { sessionStorage?: unknown }).sessionStorage;
    });

    it('retries a join answered unavailable, with backoff, and is seated once Redis answers', async () => {
      // the client keeps resume secrets in sessionStorage: a per-test map stands in for the tab's
      const items = new Map<string, string>();
      (globalThis as { sessionStorage?: unknown }).sessionStorage = {
        getItem: (k: string) => items.get(k) ?? null,
        setItem: (k: string, v: string) => void items.set(k, v),
        removeItem: (k: string) => void items.delete(k),
      };
      await twoNodes();
      const page = new SignalingClient({ url: a.server.url, resumeStorageKey: 'slow', ackTimeoutMs: JOIN_SETTLE_MS + WAIT_MS });
      pages.push(page);
      await until(() => page.connected, 'the page to connect');
      let joined: Promise<Assignment> | undefined;
      await frozen(async () => {
        joined = page.join({ queue: 'page', players: 2 }, 60_000);
        joined.catch(() => undefined);
        // past the settle budget: the first answer is `unavailable`, and the page tries again
        await sleep(JOIN_SETTLE_MS + 500);
      });
      const partner = await b.connect();
      let reply: JoinReply | undefined;
      const deadline = Date.now() + WAIT_MS * 3;
      while (Date.now() < deadline) {
        reply = await join(partner, { queue: 'page', players: 2 });
        // the page's retry may not be in yet: the partner then waits alone, and is matched when it comes
        if (reply.ok) break;
        await sleep(100);
      }
      expect(reply).toMatchObject({ ok: true });
      const mine = await joined!;
      const theirs = await partner.inbox.nextPayload<Assignment>('assigned', WAIT_MS * 3);
      expect(mine.sessionId).toBe(theirs.sessionId);
      expect(partner.inbox.count('peer-left')).toBe(0);
    }, 30_000);
  });
});
