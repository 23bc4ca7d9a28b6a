/**
 * A node of a cluster sharing one Redis (standalone Redis or a Sentinel
 * setup; not Redis Cluster: the scripts touch keys they compute). Holds:
 * the socket.io Redis adapter (pub/sub), the lobby (redis-lobby.ts), the
 * session registry (which connection on which node holds each seat), the
 * revoked seats, the per-IP connection counts, the resume key and the
 * room-secret salt, and this node's heart-beat key.
 *
 * Keys (prefix `P`, default `netroll:`), each bounded in count and time:
 * - `P node:<id>` heart-beat, 10 s expiry, refreshed every 3 s: a node
 *   killed without closing is treated as gone within 10 s (its waiting
 *   clients are dropped, its seats no longer count as present);
 * - `P s:<session>` hash seat → `<node>|<socket>`, expiring with the
 *   session (its resume lifetime);
 * - `P r:<session>:<seat>` a seat that left, expiring with the session;
 * - `P ip:<address>` hash node → open connections, expiring a day after
 *   its last connection (fields of gone nodes are dropped when counted);
 * - `P b:<bucket>:<address>` the address's cluster-wide token bucket
 *   (messages, joins, relay bytes; see ip-leases.ts), expiring once it
 *   would be full again;
 * - `P salt`, `P resume-key`: made once by the first node, kept;
 * - lobby keys (redis-lobby.ts) and the adapter's channels `P io#…`.
 *
 * Redis being unreachable makes every command fail within
 * {@link REDIS_COMMAND_TIMEOUT_MS} (the offline queue holds at most what
 * arrives in that time). A join repeats its idempotent script until Redis
 * answers, for at most `JOIN_SETTLE_MS` (redis-lobby.ts), so a slow Redis
 * costs time, not a wrong answer; past that it is answered `unavailable` and
 * cancelled in Redis once Redis answers (a seat it got meanwhile is left
 * empty). Resumes are then refused with `unavailable` (retried by the
 * client); running sessions on one node keep relaying locally.
 */
import { randomBytes } from 'node:crypto';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { ResumeTokens } from '../resume.ts';
import type { ClusterNode } from './node.ts';
import { RedisLobbyStore } from './redis-lobby.ts';

/** How long one Redis command may take before it fails, ms. */
export const REDIS_COMMAND_TIMEOUT_MS = 2000;
/** Heart-beat expiry of a node key, ms. */
export const NODE_TTL_MS = 10_000;
/** Heart-beat period, ms. */
const HEARTBEAT_MS = 3000;
/** How long a per-IP connection count outlives its last change, ms. */
const IP_KEY_TTL_MS = 24 * 3600 * 1000;

/** ARGV: prefix, session id, seat, value, expiry (ms since epoch, 0 = none). */
const BIND = `
local key = ARGV[1] .. 's:' .. ARGV[2]
redis.call('HSET', key, ARGV[3], ARGV[4])
if tonumber(ARGV[5]) > 0 then redis.call('PEXPIREAT', key, ARGV[5]) end
return 1
`;
/** ARGV: prefix, session id, seat, value: deletes the seat only if it still holds value. */
const UNBIND = `
local key = ARGV[1] .. 's:' .. ARGV[2]
if redis.call('HGET', key, ARGV[3]) == ARGV[4] then redis.call('HDEL', key, ARGV[3]) end
return 1
`;
/** ARGV: prefix, session id. Returns the seats held by a connection on a live node. */
const PRESENT = `
local out = {}
local h = redis.call('HGETALL', ARGV[1] .. 's:' .. ARGV[2])
for i = 1, #h, 2 do
  local node = string.match(h[i + 1], '^([^|]*)|')
  if node and redis.call('EXISTS', ARGV[1] .. 'node:' .. node) == 1 then out[#out + 1] = h[i] end
end
return out
`;
/** ARGV: prefix, ip, node id, limit, ttl ms. 1 when counted, 0 when over the limit. */
const ACQUIRE = `
local key = ARGV[1] .. 'ip:' .. ARGV[2]
local h = redis.call('HGETALL', key)
local sum = 0
for i = 1, #h, 2 do
  if h[i] == ARGV[3] or redis.call('EXISTS', ARGV[1] .. 'node:' .. h[i]) == 1 then sum = sum + tonumber(h[i + 1])
  else redis.call('HDEL', key, h[i]) end
end
if sum >= tonumber(ARGV[4]) then return 0 end
redis.call('HINCRBY', key, ARGV[3], 1)
redis.call('PEXPIRE', key, ARGV[5])
return 1
`;
/** ARGV: prefix, ip, node id. */
const RELEASE = `
local key = ARGV[1] .. 'ip:' .. ARGV[2]
if redis.call('HINCRBY', key, ARGV[3], -1) <= 0 then redis.call('HDEL', key, ARGV[3]) end
return 1
`;

/**
 * ARGV: prefix, ip, bucket, per second, burst, want. A token bucket on
 * Redis's clock: takes up to `want` tokens, returns how many it took. The
 * key expires once the bucket would be full again (plus a second).
 */
const LEASE = `
local key = ARGV[1] .. 'b:' .. ARGV[3] .. ':' .. ARGV[2]
local rate, burst, want = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local h = redis.call('HMGET', key, 't', 'at')
local tokens = tonumber(h[1]) or burst
local at = tonumber(h[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local got = math.max(0, math.min(want, math.floor(tokens)))
tokens = tokens - got
redis.call('HSET', key, 't', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', key, math.ceil((burst - tokens) / rate * 1000) + 1000)
return got
`;

/** Options of {@link connectRedisNode}. */
export interface RedisNodeOptions {
  /** `redis://host:port`. */
  readonly url: string;
  readonly nodeId: string;
  /** Key prefix; default `netroll:`. Nodes of one cluster use the same. */
  readonly prefix?: string;
  /** Longest lobby wait, ms (waiting entries expire a minute after it). */
  readonly waitTimeoutMs: number;
  /** Concurrent connections of one IP address over the whole cluster. */
  readonly connectionsPerIp: number;
  /** Where Redis errors are reported (at most one line per 10 s); default `console.error`. */
  readonly onError?: (message: string) => void;
}

/** A connected node and the adapter to give socket.io. */
export interface RedisNode {
  readonly node: ClusterNode;
  /** For `io.adapter(...)`. */
  readonly adapter: ReturnType<typeof createAdapter>;
}

/**
 * Connects to Redis (commands, and a second connection for the adapter's
 * subscriptions), starts heart-beating and reads (or makes) the shared keys.
 *
 * @throws Error when Redis cannot be reached.
 */
export async function connectRedisNode(options: RedisNodeOptions): Promise<RedisNode> {
  const prefix = options.prefix ?? 'netroll:';
  const report = options.onError ?? ((m: string) => console.error(`netroll server: redis: ${m}`));
  let lastReport = -Infinity;
  const onError = (err: unknown): void => {
    const t = Date.now();
    if (t - lastReport < 10_000) return;
    lastReport = t;
    report(err instanceof Error ? err.message : String(err));
  };
  const common = { lazyConnect: true, commandTimeout: REDIS_COMMAND_TIMEOUT_MS, maxRetriesPerRequest: 1, connectTimeout: 5000 } as const;
  const redis = new Redis(options.url, common);
  const sub = new Redis(options.url, common);
  redis.on('error', onError);
  sub.on('error', onError);
  try {
    await Promise.all([redis.connect(), sub.connect()]);
  } catch (err) {
    redis.disconnect();
    sub.disconnect();
    throw new Error(`cannot reach Redis at ${options.url.replace(/\/\/[^@/]*@/, '//***@')}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const nodeKey = `${prefix}node:${options.nodeId}`;
  const beat = (): Promise<unknown> => redis.set(nodeKey, String(process.pid), 'PX', NODE_TTL_MS);
  await beat();
  const heartbeat = setInterval(() => void beat().catch(onError), HEARTBEAT_MS);
  heartbeat.unref();
  await redis.set(`${prefix}salt`, randomBytes(16).toString('hex'), 'NX');
  await redis.set(`${prefix}resume-key`, ResumeTokens.generateKey(), 'NX');
  const [salt, resumeKey] = await redis.mget(`${prefix}salt`, `${prefix}resume-key`);
  if (!salt || !resumeKey) throw new Error('Redis lost the shared keys at start');
  const run = (script: string, ...args: string[]): Promise<unknown> => redis.eval(script, 0, prefix, ...args);
  const background = (p: Promise<unknown>): void => void p.catch(onError);
  const seat = (socketId: string): string => `${options.nodeId}|${socketId}`;
  let closing: Promise<void> | undefined;
  const node: ClusterNode = {
    nodeId: options.nodeId,
    clustered: true,
    lobby: new RedisLobbyStore(redis, { prefix, nodeId: options.nodeId, entryTtlMs: options.waitTimeoutMs + 60_000, onError }),
    seats: {
      bound: (sessionId, index, socketId, expiresAt) =>
        background(run(BIND, sessionId, String(index), seat(socketId), String(Number.isFinite(expiresAt) ? Math.round(expiresAt) : 0))),
      unbound: (sessionId, index, socketId) => background(run(UNBIND, sessionId, String(index), seat(socketId))),
      present: async (sessionId) => {
        const raw = await run(PRESENT, sessionId);
        return (Array.isArray(raw) ? raw : []).map(Number).filter((i) => Number.isInteger(i)).sort((a, b) => a - b);
      },
    },
    revoked: {
      revoke: (sessionId, index, expiresAt, now) =>
        background(redis.set(`${prefix}r:${sessionId}:${index}`, '1', 'PX', Math.max(1, Math.round(Math.min(expiresAt, now + 24 * 3600 * 1000) - now)))),
      has: async (sessionId, index) => (await redis.exists(`${prefix}r:${sessionId}:${index}`)) === 1,
    },
    connections: {
      acquire: async (ip) => {
        try {
          return (await run(ACQUIRE, ip, options.nodeId, String(options.connectionsPerIp), String(IP_KEY_TTL_MS))) === 1;
        } catch (err) {
          onError(err);
          throw err;
        }
      },
      release: (ip) => background(run(RELEASE, ip, options.nodeId)),
    },
    ipBuckets: {
      lease: async (ip, bucket, limit, want) => {
        try {
          return Number(await run(LEASE, ip, bucket, String(limit.perSecond), String(limit.burst), String(want)));
        } catch (err) {
          onError(err);
          throw err;
        }
      },
    },
    secretSalt: Buffer.from(salt, 'hex'),
    resumeKey,
    close: () =>
      (closing ??= (async () => {
        clearInterval(heartbeat);
        await redis.del(nodeKey).catch(onError);
        await Promise.all([redis.quit().catch(() => redis.disconnect()), sub.quit().catch(() => sub.disconnect())]);
      })()),
  };
  // The adapter publishes without handling the promise: a PUBLISH that times out
  // under load would be an unhandled rejection, which ends a Node process. Its
  // publishes go through a client whose failures are reported (and the message
  // dropped, as a datagram is) instead.
  const publish = redis.publish.bind(redis) as (channel: string, message: string | Buffer) => Promise<number>;
  redis.publish = ((channel: string, message: string | Buffer) => publish(channel, message).catch((err: unknown) => (onError(err), 0))) as Redis['publish'];
  return { node, adapter: createAdapter(redis, sub, { key: `${prefix}io` }) };
}
