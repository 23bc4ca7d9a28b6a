/**
 * watchGame: a read-only viewer of a live session. It asks the netroll
 * server to `watch` the session, receives the spectator stream (the
 * session's info, a confirmed snapshot, then every confirmed input) from one
 * player over a DataChannel or through the server's fan-out, and runs the
 * game deterministically in a worker (the same worker and game resolver the
 * players use), rendering at a configurable delay. It never sends anything
 * to a player's engine.
 *
 * When its own server connection drops and comes back (a network blip, a
 * server restart), the viewer watches again (main/rewatch.ts): a new
 * spectator id, feeder and path, and a fresh snapshot. The frame it shows
 * never goes backwards (a snapshot from behind it is stepped through
 * unseen); `lost` and `rewatched` events say when the stream stopped and
 * started again.
 */
import { wrap, proxy, releaseProxy, transfer } from 'comlink';
import type { ErrorInfo } from '../src/contracts/errors.ts';
import { Emitter } from '../src/engine/events.ts';
import { spectatorDataMessageSchema, type SignalKind, type SpectatorPath, spectatorSignalMessageSchema, type WatchEnded } from '../src/signaling/events.ts';
import type { RenderFrame } from '../worker/api.ts';
import { installErrorTransfer } from '../worker/errors.ts';
import type { ViewerEvent, ViewerStats, WorkerViewer } from '../worker/spectator-host.ts';
import type { Link, LinkFactory } from './link.ts';
import { type LinkConfig, peerLinkFactory } from './peer-link.ts';
import { type WatchAccepted, WatchConnection } from './rewatch.ts';
import { SPECTATOR_LINK_INDEX } from './spectator-feed.ts';

/** `watchGame` options. */
export interface WatchGameOptions {
  /** netroll server URL. Default: this page's origin. */
  server?: string;
  /** The session id to watch (a player's `assignment.sessionId`, or the dashboard's). */
  session: string;
  /** The server's admin token: needed when the server lets only admins watch. */
  adminToken?: string;
  /** Delivery path to ask for: `auto` (default), `p2p` (falls back to the server when no player has a free slot) or `server`. */
  via?: 'auto' | SpectatorPath;
  /** A module Worker running `hostEngine` (or the drop-in bundle): the viewer runs there. */
  engine: Worker;
  /** Frames shown behind the newest confirmed frame received, 0..3600 (wins over `delayMs`). Default 6. */
  delayFrames?: number;
  /** The delay in ms instead (turned into frames at the session's tick rate). */
  delayMs?: number;
  /** Called with every render state the viewer produces (once per tick at most). */
  onRender?: (frame: RenderFrame) => void;
  /** For the drop-in worker: the game module URL (default: the one the players use). */
  gameUrl?: string;
  /** For Python games: the same-origin pyodide directory. */
  pyodideUrl?: string;
  /** The P2P link's settings (ICE policy, health). */
  link?: LinkConfig;
  /** Makes the P2P link to the feeding player. Default: a PeerLink with `link`. */
  links?: LinkFactory;
  /** Give up when the server does not answer `watch` within this long, ms. Default 10,000. */
  timeoutMs?: number;
  /**
   * After the server connection is lost, keep trying to watch again for this
   * long, ms (0..3,600,000); then watching ends (`ended` with reason
   * `rewatch-failed`). Default 60,000.
   */
  rewatchWindowMs?: number;
}

/** How watching ended: the server's `watch-ended`, or re-watching after a lost connection failed for good. */
export type ViewerEnded = WatchEnded | { readonly reason: 'rewatch-failed'; readonly error: ErrorInfo };

/** Events of a {@link Viewer}. */
export type ViewerEvents = {
  [K in ViewerEvent['type']]: Extract<ViewerEvent, { type: K }>;
} & {
  /** Watching ended (the session ended, spectating was turned off, or re-watching failed). */
  ended: ViewerEnded;
  /** The server connection dropped: no stream until it is back and the viewer watches again (the frame shown stays). */
  lost: { readonly reason: string };
  /** Watching again after a loss: a new spectator id, feeder and path; a fresh snapshot follows. */
  rewatched: { readonly spectatorId: string; readonly feeder: number; readonly path: SpectatorPath; readonly attempts: number; readonly lostMs: number };
};

/** A viewer's figures, page side included. */
export interface ViewerReport extends ViewerStats {
  /** How the stream travels now (a P2P spectator whose player left moves to `server`). */
  readonly path: SpectatorPath;
  /** Stream messages that arrived over the DataChannel. */
  readonly viaP2P: number;
  /** Stream messages that arrived through the server. */
  readonly viaServer: number;
  /** Times the viewer watched again after its server connection came back. */
  readonly rewatches: number;
}

/** A running viewer. */
export interface Viewer {
  /** The server's id for this spectator (a new one after each re-watch). */
  readonly spectatorId: string;
  /** The player feeding this viewer (may change at a re-watch). */
  readonly feeder: number;
  /** The path chosen at the last `watch` (see {@link ViewerReport.path} for the current one). */
  readonly path: SpectatorPath;
  /** Subscribe to render states; returns unsubscribe. */
  onRender(handler: (frame: RenderFrame) => void): () => void;
  /** The newest render state. */
  latestRender(): RenderFrame | null;
  /** Subscribe to an event (info, snapshot, hash, finished, error, ended, lost, rewatched); returns unsubscribe. */
  on<K extends keyof ViewerEvents>(type: K, handler: (event: ViewerEvents[K]) => void): () => void;
  /** Figures now. */
  stats(): Promise<ViewerReport>;
  /** The confirmed-state hashes the viewer took (the players' sample frames). */
  hashes(): Promise<{ frame: number; hash: number }[]>;
  /** Lag samples beyond the delay, ms (see `SpectatorHostApi.lagSamples`). */
  lagSamples(): Promise<number[]>;
  /** How watching ended, or null while it goes on. */
  readonly ended: ViewerEnded | null;
  /** Stop watching: leave the server, close the link and the worker. */
  close(): Promise<void>;
}

/**
 * Watch a live session as a spectator.
 *
 * @throws NetrollError (as the rejection): the server's refusal
 *   (`spectators-full` past 32 spectators, `spectating-disabled`,
 *   `unauthorized`, `not-found`), `unreachable`, `bad-server-message`, or
 *   `invalid-option` for a bad delay or re-watch window.
 */
export async function watchGame(options: WatchGameOptions): Promise<Viewer> {
  installErrorTransfer();
  const links = options.links ?? peerLinkFactory(options.link);
  // The worker exposes its viewer as `viewer`, next to the engine host (worker/expose.ts).
  const remote = wrap<WorkerViewer>(options.engine);
  const viewer = remote.viewer;
  const port = new MessageChannel();
  const renderHandlers = new Set<(frame: RenderFrame) => void>();
  if (options.onRender) renderHandlers.add(options.onRender);
  const events = new Emitter<ViewerEvents>();
  let latest: RenderFrame | null = null;
  const callbacks = proxy({
    onRender(frame: RenderFrame) {
      latest = frame;
      for (const h of renderHandlers) h(frame);
    },
    onEvent(event: ViewerEvent) {
      events.emit(event.type, event as never);
    },
  });
  // The worker takes the stream before the server is asked: the feeding player starts sending right after the answer.
  try {
    await viewer.configure(
      {
        ...(options.delayFrames !== undefined ? { delayFrames: options.delayFrames } : {}),
        ...(options.delayMs !== undefined ? { delayMs: options.delayMs } : {}),
        ...(options.gameUrl !== undefined ? { gameUrl: options.gameUrl } : {}),
        ...(options.pyodideUrl !== undefined ? { pyodideUrl: options.pyodideUrl } : {}),
      },
      transfer(port.port2, [port.port2]),
      callbacks,
    );
  } catch (e) {
    options.engine.terminate();
    throw e;
  }

  let conn: WatchConnection;
  try {
    conn = new WatchConnection({
      server: options.server ?? globalThis.location?.origin ?? '',
      request: { sessionId: options.session, ...(options.adminToken ? { adminToken: options.adminToken } : {}), ...(options.via ? { via: options.via } : {}) },
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.rewatchWindowMs !== undefined ? { rewatchWindowMs: options.rewatchWindowMs } : {}),
    });
  } catch (e) {
    await viewer.close().catch(() => undefined);
    options.engine.terminate();
    throw e;
  }
  const socket = conn.socket;
  const counts = { viaP2P: 0, viaServer: 0, rewatches: 0 };
  let path: SpectatorPath = 'server';
  const toWorker = (buf: ArrayBuffer) => port.port1.postMessage(buf, [buf]);
  socket.on('spectator-data', (...args: unknown[]) => {
    const m = spectatorDataMessageSchema.safeParse(args);
    if (!m.success) return;
    const p = m.data[0];
    counts.viaServer++;
    path = 'server';
    toWorker(p instanceof ArrayBuffer ? p : p.slice().buffer);
  });
  let link: Link | null = null;
  /** Signals from the feeding player that came before the link was made (at most 64). */
  const early: { kind: SignalKind; data: unknown }[] = [];
  socket.on('spectator-signal', (raw: unknown) => {
    const m = spectatorSignalMessageSchema.safeParse(raw);
    if (!m.success) return;
    if (link) void link.handleSignal(m.data.kind, m.data.data);
    else if (early.length < 64) early.push({ kind: m.data.kind, data: m.data.data });
  });

  let reply: WatchAccepted;
  try {
    reply = await conn.start();
  } catch (e) {
    await viewer.close().catch(() => undefined);
    options.engine.terminate();
    throw e;
  }

  /** Start taking the stream of an accepted `watch`: over a new link to the feeder, or through the server. */
  const follow = (r: WatchAccepted): void => {
    reply = r;
    path = r.path;
    if (r.path !== 'p2p') return;
    const l = links({
      localPlayer: SPECTATOR_LINK_INDEX,
      remotePlayer: r.feeder,
      iceServers: r.iceServers,
      signal: (kind, data) => socket.emit('spectator-signal', { kind, data }),
    });
    link = l;
    l.on('control', (buf) => {
      if (link !== l) return; // a link of an earlier watch
      counts.viaP2P++;
      toWorker(buf);
    });
    void l.start();
    for (const m of early.splice(0)) void l.handleSignal(m.kind, m.data);
  };
  follow(reply);
  let ended: ViewerEnded | null = null;
  const end = (e: ViewerEnded): void => {
    if (ended) return;
    ended = e;
    events.emit('ended', e);
  };
  conn.on('ended', end);
  conn.on('gave-up', ({ error }) => end({ reason: 'rewatch-failed', error }));
  conn.on('lost', ({ reason }) => {
    // The server forgot this spectator with its connection: the feeder drops its link too. Signals held are stale.
    link?.close();
    link = null;
    early.length = 0;
    events.emit('lost', { reason });
  });
  conn.on('rewatched', ({ reply: r, attempts, lostMs }) => {
    counts.rewatches++;
    follow(r);
    events.emit('rewatched', { spectatorId: r.spectatorId, feeder: r.feeder, path: r.path, attempts, lostMs });
  });

  let closed = false;
  return {
    get spectatorId() {
      return reply.spectatorId;
    },
    get feeder() {
      return reply.feeder;
    },
    get path() {
      return reply.path;
    },
    onRender(handler) {
      renderHandlers.add(handler);
      return () => renderHandlers.delete(handler);
    },
    latestRender: () => latest,
    on: (type, handler) => events.on(type, handler),
    stats: async () => ({ ...(await viewer.stats()), path, ...counts }),
    hashes: () => viewer.hashes(),
    lagSamples: () => viewer.lagSamples(),
    get ended() {
      return ended;
    },
    async close() {
      if (closed) return;
      closed = true;
      conn.close();
      link?.close();
      await viewer.close().catch(() => undefined);
      port.port1.close();
      remote[releaseProxy]();
      options.engine.terminate();
    },
  };
}
