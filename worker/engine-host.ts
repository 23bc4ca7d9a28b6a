/**
 * EngineHost: runs an Engine on its own drift-corrected fixed-timestep loop.
 *
 * Packets arrive on a MessagePort as `{ peer, buf }` with `buf` transferred;
 * they are only queued (Engine.receive) and drained at the next tick start.
 * Outgoing packets leave the same way, unless the page handed the engine the
 * peer's inputs channel (worker/direct-channels.ts): then they go out on it
 * from this thread, and its incoming packets are queued the same way. Render states go to the page once per
 * tick, after any rollback, never mid-re-simulation. The host uses only
 * `setTimeout`, `performance` and `MessagePort`, so it runs in a dedicated
 * worker (the normal case) or, for comparison, on the page's main thread.
 */
import { transfer } from 'comlink';
import { ErrorCode, NetrollError } from '../src/contracts/errors.ts';
import { Engine, type TickResult } from '../src/engine/engine.ts';
import type { Game } from '../src/engine/game.ts';
import type { PauseReason } from '../src/contracts/vocabulary.ts';
import type { PauseRecord } from '../src/engine/pause.ts';
import { encodeInputLog } from '../src/engine/input-log.ts';
import type {
  ConfirmedInputs,
  EngineHostApi,
  SpectatorStart,
  HostCallbacks,
  HostConfig,
  HostMetrics,
  HostStats,
  PortPacket,
  TickSample,
} from './api.ts';
import { DevtoolsTrack } from './devtools.ts';
import { DirectChannels } from './direct-channels.ts';
import { TICK_EARLY_MS, tickDelay } from './tick-timer.ts';
import { collectTransferables, percentile } from './util.ts';

/** Resolves a game for a configuration (built-in registry, a fixed game, or a module URL). */
export type GameResolver = (config: HostConfig) => Game<unknown> | Promise<Game<unknown>>;

const HISTORY = 1200;
/** Ticks a finished engine keeps exchanging its last hash samples before `finished` is emitted anyway. */
const SETTLE_TICKS = 120;
/** Most ticks run back to back after the loop was held up (then it re-bases, never fast-forwards further). */
const MAX_CATCH_UP = 8;

function isPortPacket(data: unknown): data is PortPacket {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as { peer?: unknown; buf?: unknown; reliable?: unknown };
  return typeof d.peer === 'number' && d.buf instanceof ArrayBuffer && (d.reliable === undefined || typeof d.reliable === 'boolean');
}

export class EngineHost implements EngineHostApi {
  private engine: Engine<unknown> | null = null;
  private game: Game<unknown> | null = null;
  private config: HostConfig | null = null;
  private port: MessagePort | null = null;
  private direct: DirectChannels | null = null;
  private callbacks: HostCallbacks | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private nextAt = 0;
  private running = false;
  private ticks = 0;
  private readonly history: TickSample[] = [];
  private readonly intervals: number[] = [];
  private lastTickAt = 0;
  private queued = 0;
  private badPortMessages = 0;
  private finishedSent = false;
  private ticksSinceFinished = 0;
  private devtools: DevtoolsTrack | null = null;
  private readonly rollbackHistogram: Record<number, number> = {};
  private readonly episodes: HostMetrics['episodes'] = [];
  private readonly hashes: HostMetrics['hashes'] = [];
  private readonly desyncs: HostMetrics['desyncs'] = [];
  private readonly departures: HostMetrics['departures'] = [];
  private readonly resyncs: HostMetrics['resyncs'] = [];
  /** Epoch ms of the tick that last moved the confirmed frame (stamped on the spectator stream). */
  private confirmedAt = 0;

  constructor(private readonly resolveGame: GameResolver) {}

  async configure(config: HostConfig, packets: MessagePort, callbacks: HostCallbacks, channels?: MessagePort): Promise<void> {
    if (this.engine) throw new NetrollError(ErrorCode.InvalidState, 'this engine host is already configured');
    const tickRate = config.tickRate ?? 60;
    if (!(tickRate >= 1 && tickRate <= 1000)) throw new NetrollError(ErrorCode.InvalidOption, `tickRate must be 1..1000, got ${tickRate}`);
    let game: Game<unknown>;
    try {
      game = await this.resolveGame(config);
    } catch (e) {
      if (e instanceof NetrollError) throw e;
      throw new NetrollError(ErrorCode.BadGame, `game "${config.game}": ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const profile = config.profile === undefined || config.profile === true ? 'default' : config.profile === false ? 'off' : config.profile;
    if (profile !== 'off' && profile !== 'default' && profile !== 'detailed') {
      throw new NetrollError(ErrorCode.InvalidOption, `profile must be 'off', 'default' or 'detailed', got ${String(profile)}`);
    }
    const desyncPolicy = config.desyncPolicy ?? 'report';
    if (desyncPolicy !== 'report' && desyncPolicy !== 'resync') {
      throw new NetrollError(ErrorCode.InvalidOption, `desyncPolicy must be 'report' or 'resync', got ${String(desyncPolicy)}`);
    }
    this.devtools = profile !== 'off' ? new DevtoolsTrack() : null;
    const now = () => performance.now();
    const engine = new Engine<unknown>({
      game,
      players: config.players,
      localPlayer: config.localPlayer,
      seed: config.seed,
      inputDelay: config.inputDelay,
      maxPrediction: config.maxPrediction,
      hashInterval: config.hashInterval,
      endFrame: config.endFrame,
      sessionTag: config.sessionTag,
      minPlayers: config.minPlayers,
      tickMs: 1000 / tickRate,
      clock: now,
      send: (peer, bytes) => this.sendPacket(peer, bytes, false),
      sendReliable: (peer, bytes) => this.sendPacket(peer, bytes, true),
      desyncPolicy,
      episodes: config.episodes,
      countdownFrames: config.countdownFrames,
      pauseOnPeerHidden: config.pauseOnPeerHidden,
      focusLossTimeoutMs: config.focusLossTimeoutMs,
      rejoinable: config.rejoinable,
      joining: config.joining,
      seated: config.seated,
      rejoinLeadFrames: config.rejoinLeadFrames,
      onAbsent: config.onAbsent,
      trace: this.devtools ? (span) => this.devtools!.measure(span) : undefined,
      profile: profile === 'detailed' ? 'detailed' : 'default',
    });
    engine.on('rollback', (e) => {
      this.rollbackHistogram[e.depth] = (this.rollbackHistogram[e.depth] ?? 0) + 1;
      this.emit({ type: 'rollback', ...e });
    });
    engine.on('stall', (e) => this.emit({ type: 'stall', ...e }));
    engine.on('desync', (e) => {
      this.desyncs.push({ frame: e.frame, peer: e.peer, localHash: e.localHash, remoteHash: e.remoteHash, policy: e.policy });
      this.emit({ type: 'desync', ...e, snapshot: e.snapshot.slice() });
    });
    engine.on('episode', (e) => {
      this.episodes.push({ episode: e.episode, startFrame: e.startFrame, endFrame: e.endFrame });
      this.emit({ type: 'episode', ...e });
    });
    engine.on('hash', (e) => {
      this.hashes.push(e);
      this.emit({ type: 'hash', ...e });
    });
    engine.on('malformed', (e) => this.emit({ type: 'malformed', ...e }));
    engine.on('rtt', (e) => this.emit({ type: 'rtt', ...e }));
    engine.on('resync', (e) => {
      this.resyncs.push(e);
      this.emit({ type: 'resync', ...e });
    });
    engine.on('peer-left', (e) => {
      this.departures.push({ player: e.player, frame: e.frame });
      this.emit({ type: 'peer-left', ...e });
    });
    engine.on('pause', (e) => this.emit({ type: 'pause', ...e }));
    engine.on('resume', (e) => this.emit({ type: 'resume', ...e }));
    engine.on('presence', (e) => this.emit({ type: 'presence', ...e }));
    engine.on('countdown', (e) => this.emit({ type: 'countdown', ...e }));
    engine.on('peer-absent', (e) => this.emit({ type: 'peer-absent', ...e }));
    engine.on('peer-returned', (e) => this.emit({ type: 'peer-returned', ...e }));
    engine.on('transfer', (e) => {
      // What this peer confirmed from its own absence on was replaced: its hash samples and episodes from there are void.
      if (e.logChangedFrom !== undefined) {
        const from = e.logChangedFrom;
        this.hashes.splice(0, this.hashes.length, ...this.hashes.filter((h) => h.frame < from));
        this.episodes.splice(0, this.episodes.length, ...this.episodes.filter((x) => x.endFrame < from - 1));
      }
      this.emit({ type: 'transfer', ...e });
    });
    engine.on('rejoining', (e) => this.emit({ type: 'rejoining', ...e }));
    packets.onmessage = (ev: MessageEvent<unknown>) => {
      if (!isPortPacket(ev.data)) {
        this.badPortMessages++;
        return;
      }
      this.queued++;
      if (ev.data.reliable) engine.receiveReliable(ev.data.peer, new Uint8Array(ev.data.buf));
      else engine.receive(ev.data.peer, new Uint8Array(ev.data.buf));
    };
    packets.start();
    if (channels) this.direct = new DirectChannels(channels, config.players, config.localPlayer, (peer, bytes) => engine.receive(peer, bytes));
    this.engine = engine;
    this.game = game;
    this.config = config;
    this.port = packets;
    this.callbacks = callbacks;
  }

  start(): void {
    if (!this.engine) throw new NetrollError(ErrorCode.InvalidState, 'configure() the engine host before start()');
    if (this.running) return;
    this.running = true;
    this.nextAt = performance.now();
    this.loop();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  setLocalInput(input: Uint8Array): void {
    this.requireEngine().setLocalInput(input);
  }

  setInputDelay(frames: number): void {
    this.requireEngine().setInputDelay(frames);
  }

  dropPlayer(player: number): boolean {
    return this.requireEngine().dropPlayer(player);
  }

  setFocused(focused: boolean): void {
    this.requireEngine().setFocused(focused);
  }

  pause(reason: PauseReason, final = false): PauseRecord {
    return this.requireEngine().pause(reason, { final });
  }

  resume(id: number): boolean {
    return this.requireEngine().resume(id);
  }

  markAbsent(player: number): boolean {
    return this.requireEngine().markAbsent(player);
  }

  linkUp(player: number): void {
    this.requireEngine().linkUp(player);
  }

  stats(): HostStats {
    const engine = this.requireEngine();
    const sorted = this.intervals.slice().sort((a, b) => a - b);
    return {
      ...engine.stats(),
      running: this.running,
      ticks: this.ticks,
      tickIntervalP50Ms: percentile(sorted, 0.5),
      tickIntervalP99Ms: percentile(sorted, 0.99),
      packetsQueued: this.queued,
      badPortMessages: this.badPortMessages,
      directChannels: this.direct?.counts() ?? null,
      rollbackHistogram: { ...this.rollbackHistogram },
    };
  }

  metrics(): HostMetrics {
    const engine = this.requireEngine();
    const log = engine.inputLog();
    const config = this.config!;
    return {
      game: this.game!.spec,
      seed: config.seed,
      players: config.players,
      localPlayer: config.localPlayer,
      stats: this.stats(),
      rollbackHistogram: { ...this.rollbackHistogram },
      episodes: this.episodes.slice(),
      hashes: this.hashes.slice(),
      desyncs: this.desyncs.slice(),
      departures: this.departures.slice(),
      resyncs: this.resyncs.slice(),
      absences: (log.absences ?? []).map((a) => ({ player: a.player, from: a.from, to: a.to ?? null })),
      inputLog: encodeInputLog(log),
      confirmedHash: engine.confirmedStateHash(),
    };
  }

  spectatorStart(): SpectatorStart {
    const engine = this.requireEngine();
    const config = this.config!;
    const { frame, snapshot } = engine.confirmedSnapshot();
    return transfer(
      {
        info: {
          game: config.game,
          ...(config.gameUrl !== undefined ? { gameUrl: config.gameUrl } : {}),
          seed: engine.seed,
          players: engine.players,
          inputSize: engine.game.inputSize,
          hashInterval: engine.hashInterval,
          tickRate: config.tickRate ?? 60,
          sessionTag: engine.sessionTag,
          ...(Number.isFinite(engine.endFrame) ? { endFrame: engine.endFrame } : {}),
        },
        frame,
        snapshot,
      },
      [snapshot.buffer as ArrayBuffer],
    );
  }

  confirmedInputs(from: number, maxFrames: number): ConfirmedInputs {
    const c = this.requireEngine().confirmedInputs(from, Math.min(maxFrames, 1024));
    return transfer({ ...c, confirmedAt: this.confirmedAt }, [c.inputs.buffer as ArrayBuffer]);
  }

  tickHistory(): TickSample[] {
    return this.history.slice();
  }

  measures(): { name: string; start: number; duration: number; detail: unknown }[] {
    return this.devtools?.entries() ?? [];
  }

  close(): void {
    this.stop();
    if (this.port) this.port.onmessage = null;
    this.port?.close();
    this.direct?.close();
  }

  // ------------------------------------------------------------------ loop

  private loop = (): void => {
    if (!this.running) return;
    const now = performance.now();
    if (now - this.nextAt > MAX_CATCH_UP * this.engine!.tickMs) {
      // Held up for long (machine asleep): re-base instead of fast-forwarding.
      this.nextAt = now;
    }
    let ran = 0;
    while (this.running && now >= this.nextAt - TICK_EARLY_MS && ran < MAX_CATCH_UP) {
      this.runTick();
      this.nextAt += this.engine!.tickInterval();
      ran++;
    }
    this.timer = setTimeout(this.loop, tickDelay(this.nextAt, performance.now()));
  };

  private runTick(): void {
    const engine = this.engine!;
    const at = performance.now();
    if (this.lastTickAt > 0) {
      this.intervals.push(at - this.lastTickAt);
      if (this.intervals.length > 600) this.intervals.shift();
    }
    this.lastTickAt = at;
    this.queued = 0;
    let result: TickResult;
    try {
      result = engine.tick();
    } catch (e) {
      // An engine error is a bug (or a throwing game): stop ticking, tell the page.
      this.stop();
      this.emit({ type: 'error', code: ErrorCode.GameError, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
      return;
    }
    this.ticks++;
    this.history.push({ t: performance.timeOrigin + at, frame: engine.frame });
    if (this.history.length > HISTORY) this.history.shift();
    if (result.confirmedAdvanced) this.confirmedAt = performance.timeOrigin + performance.now();
    this.deliverRender(result);
    this.devtools?.maybeClear(this.ticks);
    // Finished: wait until the last hash samples were acknowledged (bounded), so they were compared.
    if (!this.finishedSent && engine.finished && (engine.settled || ++this.ticksSinceFinished > SETTLE_TICKS)) {
      this.finishedSent = true;
      this.emit({ type: 'finished', frame: engine.frame });
    }
  }

  private deliverRender(result: TickResult): void {
    const engine = this.engine!;
    const game = this.game!;
    const confirmedOnly = this.config!.renderMode === 'confirmed';
    if (confirmedOnly ? !result.confirmedAdvanced : !result.advanced && result.rollbackDepth === 0) return;
    let frame: number;
    let state: unknown;
    if (confirmedOnly) {
      const c = engine.confirmedState();
      frame = c.frame;
      state = game.render ? game.render(c.state) : null;
    } else {
      frame = engine.frame;
      state = game.render ? game.render(engine.state) : null;
    }
    const render = {
      frame,
      confirmedFrame: engine.confirmedFrame,
      corrected: result.rollbackDepth > 0,
      rollbackDepth: result.rollbackDepth,
      episode: engine.episode,
      state,
      producedAt: performance.timeOrigin + performance.now(),
    };
    this.callbacks?.onRender(transfer(render, collectTransferables(state)));
  }

  private sendPacket(peer: number, bytes: Uint8Array, reliable: boolean): void {
    const buf = bytes.slice().buffer;
    if (!reliable && this.direct?.send(peer, buf)) return;
    const packet: PortPacket = reliable ? { peer, buf, reliable } : { peer, buf };
    this.port?.postMessage(packet, [buf]);
  }

  private emit(event: Parameters<HostCallbacks['onEvent']>[0]): void {
    this.callbacks?.onEvent(event);
  }

  private requireEngine(): Engine<unknown> {
    if (!this.engine) throw new NetrollError(ErrorCode.InvalidState, 'the engine host is not configured yet');
    return this.engine;
  }
}
