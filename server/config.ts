/**
 * Server configuration: embedded defaults, overridden by environment
 * variables, overridden by command-line flags. Everything is validated here
 * with errors that say which flag or variable was wrong and why.
 */
import { parseArgs } from 'node:util';

/** Limits for one kind of client message: a token bucket per connection. */
export interface RateLimit {
  /** Messages allowed in a burst. */
  readonly burst: number;
  /** Sustained messages per second. */
  readonly perSecond: number;
}

/** Per-connection rate limits by client event. */
export interface RateLimits {
  readonly join: RateLimit;
  readonly signal: RateLimit;
  readonly relay: RateLimit;
}

/**
 * Budgets that keep one hostile client (or one address) from hurting the
 * others. Every table they imply is bounded; the README's "Security" section
 * lists each default.
 */
export interface AbuseLimits {
  /** Concurrent socket.io connections from one IP address. */
  readonly connectionsPerIp: number;
  /** Most IP addresses tracked at once (connections beyond it are refused until idle entries expire). */
  readonly maxTrackedIps: number;
  /** Messages of any kind from one IP address, over all its connections (survives reconnects). */
  readonly messagesPerIp: RateLimit;
  /** `join`s from one IP address, over all its connections. */
  readonly joinsPerIp: RateLimit;
  /** Relayed bytes from one connection. */
  readonly relayBytesPerSocket: RateLimit;
  /** Relayed bytes from one IP address, over all its connections. */
  readonly relayBytesPerIp: RateLimit;
  /**
   * A connection that keeps relaying past its own byte budget is a flood: once
   * this many of its relay bytes in a row were dropped, it is disconnected.
   */
  readonly relayFloodDisconnectBytes: number;
  /**
   * Backpressure: a relay packet (or signal) is dropped instead of queued when
   * the target connection already has this many bytes waiting to be written.
   */
  readonly targetBufferBytes: number;
  /** Research uploads being received at once from one IP address. */
  readonly uploadsPerIp: number;
  /** Research uploads being received at once over the whole server. */
  readonly uploadsTotal: number;
  /** Live-dashboard entries kept (running and recently ended sessions); the oldest ended ones go first. */
  readonly maxLiveSessions: number;
  /** How long an ended session stays on the live dashboard, ms. */
  readonly liveEndedKeepMs: number;
  /** Bytes a player may upload for spectators (`spectator-data`), per connection. */
  readonly spectatorUploadBytes: RateLimit;
  /**
   * Free bytes the SQLite store's filesystem keeps: an upload that could
   * leave less is refused unread (507 `storage-full`, retried by the page).
   * 0 turns the floor off. Not used with Postgres or an in-memory store.
   */
  readonly minFreeDiskBytes: number;
}

/** Everything the server needs to run. */
export interface ServerConfig {
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** Interface to listen on; `0.0.0.0` accepts other machines, `127.0.0.1` only this one. */
  readonly host: string;
  /** coturn `static-auth-secret` (`use-auth-secret`). Never sent to clients. */
  readonly turnSecret?: string;
  /** TURN server urls, e.g. `turn:turn.example.org:3478?transport=udp`. */
  readonly turnUrls: readonly string[];
  /** Lifetime of generated TURN credentials, in seconds. */
  readonly turnTtl: number;
  /** STUN server urls handed to clients (with or without TURN). */
  readonly stunUrls: readonly string[];
  /** Directory served as static files at `/`, if any. */
  readonly staticDir?: string;
  /** Where research data is stored (`<dataDir>/netroll.sqlite`); `:memory:` keeps it in memory. Unused with {@link ServerConfig.databaseUrl}. */
  readonly dataDir: string;
  /**
   * Postgres URL (`postgres://user:password@host:5432/db`) of the research
   * store; when set, research data goes there instead of SQLite, so several
   * nodes share one store. Migrated on start; unreachable at start: the
   * server refuses to start.
   */
  readonly databaseUrl?: string;
  /** Most Postgres connections this node opens (default 10, 1 to 100). */
  readonly databasePoolSize: number;
  /** Token for `/admin` and `/api/` (generated at start when unset). */
  readonly adminToken?: string;
  /**
   * Key that signs resume secrets (at least 16 characters). Unset: one is
   * generated and kept in the research store (so a restart with the same
   * data directory still accepts earlier secrets), or, without a store on
   * disk, held only by this process (a restart then cannot resume sessions).
   */
  readonly resumeKey?: string;
  /** How long after a session formed its members can resume it, in seconds (default 4 hours, at most a day). */
  readonly sessionTtl: number;
  /** Store research data (sessions, reports, parity). Default true. */
  readonly research: boolean;
  /**
   * Origins allowed to connect besides the server's own (`*` for any): checked
   * on every socket.io handshake (WebSocket and long-polling) and used for CORS.
   * Clients that send no `Origin` (not browsers) are let through.
   */
  readonly corsOrigins: readonly string[];
  /** Per-connection message rate limits, or `false` for no message rate limits at all (per IP ones included). */
  readonly rateLimits: RateLimits | false;
  /** Per-IP, per-connection byte and concurrency budgets (see {@link DEFAULT_LIMITS}). */
  readonly limits: AbuseLimits;
  /**
   * Longest a join waits in a room or queue before the server sends it
   * `timeout` and forgets it, ms (a join may ask for less). Default 120,000.
   * Each timeout is recorded in the research store (`waiting_room`).
   */
  readonly waitTimeoutMs: number;
  /**
   * Let a participant id that already completed a session join again.
   * Default false: such a join is refused with `participant-completed`
   * (checked against the research store; nothing is refused without one).
   */
  readonly allowReentry: boolean;
  /**
   * Drop-in game modules (paths of ES modules exporting a game, as the
   * drop-in worker's `gameUrl`): replay and the exports find games there
   * before the registered ones. Default none.
   */
  readonly gameModules: readonly string[];
  /**
   * Latency-gated queues (`maxRttMs`): how long a tentative group may take
   * to connect and measure its RTTs before the probe counts as failed, ms.
   * Default 15,000.
   */
  readonly rttProbeTimeoutMs: number;
  /**
   * Late join (sessions with free seats): how long a newcomer's seat stays
   * provisional, ms; a newcomer that has not loaded the game state and sent
   * `late-joined` by then loses it (the seat is free again). Default 30,000.
   */
  readonly lateJoinTimeoutMs: number;
  /** Latency-gated queues: times a member may fail the probe (re-queued each time) before it is refused with `rtt-too-high`. Default 3. */
  readonly rttMaxRequeues: number;
  /**
   * Who may watch a session as a spectator: `open` (default: anyone given
   * the session id, which is an unguessable UUID), `admin` (only with the
   * admin token) or `off`. Players can still turn it off for their session.
   */
  readonly spectators: 'open' | 'admin' | 'off';
  /** Spectators one player feeds over DataChannels before the rest go through the server's fan-out, 0..32. Default 2. */
  readonly spectatorPeerSlots: number;
  /**
   * Redis URL (`redis://host:port`, `rediss://` for TLS): when set, this
   * server is one node of a cluster sharing that Redis (socket.io Redis
   * adapter, lobby, session registry, revoked seats, per-IP connection
   * counts, resume key). Unset (default): a single node, all in memory.
   */
  readonly redisUrl?: string;
  /** This node's id in a cluster (default: generated at start); unique per running node. */
  readonly nodeId?: string;
  /**
   * socket.io heartbeat: the server pings every client this often, ms
   * (1,000..300,000). Default 25,000 (socket.io's). With `pingTimeoutMs` it
   * bounds how long a connection whose network went silent (no reset, no
   * close) stays bound to its seat: the server drops it after at most
   * `pingIntervalMs + pingTimeoutMs`, and the client, which expects a ping
   * within the same time, drops it too and starts resuming.
   */
  readonly pingIntervalMs: number;
  /** socket.io heartbeat: how long the server waits for a client's pong, ms (1,000..300,000). Default 20,000 (socket.io's). */
  readonly pingTimeoutMs: number;
}

/** What callers pass: any subset of the configuration; `limits` may itself be partial. */
export type ServerOptions = Omit<Partial<ServerConfig>, 'limits'> & { readonly limits?: Partial<AbuseLimits> };

/** Raised for any invalid configuration value; `message` names the culprit. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Rate limits used unless configured: generous for real clients, a wall for floods. */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  join: { burst: 10, perSecond: 2 },
  signal: { burst: 400, perSecond: 100 },
  relay: { burst: 2000, perSecond: 1000 },
};

/** Abuse limits used unless configured. */
export const DEFAULT_LIMITS: AbuseLimits = {
  connectionsPerIp: 32,
  maxTrackedIps: 10_000,
  messagesPerIp: { burst: 4000, perSecond: 2000 },
  joinsPerIp: { burst: 20, perSecond: 2 },
  relayBytesPerSocket: { burst: 256 * 1024, perSecond: 128 * 1024 },
  relayBytesPerIp: { burst: 2 * 1024 * 1024, perSecond: 1024 * 1024 },
  relayFloodDisconnectBytes: 4 * 1024 * 1024,
  targetBufferBytes: 256 * 1024,
  uploadsPerIp: 2,
  uploadsTotal: 8,
  maxLiveSessions: 1000,
  liveEndedKeepMs: 2 * 60_000,
  spectatorUploadBytes: { burst: 4 * 1024 * 1024, perSecond: 1024 * 1024 },
  minFreeDiskBytes: 256 * 1024 * 1024,
};

/** The embedded defaults. */
export const DEFAULT_CONFIG: ServerConfig = {
  port: 8080,
  host: '0.0.0.0',
  turnUrls: [],
  turnTtl: 3600,
  stunUrls: [],
  dataDir: './data',
  databasePoolSize: 10,
  sessionTtl: 4 * 3600,
  research: true,
  corsOrigins: [],
  rateLimits: DEFAULT_RATE_LIMITS,
  limits: DEFAULT_LIMITS,
  waitTimeoutMs: 120_000,
  allowReentry: false,
  gameModules: [],
  rttProbeTimeoutMs: 15_000,
  lateJoinTimeoutMs: 30_000,
  rttMaxRequeues: 3,
  spectators: 'open',
  spectatorPeerSlots: 2,
  pingIntervalMs: 25_000,
  pingTimeoutMs: 20_000,
};

/**
 * Longest TURN credential lifetime accepted: one day. Clients ask for fresh
 * credentials (`turn-credentials`) while their session runs.
 */
export const MAX_TURN_TTL = 24 * 3600;

/** Longest session lifetime accepted (resume secrets expire with it): one day. */
export const MAX_SESSION_TTL = 24 * 3600;

/** `--help` text. */
export const USAGE = `Usage: tsx server/cli.ts [options]

Options (flag, then environment variable; flags win):
  --port N            PORT                 TCP port (default 8080; 0 = any free port)
  --host ADDR         HOST                 interface to listen on (default 0.0.0.0)
  --turn-secret S     NETROLL_TURN_SECRET  coturn static-auth-secret (prefer the variable:
                                           flags are visible in the process list)
  --turn-urls U,U     NETROLL_TURN_URLS    TURN urls (turn:/turns:), comma separated
  --turn-ttl SEC      NETROLL_TURN_TTL     TURN credential lifetime (default 3600)
  --stun-urls U,U     NETROLL_STUN_URLS    STUN urls (stun:/stuns:), comma separated
  --static-dir DIR    NETROLL_STATIC_DIR   serve DIR as static files at /
  --data-dir DIR      NETROLL_DATA_DIR     research data directory (default ./data; :memory: = none on disk)
  --database-url URL  NETROLL_DATABASE_URL research data in Postgres (postgres://...) instead of
                                           SQLite in the data directory (prefer the variable)
  --database-pool-size N  NETROLL_DATABASE_POOL_SIZE  Postgres connections per node (default 10)
  --admin-token T     NETROLL_ADMIN_TOKEN  token for /admin and /api/ (default: generated, printed)
  --resume-key K      NETROLL_RESUME_KEY   key signing resume secrets, >= 16 characters (default:
                                           generated and kept in the research store; with
                                           --data-dir :memory:, per process)
  --session-ttl SEC   NETROLL_SESSION_TTL  how long members can resume a session (default 14400)
  --cors-origin O,O   NETROLL_CORS_ORIGIN  origins allowed besides the server's own, for
                                           WebSockets and CORS (* = any)
  --conns-per-ip N    NETROLL_CONNS_PER_IP concurrent connections from one IP (default 32)
  --min-free-disk MB  NETROLL_MIN_FREE_DISK_MB  free space the SQLite store's disk keeps: uploads
                                           that could go below it are refused (default 256; 0 = off)
  --wait-timeout MS   NETROLL_WAIT_TIMEOUT_MS  longest wait in a room or queue (default 120000)
  --ping-interval MS  NETROLL_PING_INTERVAL_MS  heartbeat ping period (default 25000)
  --ping-timeout MS   NETROLL_PING_TIMEOUT_MS   heartbeat pong wait (default 20000); a silent
                                           connection is dropped after interval + timeout
  --allow-reentry     NETROLL_ALLOW_REENTRY=1  let a participant who completed a session join again
  --game-module P,P   NETROLL_GAME_MODULES drop-in game modules for replay and the exports
  --redis-url URL     NETROLL_REDIS_URL    run as one node of a cluster sharing this Redis
                                           (redis://host:port); unset = single node in memory
  --node-id ID        NETROLL_NODE_ID      this node's id in the cluster (default: generated)
  -h, --help                               show this help
`;

/** What {@link parseConfig} returns: a config, or a request for the usage text. */
export type ParsedCommandLine = { readonly help: true } | { readonly help: false; readonly config: ServerConfig };

const FLAGS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'turn-secret': { type: 'string' },
  'turn-urls': { type: 'string' },
  'turn-ttl': { type: 'string' },
  'stun-urls': { type: 'string' },
  'static-dir': { type: 'string' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  'database-pool-size': { type: 'string' },
  'admin-token': { type: 'string' },
  'resume-key': { type: 'string' },
  'session-ttl': { type: 'string' },
  'cors-origin': { type: 'string' },
  'conns-per-ip': { type: 'string' },
  'min-free-disk': { type: 'string' },
  'wait-timeout': { type: 'string' },
  'ping-interval': { type: 'string' },
  'ping-timeout': { type: 'string' },
  'allow-reentry': { type: 'boolean' },
  'game-module': { type: 'string' },
  'redis-url': { type: 'string' },
  'node-id': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Reads the configuration from command-line `argv` (without the node and
 * script paths) and `env`: flags override environment, environment overrides
 * {@link DEFAULT_CONFIG}. Empty environment variables count as unset.
 *
 * @throws ConfigError on unknown flags or invalid values.
 */
export function parseConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): ParsedCommandLine {
  let values: { [K in keyof typeof FLAGS]?: (typeof FLAGS)[K]['type'] extends 'boolean' ? boolean : string };
  try {
    ({ values } = parseArgs({ args: [...argv], options: FLAGS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new ConfigError(`${err instanceof Error ? err.message : String(err)} (see --help)`);
  }
  if (values.help === true) return { help: true };

  const pick = (flag: keyof typeof FLAGS, envName: string): { value: string; source: string } | undefined => {
    const fromFlag = values[flag];
    if (typeof fromFlag === 'string') return { value: fromFlag, source: `--${flag}` };
    const fromEnv = env[envName];
    if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, source: envName };
    return undefined;
  };

  const partial: { -readonly [K in keyof ServerOptions]?: ServerOptions[K] } = {};
  const port = pick('port', 'PORT');
  if (port) partial.port = parseInteger(port.value, port.source, 0, 65535);
  const host = pick('host', 'HOST');
  if (host) partial.host = host.value;
  const secret = pick('turn-secret', 'NETROLL_TURN_SECRET');
  if (secret) partial.turnSecret = secret.value;
  const turnUrls = pick('turn-urls', 'NETROLL_TURN_URLS');
  if (turnUrls) partial.turnUrls = parseList(turnUrls.value);
  const ttl = pick('turn-ttl', 'NETROLL_TURN_TTL');
  if (ttl) partial.turnTtl = parseInteger(ttl.value, ttl.source, 1, MAX_TURN_TTL);
  const stunUrls = pick('stun-urls', 'NETROLL_STUN_URLS');
  if (stunUrls) partial.stunUrls = parseList(stunUrls.value);
  const staticDir = pick('static-dir', 'NETROLL_STATIC_DIR');
  if (staticDir) partial.staticDir = staticDir.value;
  const dataDir = pick('data-dir', 'NETROLL_DATA_DIR');
  if (dataDir) partial.dataDir = dataDir.value;
  const databaseUrl = pick('database-url', 'NETROLL_DATABASE_URL');
  if (databaseUrl) partial.databaseUrl = databaseUrl.value;
  const poolSize = pick('database-pool-size', 'NETROLL_DATABASE_POOL_SIZE');
  if (poolSize) partial.databasePoolSize = parseInteger(poolSize.value, poolSize.source, 1, 100);
  const adminToken = pick('admin-token', 'NETROLL_ADMIN_TOKEN');
  if (adminToken) {
    if (adminToken.value.length < 16) throw new ConfigError(`${adminToken.source}: the admin token must be at least 16 characters`);
    partial.adminToken = adminToken.value;
  }
  const resumeKey = pick('resume-key', 'NETROLL_RESUME_KEY');
  if (resumeKey) partial.resumeKey = resumeKey.value;
  const sessionTtl = pick('session-ttl', 'NETROLL_SESSION_TTL');
  if (sessionTtl) partial.sessionTtl = parseInteger(sessionTtl.value, sessionTtl.source, 1, MAX_SESSION_TTL);
  const cors = pick('cors-origin', 'NETROLL_CORS_ORIGIN');
  if (cors) partial.corsOrigins = parseList(cors.value);
  const conns = pick('conns-per-ip', 'NETROLL_CONNS_PER_IP');
  if (conns) partial.limits = { ...DEFAULT_LIMITS, connectionsPerIp: parseInteger(conns.value, conns.source, 1, 1_000_000) };
  const minFree = pick('min-free-disk', 'NETROLL_MIN_FREE_DISK_MB');
  if (minFree) partial.limits = { ...DEFAULT_LIMITS, ...partial.limits, minFreeDiskBytes: parseInteger(minFree.value, minFree.source, 0, 1_048_576) * 1024 * 1024 };
  const wait = pick('wait-timeout', 'NETROLL_WAIT_TIMEOUT_MS');
  if (wait) partial.waitTimeoutMs = parseInteger(wait.value, wait.source, 1000, 3_600_000);
  const pingInterval = pick('ping-interval', 'NETROLL_PING_INTERVAL_MS');
  if (pingInterval) partial.pingIntervalMs = parseInteger(pingInterval.value, pingInterval.source, 1000, 300_000);
  const pingTimeout = pick('ping-timeout', 'NETROLL_PING_TIMEOUT_MS');
  if (pingTimeout) partial.pingTimeoutMs = parseInteger(pingTimeout.value, pingTimeout.source, 1000, 300_000);
  if (values['allow-reentry'] === true || env['NETROLL_ALLOW_REENTRY'] === '1') partial.allowReentry = true;
  const modules = pick('game-module', 'NETROLL_GAME_MODULES');
  if (modules) partial.gameModules = parseList(modules.value);
  const redisUrl = pick('redis-url', 'NETROLL_REDIS_URL');
  if (redisUrl) partial.redisUrl = redisUrl.value.trim();
  const nodeId = pick('node-id', 'NETROLL_NODE_ID');
  if (nodeId) partial.nodeId = nodeId.value.trim();
  return { help: false, config: resolveConfig(partial) };
}

/**
 * Fills `partial` with {@link DEFAULT_CONFIG} and validates the result.
 * `undefined` values count as absent.
 *
 * @throws ConfigError naming the invalid field.
 */
export function resolveConfig(partial: ServerOptions = {}): ServerConfig {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as ServerOptions;
  const merged = { ...DEFAULT_CONFIG, ...defined };
  const c: ServerConfig = { ...merged, limits: { ...DEFAULT_LIMITS, ...Object.fromEntries(Object.entries(merged.limits ?? {}).filter(([, v]) => v !== undefined)) } };

  if (!Number.isInteger(c.port) || c.port < 0 || c.port > 65535) {
    throw new ConfigError(`port: expected an integer from 0 to 65535, got ${JSON.stringify(c.port)}`);
  }
  if (typeof c.host !== 'string' || c.host.trim() === '') throw new ConfigError('host: must not be empty');
  if (!Number.isInteger(c.turnTtl) || c.turnTtl < 1 || c.turnTtl > MAX_TURN_TTL) {
    throw new ConfigError(`turn ttl: expected an integer number of seconds from 1 to ${MAX_TURN_TTL}, got ${JSON.stringify(c.turnTtl)}`);
  }
  if (!Number.isInteger(c.sessionTtl) || c.sessionTtl < 1 || c.sessionTtl > MAX_SESSION_TTL) {
    throw new ConfigError(`session ttl: expected an integer number of seconds from 1 to ${MAX_SESSION_TTL}, got ${JSON.stringify(c.sessionTtl)}`);
  }
  if (c.resumeKey !== undefined && (typeof c.resumeKey !== 'string' || Buffer.byteLength(c.resumeKey, 'utf8') < 16)) {
    throw new ConfigError('resume key: must be at least 16 characters');
  }
  checkUrls('turn urls', c.turnUrls, ['turn:', 'turns:']);
  checkUrls('stun urls', c.stunUrls, ['stun:', 'stuns:']);
  const hasSecret = c.turnSecret !== undefined && c.turnSecret !== '';
  if (hasSecret && c.turnUrls.length === 0) {
    throw new ConfigError('turn: a TURN secret needs TURN urls too (--turn-urls / NETROLL_TURN_URLS)');
  }
  if (!hasSecret && c.turnUrls.length > 0) {
    throw new ConfigError('turn: TURN urls need the TURN secret too (--turn-secret / NETROLL_TURN_SECRET)');
  }
  if (c.staticDir !== undefined && (typeof c.staticDir !== 'string' || c.staticDir === '')) {
    throw new ConfigError('static dir: must be a non-empty path');
  }
  if (typeof c.dataDir !== 'string' || c.dataDir === '') throw new ConfigError('data dir: must be a non-empty path');
  if (c.databaseUrl !== undefined && (typeof c.databaseUrl !== 'string' || !/^postgres(ql)?:\/\/./.test(c.databaseUrl))) {
    throw new ConfigError('database url: must be a postgres:// or postgresql:// URL');
  }
  if (!Number.isInteger(c.databasePoolSize) || c.databasePoolSize < 1 || c.databasePoolSize > 100) {
    throw new ConfigError(`database pool size: expected an integer from 1 to 100, got ${JSON.stringify(c.databasePoolSize)}`);
  }
  if (!Number.isInteger(c.waitTimeoutMs) || c.waitTimeoutMs < 1000 || c.waitTimeoutMs > 3_600_000) {
    throw new ConfigError(`wait timeout: expected an integer number of ms from 1000 to 3600000, got ${JSON.stringify(c.waitTimeoutMs)}`);
  }
  for (const [name, v] of [['ping interval', c.pingIntervalMs], ['ping timeout', c.pingTimeoutMs]] as const) {
    if (!Number.isInteger(v) || v < 1000 || v > 300_000) throw new ConfigError(`${name}: expected an integer number of ms from 1000 to 300000, got ${JSON.stringify(v)}`);
  }
  if (typeof c.allowReentry !== 'boolean') throw new ConfigError('allow reentry: must be true or false');
  if (!Number.isInteger(c.lateJoinTimeoutMs) || c.lateJoinTimeoutMs < 1000 || c.lateJoinTimeoutMs > 600_000) {
    throw new ConfigError(`late join timeout: expected an integer number of ms from 1000 to 600000, got ${JSON.stringify(c.lateJoinTimeoutMs)}`);
  }
  if (!Number.isInteger(c.rttProbeTimeoutMs) || c.rttProbeTimeoutMs < 1000 || c.rttProbeTimeoutMs > 600_000) {
    throw new ConfigError(`rtt probe timeout: expected an integer number of ms from 1000 to 600000, got ${JSON.stringify(c.rttProbeTimeoutMs)}`);
  }
  if (!Number.isInteger(c.rttMaxRequeues) || c.rttMaxRequeues < 0 || c.rttMaxRequeues > 100) {
    throw new ConfigError(`rtt max requeues: expected an integer from 0 to 100, got ${JSON.stringify(c.rttMaxRequeues)}`);
  }
  if (!Array.isArray(c.gameModules) || c.gameModules.some((m) => typeof m !== 'string' || m === '')) throw new ConfigError('game modules: expected a list of paths');
  for (const origin of c.corsOrigins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ConfigError(`cors origin: expected * or an origin like http://localhost:5173, got ${JSON.stringify(origin)}`);
    }
  }
  if (c.rateLimits !== false) {
    for (const [event, limit] of Object.entries<RateLimit>({ ...c.rateLimits })) {
      if (!(limit.burst >= 1) || !(limit.perSecond > 0)) {
        throw new ConfigError(`rate limit ${event}: burst must be >= 1 and perSecond > 0`);
      }
    }
  }
  if (c.spectators !== 'open' && c.spectators !== 'admin' && c.spectators !== 'off') {
    throw new ConfigError(`spectators: expected open, admin or off, got ${JSON.stringify(c.spectators)}`);
  }
  if (!Number.isInteger(c.spectatorPeerSlots) || c.spectatorPeerSlots < 0 || c.spectatorPeerSlots > 32) {
    throw new ConfigError(`spectator peer slots: expected an integer from 0 to 32, got ${JSON.stringify(c.spectatorPeerSlots)}`);
  }
  if (c.redisUrl !== undefined && (typeof c.redisUrl !== 'string' || !/^rediss?:\/\/[^\s]+$/.test(c.redisUrl))) {
    throw new ConfigError(`redis url: expected redis://host:port or rediss://host:port, got ${JSON.stringify(c.redisUrl)}`);
  }
  if (c.nodeId !== undefined && (typeof c.nodeId !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(c.nodeId))) {
    throw new ConfigError(`node id: expected 1 to 64 letters, digits, '.', '_' or '-', got ${JSON.stringify(c.nodeId)}`);
  }
  for (const [name, v] of Object.entries(c.limits)) {
    if (name === 'minFreeDiskBytes') {
      if (!(typeof v === 'number' && Number.isInteger(v) && v >= 0)) throw new ConfigError('limits.minFreeDiskBytes: must be an integer >= 0 (0: no floor)');
      continue;
    }
    const bucket: { burst?: unknown; perSecond?: unknown } = v !== null && typeof v === 'object' ? (v as { burst?: unknown; perSecond?: unknown }) : {};
    const ok = typeof v === 'number' ? Number.isFinite(v) && v >= 1 : typeof bucket.burst === 'number' && bucket.burst >= 1 && typeof bucket.perSecond === 'number' && bucket.perSecond > 0;
    if (!ok) throw new ConfigError(`limits.${name}: ${typeof v === 'number' ? 'must be a number >= 1' : 'burst must be >= 1 and perSecond > 0'}`);
  }
  return c;
}

function parseInteger(text: string, source: string, min: number, max: number): number {
  const trimmed = text.trim();
  const n = /^\d+$/.test(trimmed) ? Number(trimmed) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(`${source}: expected an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return n;
}

function parseList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function checkUrls(what: string, urls: readonly string[], schemes: readonly string[]): void {
  if (!Array.isArray(urls)) throw new ConfigError(`${what}: expected a list of urls`);
  for (const url of urls) {
    const ok = typeof url === 'string' && schemes.some((s) => url.startsWith(s) && url.length > s.length) && !/\s/.test(url);
    if (!ok) throw new ConfigError(`${what}: ${JSON.stringify(url)} must start with ${schemes.join(' or ')}`);
  }
}
