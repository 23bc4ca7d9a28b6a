/**
 * SpectatorHost: a read-only viewer of a session, in the same worker (and
 * with the same game resolver) as the players' EngineHost. It takes the raw
 * spectator stream on a MessagePort (ArrayBuffers, transferred), builds the
 * game from the stream's info message, loads the confirmed snapshot, steps
 * the confirmed inputs at the configured delay on its own fixed-rate loop and
 * hands render states to the page. It never sends a packet anywhere.
 *
 * Bounds: at most {@link MAX_PENDING_MESSAGES} stream messages wait while the
 * game loads (more are counted and dropped); the viewer's own bounds are in
 * `src/spectate/viewer.ts`. Malformed messages are counted, never thrown.
 */
import { type ProxyMarked, transfer } from 'comlink';
import { ErrorCode, NetrollError } from '../src/contracts/errors.ts';
import type { Game } from '../src/engine/game.ts';
import { SpectatorViewer } from '../src/spectate/viewer.ts';
import { decodeSpectate, type SpectateInfo, SpectateKind, type SpectateMessage } from '../src/spectate/wire.ts';
import type { RenderFrame } from './api.ts';
import type { GameResolver } from './engine-host.ts';
import { tickDelay } from './tick-timer.ts';
import { collectTransferables, percentile } from './util.ts';

/** Stream messages held while the game is being resolved. */
export const MAX_PENDING_MESSAGES = 4096;
/** The delay when neither `delayFrames` nor `delayMs` is given, frames (100 ms at 60 Hz). */
export const DEFAULT_DELAY_FRAMES = 6;
/** Most frames a viewer steps in one tick (catching up after a snapshot or a stall). */
const MAX_STEPS_PER_TICK = 30;

/** How the viewer runs. */
export interface ViewerConfig {
  /** Frames shown behind the newest confirmed frame received, 0..3600 (wins over `delayMs`). */
  delayFrames?: number;
  /** The same delay in ms, turned into frames at the session's tick rate. Default: 6 frames. */
  delayMs?: number;
  /** Override the game module URL the stream names (drop-in worker). */
  gameUrl?: string;
  /** For Python games: where the pyodide files are. */
  pyodideUrl?: string;
}

/** Events a viewer reports to the page. */
export type ViewerEvent =
  /** The stream's session description arrived (the game is being built). */
  | { type: 'info'; info: SpectateInfo }
  /** A confirmed snapshot of `frame` was loaded (the first one, one after a gap, or a re-watch's); one from behind the frame shown is stepped through unseen. */
  | { type: 'snapshot'; frame: number }
  /** The hash of the confirmed state at the start of `frame` (the players' sample frames). */
  | { type: 'hash'; frame: number; hash: number }
  /** The viewer reached the session's end frame. */
  | { type: 'finished'; frame: number }
  /** The game could not be built or threw. */
  | { type: 'error'; code: ErrorCode; message: string };

/** Callbacks the page hands to the viewer (proxied over Comlink). */
export interface ViewerCallbacks {
  onRender(frame: RenderFrame): void;
  onEvent(event: ViewerEvent): void;
}

/** A viewer's figures. */
export interface ViewerStats {
  /** Start frame of the state shown (-1 before the first snapshot). */
  readonly frame: number;
  /** Last frame whose confirmed inputs arrived (-1 before the first snapshot). */
  readonly receivedFrame: number;
  /** The configured delay, frames. */
  readonly delayFrames: number;
  /** Snapshots loaded. */
  readonly snapshotsLoaded: number;
  /** Frames stepped. */
  readonly framesStepped: number;
  /** Inputs that skipped frames (each makes the viewer wait for a new snapshot). */
  readonly gaps: number;
  /** Snapshots loaded from behind the frame already shown (stepped through without showing those frames again). */
  readonly snapshotsBehind: number;
  /** Stream messages refused (undecodable, foreign session, bad chunks) or dropped (too many waiting). */
  readonly malformed: number;
  /** Messages taken off the port. */
  readonly messages: number;
  /** Median lag beyond the delay, ms (see `lagSamples`); 0 without samples. */
  readonly lagMsP50: number;
  /** Lag samples held. */
  readonly lagSamples: number;
}

/** The viewer's API, as exposed over Comlink (`remote.viewer`). */
export interface SpectatorHostApi {
  /** Start taking the stream on `port`; renders and events go to `callbacks`. */
  configure(config: ViewerConfig, port: MessagePort, callbacks: ViewerCallbacks): void;
  /** Figures now. */
  stats(): ViewerStats;
  /** Hash samples taken (newest 1,024). */
  hashes(): { frame: number; hash: number }[];
  /**
   * Lag samples, ms: for the last frame of each confirmed-input batch, when
   * it was shown minus when the sending player confirmed it (epoch-ms clocks
   * of the two threads) minus the delay.
   */
  lagSamples(): number[];
  /** Stop the loop and release the port. */
  close(): void;
}

/** What a netroll worker exposes besides its engine host: the viewer, proxied by Comlink. */
export interface WorkerViewer {
  readonly viewer: SpectatorHostApi & ProxyMarked;
}

export class SpectatorHost implements SpectatorHostApi {
  private config: ViewerConfig | null = null;
  private port: MessagePort | null = null;
  private callbacks: ViewerCallbacks | null = null;
  private viewer: SpectatorViewer<unknown> | null = null;
  private game: Game<unknown> | null = null;
  private info: SpectateInfo | null = null;
  private pending: SpectateMessage[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private nextAt = 0;
  private malformed = 0;
  private messages = 0;
  private finished = false;
  private closed = false;

  constructor(private readonly resolveGame: GameResolver) {}

  configure(config: ViewerConfig, port: MessagePort, callbacks: ViewerCallbacks): void {
    if (this.port) throw new NetrollError(ErrorCode.InvalidState, 'this viewer is already configured');
    if (config.delayFrames !== undefined && !(Number.isInteger(config.delayFrames) && config.delayFrames >= 0 && config.delayFrames <= 3600)) {
      throw new NetrollError(ErrorCode.InvalidOption, `delayFrames must be an integer 0..3600, got ${config.delayFrames}`);
    }
    if (config.delayMs !== undefined && !(Number.isFinite(config.delayMs) && config.delayMs >= 0 && config.delayMs <= 60_000)) {
      throw new NetrollError(ErrorCode.InvalidOption, `delayMs must be 0..60,000 ms, got ${config.delayMs}`);
    }
    this.config = config;
    this.port = port;
    this.callbacks = callbacks;
    port.onmessage = (ev: MessageEvent<unknown>) => this.onMessage(ev.data);
    port.start();
  }

  stats(): ViewerStats {
    const v = this.viewer;
    const lags = v ? v.lagSamples().sort((a, b) => a - b) : [];
    return {
      frame: v?.frame ?? -1,
      receivedFrame: v?.receivedFrame ?? -1,
      delayFrames: v?.delayFrames ?? 0,
      snapshotsLoaded: v?.counters.snapshotsLoaded ?? 0,
      framesStepped: v?.counters.framesStepped ?? 0,
      gaps: v?.counters.gaps ?? 0,
      snapshotsBehind: v?.counters.snapshotsBehind ?? 0,
      malformed: this.malformed + (v?.counters.malformed ?? 0),
      messages: this.messages,
      lagMsP50: percentile(lags, 0.5),
      lagSamples: lags.length,
    };
  }

  hashes(): { frame: number; hash: number }[] {
    return this.viewer?.hashes() ?? [];
  }

  lagSamples(): number[] {
    return this.viewer?.lagSamples() ?? [];
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.port) this.port.onmessage = null;
    this.port?.close();
  }

  private onMessage(data: unknown): void {
    this.messages++;
    if (!(data instanceof ArrayBuffer)) {
      this.malformed++;
      return;
    }
    const d = decodeSpectate(new Uint8Array(data));
    if (!d.ok) {
      this.malformed++;
      return;
    }
    const m = d.message;
    if (m.kind === SpectateKind.Info) {
      this.onInfo(m.info);
      return;
    }
    if (this.viewer) this.viewer.take(m);
    else if (this.pending.length < MAX_PENDING_MESSAGES) this.pending.push(m);
    else this.malformed++;
  }

  private onInfo(info: SpectateInfo): void {
    if (this.info) {
      // The same session again (sent before every snapshot): nothing to do. Another one is refused.
      if (info.game !== this.info.game || info.seed !== this.info.seed || info.sessionTag !== this.info.sessionTag) this.malformed++;
      return;
    }
    this.info = info;
    this.callbacks?.onEvent({ type: 'info', info });
    const config = this.config!;
    const gameUrl = config.gameUrl ?? info.gameUrl;
    void (async () => {
      try {
        const game = await this.resolveGame({
          game: info.game,
          ...(gameUrl !== undefined ? { gameUrl } : {}),
          ...(config.pyodideUrl !== undefined ? { pyodideUrl: config.pyodideUrl } : {}),
          players: info.players,
          localPlayer: 0,
          seed: info.seed,
        });
        if (this.closed) return;
        this.game = game;
        const delayFrames = config.delayFrames ?? (config.delayMs !== undefined ? Math.min(3600, Math.round((config.delayMs * info.tickRate) / 1000)) : DEFAULT_DELAY_FRAMES);
        this.viewer = new SpectatorViewer(game, info, { delayFrames, clock: () => performance.timeOrigin + performance.now() });
        for (const m of this.pending.splice(0)) this.take(m);
        this.nextAt = performance.now();
        this.loop();
      } catch (e) {
        const code = e instanceof NetrollError ? e.code : ErrorCode.BadGame;
        this.callbacks?.onEvent({ type: 'error', code, message: `game "${info.game}": ${e instanceof Error ? e.message : String(e)}` });
      }
    })();
  }

  private take(m: SpectateMessage): void {
    const before = this.viewer!.counters.snapshotsLoaded;
    this.viewer!.take(m);
    if (this.viewer!.counters.snapshotsLoaded > before) this.callbacks?.onEvent({ type: 'snapshot', frame: this.viewer!.snapshotFrame });
  }

  private loop = (): void => {
    if (this.closed) return;
    const tickMs = 1000 / this.info!.tickRate;
    const now = performance.now();
    if (now - this.nextAt > 8 * tickMs) this.nextAt = now;
    this.tick();
    this.nextAt += tickMs;
    this.timer = setTimeout(this.loop, tickDelay(this.nextAt, performance.now()));
  };

  private tick(): void {
    const viewer = this.viewer!;
    const game = this.game!;
    let stepped: number;
    let hashes: readonly { frame: number; hash: number }[];
    try {
      const before = viewer.counters.snapshotsLoaded;
      ({ stepped, hashes } = viewer.advance(MAX_STEPS_PER_TICK));
      if (viewer.counters.snapshotsLoaded > before) this.callbacks?.onEvent({ type: 'snapshot', frame: viewer.snapshotFrame });
    } catch (e) {
      this.closed = true;
      this.callbacks?.onEvent({ type: 'error', code: ErrorCode.GameError, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
      return;
    }
    for (const h of hashes) this.callbacks?.onEvent({ type: 'hash', frame: h.frame, hash: h.hash });
    // Nothing new to show while stepping through frames already shown (a snapshot from behind them): frames never go backwards.
    if (stepped === 0 || viewer.catchingUp) return;
    const state = game.render && viewer.state !== null ? game.render(viewer.state) : null;
    const render: RenderFrame = {
      frame: viewer.frame,
      confirmedFrame: viewer.receivedFrame,
      corrected: false,
      rollbackDepth: 0,
      episode: viewer.episode,
      state,
      producedAt: performance.timeOrigin + performance.now(),
    };
    this.callbacks?.onRender(transfer(render, collectTransferables(state)));
    const end = this.info!.endFrame;
    if (!this.finished && end !== undefined && viewer.frame >= end) {
      this.finished = true;
      this.callbacks?.onEvent({ type: 'finished', frame: viewer.frame });
    }
  }
}
