/**
 * watchGame: a read-only viewer of a live session. It asks the netroll
 * server to `watch` the session, receives the spectator stream (the
 * session's info, a confirmed snapshot, then every confirmed input) from one
 * player over a DataChannel or through the server's fan-out, and runs the
 * game deterministically in a worker (the same worker and game resolver the
 * players use), rendering at a configurable delay. It never sends anything
 * to a player's engine.
 */
import { wrap, proxy, releaseProxy, transfer } from 'comlink';
import { io, type Socket } from 'socket.io-client';
import { ErrorCode, NetrollError } from '../src/contracts/errors.ts';
import { Emitter } from '../src/engine/events.ts';
import {
  type ClientToServerEvents,
  type ServerToClientEvents,
  spectatorDataMessageSchema,
  type SignalKind,
  type SpectatorPath,
  spectatorSignalMessageSchema,
  type WatchEnded,
  watchEndedSchema,
  watchReplySchema,
} from '../src/signaling/events.ts';
import type { RenderFrame } from '../worker/api.ts';
import { installErrorTransfer } from '../worker/errors.ts';
import type { ViewerEvent, ViewerStats, WorkerViewer } from '../worker/spectator-host.ts';
import type { Link, LinkFactory } from './link.ts';
import { type LinkConfig, peerLinkFactory } from './peer-link.ts';
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
}

/** Events of a {@link Viewer}. */
export type ViewerEvents = {
  [K in ViewerEvent['type']]: Extract<ViewerEvent, { type: K }>;
} & {
  /** Watching ended (the session ended, or spectating was turned off). */
  ended: WatchEnded;
};

/** A viewer's figures, page side included. */
export interface ViewerReport extends ViewerStats {
  /** How the stream travels now (a P2P spectator whose player left moves to `server`). */
  readonly path: SpectatorPath;
  /** Stream messages that arrived over the DataChannel. */
  readonly viaP2P: number;
  /** Stream messages that arrived through the server. */
  readonly viaServer: number;
}

/** A running viewer. */
export interface Viewer {
  /** The server's id for this spectator. */
  readonly spectatorId: string;
  /** The player feeding this viewer. */
  readonly feeder: number;
  /** The path chosen at `watch` (see {@link ViewerReport.path} for the current one). */
  readonly path: SpectatorPath;
  /** Subscribe to render states; returns unsubscribe. */
  onRender(handler: (frame: RenderFrame) => void): () => void;
  /** The newest render state. */
  latestRender(): RenderFrame | null;
  /** Subscribe to an event (info, snapshot, hash, finished, error, ended); returns unsubscribe. */
  on<K extends keyof ViewerEvents>(type: K, handler: (event: ViewerEvents[K]) => void): () => void;
  /** Figures now. */
  stats(): Promise<ViewerReport>;
  /** The confirmed-state hashes the viewer took (the players' sample frames). */
  hashes(): Promise<{ frame: number; hash: number }[]>;
  /** Lag samples beyond the delay, ms (see `SpectatorHostApi.lagSamples`). */
  lagSamples(): Promise<number[]>;
  /** How watching ended, or null while it goes on. */
  readonly ended: WatchEnded | null;
  /** Stop watching: leave the server, close the link and the worker. */
  close(): Promise<void>;
}

type WatchSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * Watch a live session as a spectator.
 *
 * @throws NetrollError (as the rejection): the server's refusal
 *   (`spectators-full` past 32 spectators, `spectating-disabled`,
 *   `unauthorized`, `not-found`), `unreachable`, `bad-server-message`, or
 *   `invalid-option` for a bad delay.
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

  const socket: WatchSocket = io(options.server ?? globalThis.location?.origin ?? '', { transports: ['websocket'], timeout: options.timeoutMs ?? 10_000 });
  const counts = { viaP2P: 0, viaServer: 0 };
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

  const timeoutMs = options.timeoutMs ?? 10_000;
  let reply;
  try {
    const raw: unknown = await socket
      .timeout(timeoutMs)
      .emitWithAck('watch', { sessionId: options.session, ...(options.adminToken ? { adminToken: options.adminToken } : {}), ...(options.via ? { via: options.via } : {}) })
      .catch(() => {
        throw new NetrollError(ErrorCode.Unreachable, `the server did not answer watch within ${timeoutMs} ms`, { event: 'watch' });
      });
    const parsed = watchReplySchema.safeParse(raw);
    if (!parsed.success) throw new NetrollError(ErrorCode.BadServerMessage, 'malformed watch acknowledgement', { event: 'watch' });
    if (!parsed.data.ok) throw NetrollError.fromInfo(parsed.data.error);
    reply = parsed.data;
  } catch (e) {
    socket.close();
    await viewer.close().catch(() => undefined);
    options.engine.terminate();
    throw e;
  }

  if (reply.path === 'p2p') {
    path = 'p2p';
    const l = links({
      localPlayer: SPECTATOR_LINK_INDEX,
      remotePlayer: reply.feeder,
      iceServers: reply.iceServers,
      signal: (kind, data) => socket.emit('spectator-signal', { kind, data }),
    });
    link = l;
    l.on('control', (buf) => {
      counts.viaP2P++;
      toWorker(buf);
    });
    void l.start();
    for (const m of early.splice(0)) void l.handleSignal(m.kind, m.data);
  }
  let ended: WatchEnded | null = null;
  socket.on('watch-ended', (raw: unknown) => {
    const m = watchEndedSchema.safeParse(raw);
    if (!m.success || ended) return;
    ended = m.data;
    events.emit('ended', m.data);
  });

  let closed = false;
  return {
    spectatorId: reply.spectatorId,
    feeder: reply.feeder,
    path: reply.path,
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
      socket.emit('leave');
      socket.close();
      link?.close();
      await viewer.close().catch(() => undefined);
      port.port1.close();
      remote[releaseProxy]();
      options.engine.terminate();
    },
  };
}
