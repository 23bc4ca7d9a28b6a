/**
 * The netroll server: a `node:http` server with a small route table
 * (`GET /healthz`, routes added later via {@link RunningServer.addRoute}),
 * optional static files, and socket.io for lobby, signalling and relay.
 */
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Server } from 'socket.io';
import { MAX_RELAY_PACKET_BYTES, MAX_SIGNAL_DATA_BYTES } from '../src/signaling/events.ts';
import { ConfigError, resolveConfig, type ServerConfig, type ServerOptions } from './config.ts';
import { clientIp, IpBudgets } from './ip-budgets.ts';
import { Router, sendJson, sendText, type RouteHandler } from './http-router.ts';
import { memoryNode, type ClusterNode } from './cluster/node.ts';
import { connectRedisNode } from './cluster/redis-node.ts';
import { ResumeTokens } from './resume.ts';
import { SessionRegistry } from './sessions.ts';
import { SpectatorRegistry } from './spectators.ts';
import { attachSignaling, type DropCounters, type NetrollServer } from './signaling.ts';
import { createStaticHandler } from './static-files.ts';
import { RejectionCounter, type ServerStats } from './stats.ts';
import { AdminAuth, generateAdminToken } from './research/auth.ts';
import { LiveSessions } from './research/live.ts';
import { DiskGuard } from './research/disk-guard.ts';
import { addResearchRoutes, type ResearchRouteDeps } from './research/routes.ts';
import { HookWrites } from './research/hook-writes.ts';
import { openResearchStore, type ResearchStore } from './research/store.ts';

/** A started server. */

/** How long close() waits for WebSocket close handshakes before ending the connections left. */
const CLOSE_GRACE_MS = 500;
/** How long close() waits for queued research records to be written, ms. */
const CLOSE_DRAIN_MS = 5000;
export interface RunningServer {
  /** Base URL to reach it, e.g. `http://127.0.0.1:8080` (loopback when listening on all interfaces). */
  readonly url: string;
  /** The port actually bound (useful with `port: 0`). */
  readonly port: number;
  /** The validated configuration in effect. */
  readonly config: ServerConfig;
  /** The typed socket.io server. */
  readonly io: NetrollServer;
  /** The underlying HTTP server. */
  readonly http: HttpServer;
  /** Current state and lifetime counters. */
  stats(): ServerStats;
  /**
   * Adds an HTTP route (checked before static files, after earlier routes).
   * `method` is e.g. `GET`/`POST` or `*`; `pattern` may use `:param` and a
   * trailing `*` (see {@link Router.add}).
   */
  addRoute(method: string, pattern: string, handler: RouteHandler): void;
  /** Disconnects every client and stops listening. Idempotent. */
  close(): Promise<void>;
  /** Token for `/admin` and `/api/` (configured or generated). */
  readonly adminToken: string;
  /** The research store (null when research is off). */
  readonly store: ResearchStore | null;
  /** Admin dashboard URL with the token in the fragment (`#token=`: never sent to a server, so never logged). */
  readonly adminUrl: string;
  /** This node's id (configured, or generated at start). */
  readonly nodeId: string;
  /** Whether it runs as a node of a Redis-backed cluster (`redisUrl` set). */
  readonly clustered: boolean;
}

/** Hooks for tests and embedders. */
export interface ServerHooks {
  /** Runs after a research report is stored, before the upload is acknowledged. */
  afterReportStored?: ResearchRouteDeps['afterReportStored'];
}

/**
 * Largest socket.io message accepted: a full relay packet or signal plus
 * framing. Larger messages make socket.io close the connection.
 */
export const MAX_SOCKET_MESSAGE_BYTES = Math.max(MAX_RELAY_PACKET_BYTES, MAX_SIGNAL_DATA_BYTES) + 4 * 1024;

/** How often idle per-IP entries and ended live sessions are pruned, ms. */
export const PRUNE_INTERVAL_MS = 10_000;

/**
 * Whether a browser `origin` may open a socket.io connection: no Origin
 * header (not a browser), the server's own origin (same host), or one of
 * `allowed` (`*` allows any).
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && host !== undefined && url.host === host.toLowerCase();
  } catch {
    return false;
  }
}

/**
 * Starts a server with `config` over the defaults (see `DEFAULT_CONFIG`).
 * Resolves once it is listening.
 *
 * @throws ConfigError for invalid configuration or a missing static directory.
 */
export async function startServer(config: ServerOptions = {}, hooks: ServerHooks = {}): Promise<RunningServer> {
  const cfg = resolveConfig(config);
  const ipBudgets = new IpBudgets(cfg.limits);
  const router = new Router();
  router.add('GET', '/healthz', (_req, res) => sendJson(res, 200, { ok: true }));

  let serveStatic: ((req: IncomingMessage, res: ServerResponse) => Promise<boolean>) | undefined;
  if (cfg.staticDir !== undefined) {
    const info = await stat(cfg.staticDir).catch(() => undefined);
    if (!info?.isDirectory()) throw new ConfigError(`static dir: ${cfg.staticDir} is not a directory`);
    serveStatic = createStaticHandler(cfg.staticDir);
  }
  const adminToken = cfg.adminToken ?? generateAdminToken();
  const adminAuth = new AdminAuth(adminToken);
  const store = cfg.research
    ? await openResearchStore({ dataDir: cfg.dataDir, databaseUrl: cfg.databaseUrl, pg: { poolSize: cfg.databasePoolSize } })
    : null;
  // Session, leave, probe and timeout records are written in the order they happen (bounded queue; see hook-writes.ts).
  const hookWrites = new HookWrites();
  const live = new LiveSessions(cfg.limits.liveEndedKeepMs, cfg.limits.maxLiveSessions);
  const uploads = { inFlight: 0, bodyBytesRead: 0, refusedBeforeBody: 0, socketBytesRefused: 0, refusedStorageFull: 0 };
  if (store) {
    addResearchRoutes((m, p, h) => router.add(m, p, h), {
      store,
      auth: adminAuth,
      live,
      adminToken,
      afterReportStored: hooks.afterReportStored,
      ipBudgets,
      uploadsTotal: cfg.limits.uploadsTotal,
      uploads,
      gameSources: { modules: cfg.gameModules },
      recordsPending: () => hookWrites.pending,
      ...(store.kind === 'sqlite' && cfg.dataDir !== ':memory:' ? { disk: new DiskGuard(cfg.dataDir, cfg.limits.minFreeDiskBytes) } : {}),
    });
  }

  const httpServer = createServer((req, res) => {
    void handleRequest(req, res);
  });
  const handleRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      if (await router.handle(req, res)) return;
      if (serveStatic && (await serveStatic(req, res))) return;
      sendText(res, 404, 'not found\n');
    } catch (err) {
      // Never the query string: it may carry secrets.
      console.error('netroll server: request failed', req.method, pathOf(req.url), err instanceof Error ? err.message : String(err));
      if (!res.headersSent) sendText(res, 500, 'internal server error\n');
      else res.destroy();
    }
  };

  const cors =
    cfg.corsOrigins.length === 0 ? undefined : { origin: cfg.corsOrigins.includes('*') ? '*' : [...cfg.corsOrigins] };
  const drops: { current?: DropCounters } = {};
  // Every TCP connection, upgraded ones included, so close() can end those whose peer stopped
  // reading (a WebSocket close handshake would otherwise wait for it).
  const connections = new Set<Socket>();
  httpServer.on('connection', (socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  const io: NetrollServer = new Server(httpServer, {
    serveClient: false,
    // No per-message compression (also engine.io's default): relay packets are small and
    // binary, and deflating each message would cost CPU (and memory per connection) for nothing.
    perMessageDeflate: false,
    maxHttpBufferSize: MAX_SOCKET_MESSAGE_BYTES,
    // The heartbeat bounds how long a connection whose network went silent stays bound to its seat.
    pingInterval: cfg.pingIntervalMs,
    pingTimeout: cfg.pingTimeoutMs,
    ...(cors ? { cors } : {}),
    // Runs at every handshake (WebSocket and long-polling), before any state is made.
    allowRequest: (req, callback) => {
      if (!originAllowed(req.headers.origin, req.headers.host, cfg.corsOrigins)) return callback('origin not allowed', false);
      if (!ipBudgets.mayConnect(clientIp(req))) {
        if (drops.current) drops.current.connectionsRefused++;
        return callback('too many connections from this address', false);
      }
      callback(null, true);
    },
  });
  const nodeId = cfg.nodeId ?? randomUUID();
  let cluster: ClusterNode;
  if (cfg.redisUrl !== undefined) {
    try {
      const redis = await connectRedisNode({ url: cfg.redisUrl, nodeId, waitTimeoutMs: cfg.waitTimeoutMs, connectionsPerIp: cfg.limits.connectionsPerIp });
      cluster = redis.node;
      io.adapter(redis.adapter);
    } catch (err) {
      await io.close().catch(() => undefined);
      await store?.close().catch(() => undefined);
      throw err;
    }
    if (cluster.ipBuckets) ipBudgets.share(cluster.ipBuckets);
    const shared = cluster.connections;
    if (shared) {
      // Connections per address over the whole cluster (IpBudgets counts this node's).
      io.use((socket, next) => {
        const ip = socket.handshake.address;
        shared.acquire(ip).then(
          (ok) => {
            if (!ok) {
              if (drops.current) drops.current.connectionsRefused++;
              next(new Error('too many connections from this address'));
              return;
            }
            socket.conn.once('close', () => shared.release(ip));
            next();
          },
          // Redis did not answer (reported): fail open to this node's own count (IpBudgets, checked at the handshake), as the per-IP token buckets do.
          () => next(),
        );
      });
    }
  } else {
    cluster = memoryNode(nodeId);
  }
  const lobby = cluster.lobby;
  const sessions = new SessionRegistry();
  const rejections = new RejectionCounter();
  // Resume secrets survive a restart when the key does: configured, kept in the cluster's Redis, or kept in the research store.
  const resumeTokens = new ResumeTokens(cfg.resumeKey ?? cluster.resumeKey ?? (store ? await store.storedSecret('resume-key') : undefined) ?? ResumeTokens.generateKey());
  const spectators = new SpectatorRegistry();
  drops.current = attachSignaling(io, {
    config: cfg,
    spectators,
    adminToken,
    isAdmin: (req) => adminAuth.allows(req),
    ipBudgets,
    cluster,
    sessions,
    rejections,
    resumeTokens,
    sessionTtlMs: cfg.sessionTtl * 1000,
    ...(store
      ? {
          research: {
            onSessionCreated: (session, target, members) => {
              const players = session.players.map((p) => ({ index: p.index, clientId: p.clientId, name: p.name }));
              const stored = players.map((p, i) => {
                const m = members[i];
                return { ...p, ...(m?.participantId !== undefined ? { participantId: m.participantId } : {}), ...(m?.metadata ? { metadata: m.metadata } : {}) };
              });
              const record = { id: session.id, createdAt: Date.now(), seed: session.seed, players: stored, room: `${target.kind}:${target.name}`, seats: session.seats };
              hookWrites.push('session', () => store.recordSession(record));
              live.add(session.id, Date.now(), `${target.kind}:${target.name}`, players);
            },
            onMemberJoined: (session, index, client) => {
              const p = session.players.find((q) => q.index === index);
              if (!p) return;
              const participant = {
                index,
                clientId: p.clientId,
                name: p.name,
                ...(client.participantId !== undefined ? { participantId: client.participantId } : {}),
                ...(client.metadata ? { metadata: client.metadata } : {}),
              };
              hookWrites.push('late join', () => store.memberJoined(session.id, participant));
              live.joined(session.id, index, p.name);
            },
            onSessionRestored: (session) => {
              const players = session.players.map((p) => ({ index: p.index, clientId: p.clientId, name: p.name }));
              // Already recorded when it formed (the insert is ignored then); recorded now if this store never saw it.
              const record = { id: session.id, createdAt: session.createdAt, seed: session.seed, players, room: session.target, seats: session.seats };
              hookWrites.push('session', () => store.recordSession(record));
              if (!live.has(session.id)) {
                live.add(session.id, session.createdAt, session.target, players);
                for (const p of players) live.left(session.id, p.index, Date.now());
              }
            },
            onMemberResumed: (sessionId, index) => live.resumed(sessionId, index),
            reportToken: (sessionId, index) => store.reportToken(sessionId, index),
            onLiveStats: (sessionId, index, stats) => live.update(sessionId, index, stats, Date.now()),
            onMemberLeft: (sessionId, index, how) => {
              live.left(sessionId, index, Date.now());
              const at = Date.now();
              hookWrites.push('leave', () => store.memberLeft(sessionId, index, how, at));
            },
            participantCompleted: (pid) => store.knownCompleted(pid),
            onRttProbe: (p) => {
              const record = {
                at: Date.now(),
                target: `${p.target.kind}:${p.target.name}`,
                maxRttMs: p.maxRttMs,
                outcome: p.outcome,
                members: p.members.map((m) => ({ clientId: m.clientId, ...(m.participantId !== undefined ? { participantId: m.participantId } : {}) })),
                rtts: p.rtts,
                over: p.over,
              };
              hookWrites.push('rtt probe', () => store.recordRttProbe(record));
            },
            onWaitTimeout: (r) => {
              const record = {
                at: Date.now(),
                target: `${r.target.kind}:${r.target.name}`,
                ...(r.client.participantId !== undefined ? { participantId: r.client.participantId } : {}),
                clientId: r.client.clientId,
                waitedMs: r.waitedMs,
                count: r.count,
                needed: r.target.players,
              };
              hookWrites.push('wait timeout', () => store.recordWaitTimeout(record));
            },
          },
        }
      : {}),
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    httpServer.once('error', onError);
    httpServer.listen(cfg.port, cfg.host, () => {
      httpServer.off('error', onError);
      resolve();
    });
  }).catch(async (err: unknown) => {
    await io.close().catch(() => undefined);
    await cluster.close();
    await store?.close().catch(() => undefined);
    throw err;
  });

  const port = (httpServer.address() as AddressInfo).port;
  const pruneTimer = setInterval(() => {
    ipBudgets.prune();
    live.prune(Date.now());
  }, PRUNE_INTERVAL_MS);
  pruneTimer.unref();
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost(cfg.host)}:${port}`,
    port,
    config: cfg,
    io,
    http: httpServer,
    stats: () => {
      const t = sessions.totals();
      return {
        clients: io.sockets.sockets.size,
        sessions: t.sessions,
        sessionsCreated: t.sessionsCreated,
        waiting: lobby.waitingCount,
        signalsForwarded: t.signalsForwarded,
        relayedPackets: t.relayedPackets,
        relayedBytes: t.relayedBytes,
        rejected: rejections.byCode(),
        rejectedTotal: rejections.total,
        sessionList: sessions.summaries(),
        groups: lobby.groups(),
        dropped: { ...drops.current! },
        trackedIps: ipBudgets.size,
        liveSessions: live.size,
        uploads: { ...uploads },
        spectators: { watching: spectators.size, ...spectators.counters, tables: spectators.tables() },
      };
    },
    addRoute: (method, pattern, handler) => router.add(method, pattern, handler),
    adminToken,
    store,
    nodeId,
    clustered: cluster.clustered,
    adminUrl: `http://${urlHost(cfg.host)}:${port}/admin#token=${encodeURIComponent(adminToken)}`,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        clearInterval(pruneTimer);
        void io.close(() => {
          // Records still queued are written (bounded wait) before the store closes.
          void hookWrites
            .drain(CLOSE_DRAIN_MS)
            .then(() => store?.close())
            .catch((e: unknown) => console.error('netroll server: closing the research store failed:', e instanceof Error ? e.message : String(e)))
            .finally(() => void cluster.close().finally(resolve));
        });
        httpServer.closeAllConnections();
        // Give close handshakes a moment, then end what is left.
        setTimeout(() => {
          for (const socket of connections) socket.destroy();
        }, CLOSE_GRACE_MS).unref();
      })),
  };
}

/** The path of a request URL, without its query string. */
function pathOf(url: string | undefined): string {
  return (url ?? '/').split('?', 1)[0]!.slice(0, 200);
}

/** The host part of a URL reaching a server bound to `host` from this machine. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
