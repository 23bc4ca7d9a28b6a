/**
 * The lobby of a cluster, in Redis: every node's clients wait in the same
 * groups, and a group forms in one Lua script (atomic in Redis), so two
 * nodes joining the last free seats at once can never seat a client twice
 * or fill a group beyond its size.
 *
 * Keys (under the cluster's prefix `P`), per group key `G` (see groupKey):
 * - `P g:G` list of waiting socket ids, in join order (never longer than
 *   the group size − 1: a group forms as soon as it is full);
 * - `P n:G` the group size (fixed by its first member, as rooms are);
 * - `P c:G` hash client id → socket id (one client id per group);
 * - `P m:<socket id>` the waiting client (JSON, with its node id and its
 *   join's attempt id), expiring after the longest wait plus a margin;
 * - `P o:<attempt>` what a join did (`f` formed a group, `s` seated by
 *   another's group, `x` cancelled) and `P f:<attempt>` the group it formed:
 *   kept one minute, so a join whose answer was lost to a command timeout
 *   can be repeated and get the same answer (see {@link JOIN}, {@link CANCEL}).
 *
 * A join never fails with an unknown outcome: it repeats its script until
 * Redis answers (for {@link JOIN_SETTLE_MS}); when Redis stays silent it is
 * answered `unavailable`, and cancelled in Redis as soon as Redis answers
 * again (what it did meanwhile is handed to the caller, see
 * {@link JoinSettlement}).
 * Members whose entry expired or whose node stopped heart-beating are
 * dropped from a group before it can form, so a dead node's clients are
 * never seated.
 *
 * Latency-gated queues (`maxRttMs`) stay on the node they were joined on
 * (their probe, re-queues and avoid lists live with the node's RTT gate):
 * they are kept in an in-process {@link Lobby}.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { ErrorCode, type ErrorInfo, metadataSchema, SPECTATOR_MODES } from '../../src/signaling/events.ts';
import { Lobby, groupKey, type GroupSummary, type GroupTarget, type GroupView, type JoinSettlement, type LobbyJoinResult, type WaitingClient } from '../lobby.ts';
import type { LobbyStore } from './lobby-store.ts';

/** Drops members of group `G` (ARGV[1] prefix, `gk`) whose entry expired or whose node is gone. */
const PRUNE = `
local function prune(P, gk)
  local lkey = P .. 'g:' .. gk
  local ckey = P .. 'c:' .. gk
  for _, id in ipairs(redis.call('LRANGE', lkey, 0, -1)) do
    local raw = redis.call('GET', P .. 'm:' .. id)
    local dead = true
    if raw then
      local m = cjson.decode(raw)
      dead = redis.call('EXISTS', P .. 'node:' .. m.n) == 0
      if dead then redis.call('DEL', P .. 'm:' .. id) end
    end
    if dead then
      redis.call('LREM', lkey, 0, id)
      local c = redis.call('HGETALL', ckey)
      for i = 1, #c, 2 do if c[i + 1] == id then redis.call('HDEL', ckey, c[i]) end end
    end
  end
  if redis.call('LLEN', lkey) == 0 then redis.call('DEL', lkey, P .. 'n:' .. gk, ckey) end
end
`;

/**
 * ARGV: prefix, group key, size, socket id, client id, member JSON (with the
 * attempt id `a`), entry ttl ms, attempt id, outcome ttl ms.
 *
 * Idempotent per attempt: a join repeated because its answer was lost (a
 * command timeout) answers what the first one did: `wait` while still
 * waiting, the same `formed` list when it formed the group, `seated` when
 * another join's group took it, `cancelled` after {@link CANCEL}. Outcomes
 * are kept in `P o:<attempt>` (and the formed list in `P f:<attempt>`) for
 * the outcome ttl.
 */
const JOIN = `${PRUNE}
local P, gk, players, sid, cid, member, ttl, att, ottl = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7]), ARGV[8], tonumber(ARGV[9])
local okey = P .. 'o:' .. att
local done = redis.call('GET', okey)
if done == 'f' then return redis.call('LRANGE', P .. 'f:' .. att, 0, -1) end
if done == 's' then return {'seated'} end
if done then return {'cancelled'} end
local mkey = P .. 'm:' .. sid
local mine = redis.call('GET', mkey)
if mine then
  if cjson.decode(mine).a == att then return {'wait', tostring(redis.call('LLEN', P .. 'g:' .. gk))} end
  return {'already'}
end
prune(P, gk)
local nkey, lkey, ckey = P .. 'n:' .. gk, P .. 'g:' .. gk, P .. 'c:' .. gk
local cur = redis.call('GET', nkey)
if cur and tonumber(cur) ~= players then return {'mismatch', cur} end
if redis.call('HEXISTS', ckey, cid) == 1 then return {'duplicate'} end
redis.call('SET', nkey, players)
redis.call('RPUSH', lkey, sid)
redis.call('SET', mkey, member, 'PX', ttl)
redis.call('HSET', ckey, cid, sid)
local waiting = redis.call('LLEN', lkey)
if waiting < players then return {'wait', tostring(waiting)} end
local out = {'formed', tostring(waiting)}
for _, id in ipairs(redis.call('LRANGE', lkey, 0, players - 1)) do
  local raw = redis.call('GET', P .. 'm:' .. id)
  redis.call('DEL', P .. 'm:' .. id)
  local m = cjson.decode(raw)
  redis.call('HDEL', ckey, m.c.clientId)
  if m.a then redis.call('SET', P .. 'o:' .. m.a, 's', 'PX', ottl) end
  out[#out + 1] = raw
end
redis.call('LTRIM', lkey, players, -1)
if redis.call('LLEN', lkey) == 0 then redis.call('DEL', lkey, nkey, ckey) end
redis.call('SET', okey, 'f', 'PX', ottl)
redis.call('RPUSH', P .. 'f:' .. att, unpack(out))
redis.call('PEXPIRE', P .. 'f:' .. att, ottl)
return out
`;

/**
 * ARGV: prefix, socket id, attempt id, outcome ttl ms. Settles a join whose
 * answer was lost: after it, that attempt can no longer be seated. Answers
 * (the same on every repeat) the formed list when it formed a group,
 * `seated` when another group took it, else `cancelled` (its waiting entry,
 * if any, removed).
 */
const CANCEL = `
local P, sid, att, ottl = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local okey = P .. 'o:' .. att
local done = redis.call('GET', okey)
if done == 'f' then return redis.call('LRANGE', P .. 'f:' .. att, 0, -1) end
if done == 's' then return {'seated'} end
redis.call('SET', okey, 'x', 'PX', ottl)
local raw = redis.call('GET', P .. 'm:' .. sid)
if raw then
  local m = cjson.decode(raw)
  if m.a == att then
    redis.call('DEL', P .. 'm:' .. sid)
    redis.call('LREM', P .. 'g:' .. m.k, 0, sid)
    local ckey = P .. 'c:' .. m.k
    if redis.call('HGET', ckey, m.c.clientId) == sid then redis.call('HDEL', ckey, m.c.clientId) end
    if redis.call('LLEN', P .. 'g:' .. m.k) == 0 then redis.call('DEL', P .. 'g:' .. m.k, P .. 'n:' .. m.k, ckey) end
  end
end
return {'cancelled'}
`;

/** ARGV: prefix, socket id. Returns {} or {'left', size, member JSON...} (those still waiting). */
const LEAVE = `
local P, sid = ARGV[1], ARGV[2]
local raw = redis.call('GET', P .. 'm:' .. sid)
if not raw then return {} end
local m = cjson.decode(raw)
local lkey, nkey, ckey = P .. 'g:' .. m.k, P .. 'n:' .. m.k, P .. 'c:' .. m.k
redis.call('DEL', P .. 'm:' .. sid)
redis.call('LREM', lkey, 0, sid)
if redis.call('HGET', ckey, m.c.clientId) == sid then redis.call('HDEL', ckey, m.c.clientId) end
local out = {'left', redis.call('GET', nkey) or '0'}
for _, id in ipairs(redis.call('LRANGE', lkey, 0, -1)) do
  local r = redis.call('GET', P .. 'm:' .. id)
  if r then out[#out + 1] = r end
end
if redis.call('LLEN', lkey) == 0 then redis.call('DEL', lkey, nkey, ckey) end
return out
`;

/** ARGV: prefix, socket id. Returns {} or {'group', size, member JSON...}. */
const GROUP_OF = `
local P, sid = ARGV[1], ARGV[2]
local raw = redis.call('GET', P .. 'm:' .. sid)
if not raw then return {} end
local m = cjson.decode(raw)
local out = {'group', redis.call('GET', P .. 'n:' .. m.k) or '0'}
for _, id in ipairs(redis.call('LRANGE', P .. 'g:' .. m.k, 0, -1)) do
  local r = redis.call('GET', P .. 'm:' .. id)
  if r then out[#out + 1] = r end
end
return out
`;

const waitingClientSchema = z.object({
  socketId: z.string(),
  clientId: z.string(),
  name: z.string().optional(),
  participantId: z.string().optional(),
  metadata: metadataSchema.optional(),
  spectators: z.enum(SPECTATOR_MODES).optional(),
});
/** A waiting client as stored: the client, its node and its group key. */
const memberSchema = z.object({ c: waitingClientSchema, n: z.string(), k: z.string(), a: z.string().optional() });

/** What one lobby script answered: a list of strings. */
const replySchema = z.array(z.string());

/** Options of {@link RedisLobbyStore}. */
export interface RedisLobbyOptions {
  /** Key prefix of the cluster, e.g. `netroll:`. */
  readonly prefix: string;
  /** This node's id (its heart-beat key is `<prefix>node:<id>`). */
  readonly nodeId: string;
  /** How long a waiting entry lives at most, ms (the longest wait plus a margin). */
  readonly entryTtlMs: number;
  /** How long a join may keep asking Redis before it is answered `unavailable` (and cancelled), ms. Default {@link JOIN_SETTLE_MS}. */
  readonly joinSettleMs?: number;
  /** Where failed tries are reported (one line per failure; the caller rate-limits). */
  readonly onError?: (err: unknown) => void;
}

/**
 * How long a join keeps repeating its (idempotent) script while Redis does
 * not answer, ms: below a client's default acknowledgement wait (5 s), so the
 * client hears the real outcome, or `unavailable`, rather than nothing.
 */
export const JOIN_SETTLE_MS = 4000;
/** How long join outcomes are kept in Redis for repeated tries, ms. */
const OUTCOME_TTL_MS = 60_000;
/** First delay between two tries of a script whose answer was lost, ms (doubling, at most {@link RETRY_MAX_MS}). */
const RETRY_FIRST_MS = 50;
const RETRY_MAX_MS = 2000;

/**
 * Whether a failed command may have run, or may run yet, in Redis (a timeout
 * or a lost connection: the outcome is unknown), as opposed to an error
 * reply from Redis itself (the script did not run, or failed as a whole).
 */
function outcomeUnknown(err: unknown): boolean {
  return !(err instanceof Error && err.name === 'ReplyError');
}

/** {@link LobbyStore} in Redis, shared by every node of a cluster. */
export class RedisLobbyStore implements LobbyStore {
  /** This node's clients waiting in Redis groups, by socket id. */
  readonly #mine = new Map<string, { client: WaitingClient; target: GroupTarget }>();
  /** Latency-gated queues: on this node only. */
  readonly #local = new Lobby();
  /** Joins sent so far (their attempt ids: `<node>.<count>`). */
  #attempts = 0;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisLobbyOptions,
  ) {}

  async join(client: WaitingClient, target: GroupTarget): Promise<LobbyJoinResult> {
    if (target.maxRttMs !== undefined) {
      if (this.#mine.has(client.socketId)) return { ok: false, error: already() };
      return this.#local.join(client, target);
    }
    if (this.#local.isWaiting(client.socketId)) return { ok: false, error: already() };
    const key = groupKey(target);
    const attempt = `${this.options.nodeId}.${(++this.#attempts).toString(36)}`;
    const member = JSON.stringify({ c: client, n: this.options.nodeId, k: key, a: attempt });
    const args = [key, String(target.players), client.socketId, client.clientId, member, String(this.options.entryTtlMs), attempt, String(OUTCOME_TTL_MS)];
    const reply = await this.#settle(JOIN, args, this.options.joinSettleMs ?? JOIN_SETTLE_MS);
    if (reply === undefined) {
      return {
        ok: false,
        error: { code: ErrorCode.Unavailable, message: 'join: the shared lobby (Redis) did not answer in time; nothing is held, retry shortly', event: 'join' },
        settling: this.#cancel(client.socketId, attempt),
      };
    }
    switch (reply[0]) {
      case 'already':
        return { ok: false, error: already() };
      case 'mismatch':
        return {
          ok: false,
          error: { code: ErrorCode.PlayersMismatch, message: `room ${target.name} is waiting for ${reply[1]} players, not ${target.players}`, event: 'join' },
        };
      case 'duplicate':
        return { ok: false, error: { code: ErrorCode.DuplicateClient, message: `client id ${client.clientId} is already waiting in this ${target.kind}`, event: 'join' } };
      case 'wait':
        this.#mine.set(client.socketId, { client, target });
        return { ok: true, waiting: Number(reply[1]) };
      case 'formed': {
        const formed = reply.slice(2).map((raw) => parseMember(raw).c);
        for (const c of formed) this.#mine.delete(c.socketId);
        return { ok: true, waiting: Number(reply[1]), formed };
      }
      case 'seated':
        // A repeated try: another join's group took this client meanwhile (its node announces the session).
        return { ok: true, waiting: target.players, seated: true };
      case 'cancelled':
        return { ok: false, error: { code: ErrorCode.Unavailable, message: 'join: cancelled while the shared lobby (Redis) was slow; retry shortly', event: 'join' } };
      default:
        throw new Error(`lobby: unexpected reply ${JSON.stringify(reply[0])} from Redis`);
    }
  }

  requeue(clients: readonly WaitingClient[], target: GroupTarget, avoid: readonly (readonly [string, string])[]): Promise<LobbyJoinResult> {
    // Only latency-gated groups are ever re-queued, and those are this node's.
    return Promise.resolve(this.#local.requeue(clients, target, avoid));
  }

  async leaveGroup(socketId: string): Promise<GroupView | undefined> {
    if (this.#local.isWaiting(socketId)) return this.#local.leaveGroup(socketId);
    this.#mine.delete(socketId);
    return viewOf(await this.#run(LEAVE, [socketId]));
  }

  async groupOf(socketId: string): Promise<GroupView | undefined> {
    if (this.#local.isWaiting(socketId)) return this.#local.groupOf(socketId);
    return viewOf(await this.#run(GROUP_OF, [socketId]));
  }

  client(socketId: string): WaitingClient | undefined {
    return this.#mine.get(socketId)?.client ?? this.#local.client(socketId);
  }

  isWaiting(socketId: string): boolean {
    return this.#mine.has(socketId) || this.#local.isWaiting(socketId);
  }

  seatedElsewhere(socketId: string): void {
    this.#mine.delete(socketId);
  }

  get waitingCount(): number {
    return this.#mine.size + this.#local.waitingCount;
  }

  groups(): GroupSummary[] {
    const byKey = new Map<string, GroupSummary>();
    for (const { target } of this.#mine.values()) {
      const key = groupKey(target);
      const g = byKey.get(key);
      byKey.set(key, { kind: target.kind, name: target.name, players: target.players, waiting: (g?.waiting ?? 0) + 1 });
    }
    return [...byKey.values(), ...this.#local.groups()];
  }

  /**
   * Runs an idempotent `script` until Redis answers, for at most `budgetMs`
   * (each try is bounded by the client's command timeout); undefined when no
   * answer came. An error reply from Redis is thrown (the script did not run).
   */
  async #settle(script: string, args: readonly string[], budgetMs: number): Promise<string[] | undefined> {
    const deadline = performance.now() + budgetMs;
    let delay = RETRY_FIRST_MS;
    for (let tries = 0; ; tries++) {
      try {
        return await this.#run(script, args);
      } catch (err) {
        if (!outcomeUnknown(err)) throw err;
        this.options.onError?.(err);
      }
      if (performance.now() + delay >= deadline) return undefined;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(RETRY_MAX_MS, delay * 2);
    }
  }

  /**
   * Cancels join `attempt` of `socketId` in Redis, trying again until Redis
   * answers or a waiting entry's lifetime has passed (after which no group
   * can take it): what that join turned out to do.
   */
  async #cancel(socketId: string, attempt: string): Promise<JoinSettlement> {
    let reply: string[] | undefined;
    try {
      reply = await this.#settle(CANCEL, [socketId, attempt, String(OUTCOME_TTL_MS)], this.options.entryTtlMs);
    } catch (err) {
      this.options.onError?.(err);
    }
    this.#mine.delete(socketId);
    if (reply === undefined) return { kind: 'unknown' };
    if (reply[0] === 'formed') {
      const formed = reply.slice(2).map((raw) => parseMember(raw).c);
      for (const c of formed) this.#mine.delete(c.socketId);
      return { kind: 'formed', formed };
    }
    return { kind: reply[0] === 'seated' ? 'seated' : 'cancelled' };
  }

  async #run(script: string, args: readonly string[]): Promise<string[]> {
    const raw: unknown = await this.redis.eval(script, 0, this.options.prefix, ...args);
    const parsed = replySchema.safeParse(raw);
    if (!parsed.success) throw new Error('lobby: malformed reply from Redis');
    return parsed.data;
  }
}

function already(): ErrorInfo {
  return { code: ErrorCode.AlreadyJoined, message: 'already waiting in a room or queue', event: 'join' };
}

function parseMember(raw: string): z.infer<typeof memberSchema> {
  const parsed = memberSchema.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new Error('lobby: malformed waiting entry in Redis');
  return parsed.data;
}

function viewOf(reply: readonly string[]): GroupView | undefined {
  if (reply.length === 0) return undefined;
  return { needed: Number(reply[1]), members: reply.slice(2).map((raw) => parseMember(raw).c) };
}
