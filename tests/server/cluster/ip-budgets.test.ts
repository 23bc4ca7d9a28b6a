/**
 * Per-IP token buckets over two real nodes sharing one real redis-server:
 * an address's budget is spent over the whole cluster, not once per node;
 * the keys expire; and with Redis frozen (SIGSTOP by PID) the nodes fail
 * open to their own per-node budgets, which still hold.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRedis, type RedisProcess } from '../../../scripts/redis-server.ts';
import { DEFAULT_LIMITS } from '../../../server/config.ts';
import { REDIS_COMMAND_TIMEOUT_MS } from '../../../server/cluster/redis-node.ts';
import type { Assignment } from '../../../src/signaling/events.ts';
import { harnessPerTest, QUIET_MS, sleep, type TestClient } from '../helpers.ts';

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

describe('per-IP budgets across nodes', () => {
  it("an address's join budget is spent over both nodes, not once per node; its key expires", async () => {
    const limits = { ...DEFAULT_LIMITS, joinsPerIp: { burst: 6, perSecond: 0.05 } };
    await a.start({ redisUrl: redis.url, nodeId: 'node-a', limits });
    await b.start({ redisUrl: redis.url, nodeId: 'node-b', limits });
    const request = { room: 'budget', players: 8 };
    // 6 joins on node a, each from its own connection (the per-connection budget is not what is tested)
    for (const c of await a.connectMany(6)) expect(await c.join(request)).toMatchObject({ ok: true });
    // node b has spent nothing of its own budget, but the address has spent the cluster's
    const onB = await b.connectMany(3);
    for (const c of onB) expect(await c.join(request)).toMatchObject({ ok: false, error: { code: 'rate-limited' } });
    // still 6 waiting: none of node b's joins reached the room
    const other = await a.connect();
    expect(await other.join(request)).toMatchObject({ ok: false, error: { code: 'rate-limited' } });
    const keys = await admin.keys('netroll:b:joins:*');
    expect(keys).toHaveLength(1);
    const ttl = await admin.pttl(keys[0]!);
    // expires once the bucket would be full again: 6 tokens at 0.05/s is at most 120 s (+1 s)
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(121_000);
  });

  it("an address's relay bytes are spent over both nodes (within one lease per node)", async () => {
    const burst = 64 * 1024;
    const limits = { ...DEFAULT_LIMITS, relayBytesPerIp: { burst, perSecond: 1 } };
    await a.start({ redisUrl: redis.url, nodeId: 'node-a', limits });
    await b.start({ redisUrl: redis.url, nodeId: 'node-b', limits });
    // two sessions, each inside one node: all four clients share one address
    const pairs: { from: TestClient; to: TestClient; index: number }[] = [];
    for (const [h, queue] of [[a, 'ra'], [b, 'rb']] as const) {
      const p0 = await h.connect();
      const p1 = await h.connect();
      await p0.join({ queue, players: 2 });
      await p1.join({ queue, players: 2 });
      const [, x1] = await Promise.all([p0.inbox.nextPayload<Assignment>('assigned'), p1.inbox.nextPayload<Assignment>('assigned')]);
      pairs.push({ from: p0, to: p1, index: x1.playerIndex });
    }
    // 1 KiB packets, paced by delivery (each waits up to 500 ms for the one before to arrive), so a lease request
    // slowed by a loaded machine is answered before the next lease is needed; a dropped packet only costs the wait.
    // Past the address's budget (node b) packets are dropped, so there the wait is a fixed 20 ms instead.
    const sendAll = async (p: (typeof pairs)[number], n: number, byDelivery: boolean): Promise<void> => {
      for (let i = 0; i < n; i++) {
        const before = p.to.inbox.count('relay');
        p.from.socket.emit('relay', p.index, new Uint8Array(1024).buffer);
        if (!byDelivery) await sleep(20);
        else for (let w = 0; w < 50 && p.to.inbox.count('relay') === before; w++) await sleep(10);
      }
    };
    await sendAll(pairs[0]!, 64, true);
    await sleep(QUIET_MS);
    const onA = pairs[0]!.to.inbox.count('relay');
    // node a alone: within its budget
    expect(onA).toBeGreaterThanOrEqual(56);
    await sendAll(pairs[1]!, 64, false);
    await sleep(QUIET_MS);
    const onB = pairs[1]!.to.inbox.count('relay');
    // node b's own budget is untouched, but the address's is spent: at most about one lease (4 KiB) plus what node a left
    expect(onA + onB).toBeLessThanOrEqual(64 + 2 * 4 + 2);
    expect(onB).toBeLessThan(16);
  });

  it('with Redis frozen, relay fails open to the per-node budget, which still holds', async () => {
    const burst = 16 * 1024;
    const limits = { ...DEFAULT_LIMITS, relayBytesPerIp: { burst, perSecond: 1 } };
    await a.start({ redisUrl: redis.url, nodeId: 'node-a', limits });
    const p0 = await a.connect();
    const p1 = await a.connect();
    expect((await p0.join({ queue: 'frozen-relay', players: 2 })).ok).toBe(true);
    expect((await p1.join({ queue: 'frozen-relay', players: 2 })).ok).toBe(true);
    const [x0, x1] = await Promise.all([p0.inbox.nextPayload<Assignment>('assigned'), p1.inbox.nextPayload<Assignment>('assigned')]);
    const packet = (): ArrayBuffer => new Uint8Array(1024).buffer;
    process.kill(redis.pid, 'SIGSTOP');
    let afterOutage: number;
    try {
      // the first packet asks Redis for a lease (and goes through on credit); the ask times out
      p0.socket.emit('relay', x1.playerIndex, packet());
      await sleep(REDIS_COMMAND_TIMEOUT_MS + 500);
      const before = p1.inbox.count('relay');
      expect(before).toBe(1);
      // Redis did not answer: only the node's own per-IP budget applies (16 KiB, 1 KiB of it spent)
      for (let i = 0; i < 24; i++) p0.socket.emit('relay', x1.playerIndex, packet());
      await sleep(QUIET_MS * 2);
      afterOutage = p1.inbox.count('relay') - before;
    } finally {
      process.kill(redis.pid, 'SIGCONT');
    }
    expect(afterOutage).toBeGreaterThanOrEqual(14);
    expect(afterOutage).toBeLessThanOrEqual(15);
    expect(x0.sessionId).toBe(x1.sessionId);
  }, 20_000);
});
