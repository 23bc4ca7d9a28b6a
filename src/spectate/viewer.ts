/**
 * The spectator's engine path: no prediction, no rollback, no packets out.
 * A viewer loads a confirmed snapshot, then steps confirmed inputs in frame
 * order, at a configurable delay behind the newest confirmed frame it has,
 * and hashes the confirmed states the players hash (same sample frames, same
 * bytes), so its hash at frame F equals every player's confirmed hash at F.
 *
 * Bounds: at most {@link MAX_BUFFERED_FRAMES} frames of inputs wait to be
 * stepped (more is a gap: counted, and the viewer waits for a new snapshot);
 * at most {@link MAX_KEPT_HASHES} hash samples and {@link MAX_LAG_SAMPLES}
 * lag samples are kept (oldest dropped); one snapshot is reassembled at a time.
 *
 * The frame shown never goes backwards: a snapshot older than what was
 * already shown (only taken after a gap, e.g. from another player after a
 * re-watch) is loaded and stepped through without being shown or hashed
 * again until it passes the frame shown ({@link SpectatorViewer.catchingUp}).
 */
import { ResyncAssembler } from '../engine/resync.ts';
import type { Game } from '../engine/game.ts';
import { isSampleFrame } from '../engine/desync-detector.ts';
import { xxh32 } from '../engine/hash.ts';
import { Simulation } from '../engine/simulation.ts';
import { type SpectateInfo, SpectateKind, type SpectateMessage } from './wire.ts';

/** Most frames of confirmed inputs a viewer holds ahead of what it shows (60 s at 60 Hz). */
export const MAX_BUFFERED_FRAMES = 3600;
/** Hash samples a viewer keeps (newest). */
export const MAX_KEPT_HASHES = 1024;
/** Lag samples a viewer keeps (newest). */
export const MAX_LAG_SAMPLES = 600;

/** A viewer's counters. */
export interface ViewerCounters {
  /** Snapshots loaded (the first one and every one after a gap). */
  snapshotsLoaded: number;
  /** Input frames taken into the buffer. */
  framesReceived: number;
  /** Input frames received twice or from before the snapshot (ignored). */
  framesDuplicate: number;
  /** Inputs that skipped frames, or overflowed the buffer (the viewer then waits for a snapshot). */
  gaps: number;
  /** Frames stepped. */
  framesStepped: number;
  /** Messages refused (bad snapshot chunks, inputs of another session or shape). */
  malformed: number;
  /** Snapshots loaded from behind the frame already shown (stepped through unseen up to it). */
  snapshotsBehind: number;
}

/** What a viewer reports about one step. */
export interface ViewerAdvance {
  /** Frames stepped by this call. */
  readonly stepped: number;
  /** Hash samples taken by this call. */
  readonly hashes: readonly { frame: number; hash: number }[];
}

/** Viewer options. */
export interface ViewerOptions {
  /** Frames kept between the newest confirmed frame received and the one shown. Default 0. */
  delayFrames?: number;
  /** Clock in epoch ms, for lag samples only (never for simulation). Default: no lag samples. */
  clock?: () => number;
}

/**
 * A spectator's simulation of one session. Feed it decoded stream messages
 * with {@link SpectatorViewer.take}; call {@link SpectatorViewer.advance}
 * once per tick.
 */
export class SpectatorViewer<S> {
  /** Frames the shown state stays behind the newest confirmed input received. */
  readonly delayFrames: number;
  /** Counters (see {@link ViewerCounters}). */
  readonly counters: ViewerCounters = { snapshotsLoaded: 0, framesReceived: 0, framesDuplicate: 0, gaps: 0, framesStepped: 0, malformed: 0, snapshotsBehind: 0 };
  private sim: Simulation<S> | null = null;
  private readonly assembler = new ResyncAssembler();
  private readonly stride: number;
  /** Start frame of the simulated state (the next frame to step); -1 before a snapshot. */
  private current = -1;
  /** Highest start frame shown so far (-1 before the first snapshot): what {@link frame} reports. */
  private shown = -1;
  /** Frame of the newest snapshot loaded (-1 before the first). */
  private loadedFrame = -1;
  /** Inputs of frames current..current + buffered − 1, frame-major. */
  private buffer: Uint8Array;
  private buffered = 0;
  private waitingForSnapshot = true;
  private final: { frame: number; bytes: Uint8Array } | null = null;
  private readonly stamps: { frame: number; at: number }[] = [];
  private readonly hashList: { frame: number; hash: number }[] = [];
  private readonly lags: number[] = [];
  private readonly clock: (() => number) | undefined;
  private readonly frameMs: number;

  constructor(
    readonly game: Game<S>,
    readonly info: SpectateInfo,
    options: ViewerOptions = {},
  ) {
    const d = options.delayFrames ?? 0;
    if (!Number.isInteger(d) || d < 0 || d > 3600) throw new RangeError(`delayFrames must be an integer 0..3600, got ${d}`);
    if (game.inputSize !== info.inputSize) throw new RangeError(`the game takes ${game.inputSize}-byte inputs, the session ${info.inputSize}`);
    this.delayFrames = d;
    this.clock = options.clock;
    this.frameMs = 1000 / info.tickRate;
    this.stride = info.players * info.inputSize;
    this.buffer = new Uint8Array(256 * this.stride);
  }

  /**
   * Start frame of the state shown now (-1 before the first snapshot). It
   * never goes backwards: while {@link catchingUp}, it stays at the frame
   * shown before.
   */
  get frame(): number {
    return Math.max(this.current, this.shown);
  }

  /** True while the simulation is behind the frame already shown (after a snapshot from behind it): nothing new to show yet. */
  get catchingUp(): boolean {
    return this.current < this.shown;
  }

  /** Frame of the newest snapshot loaded (-1 before the first). */
  get snapshotFrame(): number {
    return this.loadedFrame;
  }

  /** Last frame whose confirmed inputs the viewer holds (-1 before the first snapshot). */
  get receivedFrame(): number {
    return this.current < 0 ? -1 : this.current + this.buffered - 1;
  }

  /** The simulated state (null before the first snapshot; behind {@link frame} while {@link catchingUp}). Do not mutate it. */
  get state(): S | null {
    return this.sim ? this.sim.state : null;
  }

  /** Snapshot bytes of the state shown (as the players' snapshots: engine header + game bytes), or null before the first snapshot. */
  snapshot(): Uint8Array | null {
    return this.sim ? this.sim.save() : null;
  }

  /** Episode of the state shown. */
  get episode(): number {
    return this.sim?.episode ?? 0;
  }

  /** True while the viewer has no usable snapshot (at first, and after a gap). */
  get needsSnapshot(): boolean {
    return this.waitingForSnapshot;
  }

  /** Hash samples taken (newest {@link MAX_KEPT_HASHES}). */
  hashes(): { frame: number; hash: number }[] {
    return this.hashList.slice();
  }

  /** Lag samples, ms: when a batch's last frame was shown, minus when a player confirmed it, minus the delay. */
  lagSamples(): number[] {
    return this.lags.slice();
  }

  /** Take one decoded stream message (info messages are the caller's: they pick the game). */
  take(m: SpectateMessage): void {
    if (m.kind === SpectateKind.Snapshot) this.takeChunk(m);
    else if (m.kind === SpectateKind.Inputs) this.takeInputs(m);
  }

  private takeChunk(m: Extract<SpectateMessage, { kind: typeof SpectateKind.Snapshot }>): void {
    if (m.chunk.tag !== this.info.sessionTag) {
      this.counters.malformed++;
      return;
    }
    const step = this.assembler.take(m.chunk);
    if (step.kind === 'bad') {
      this.counters.malformed++;
      return;
    }
    if (step.kind !== 'complete') return;
    // A snapshot behind what is shown is of no use unless the viewer is stuck (after a gap).
    if (!this.waitingForSnapshot && step.frame <= this.current) return;
    const sim = new Simulation(this.game, this.info.seed, this.info.players);
    sim.load(step.snapshot);
    sim.onEpisodeEnd = (frame, bytes) => {
      this.final = { frame: frame + 1, bytes };
    };
    // Keep buffered inputs that continue from the snapshot's frame.
    const keepFrom = step.frame - this.current;
    if (this.current >= 0 && keepFrom >= 0 && keepFrom < this.buffered && !this.waitingForSnapshot) {
      this.buffer.copyWithin(0, keepFrom * this.stride, this.buffered * this.stride);
      this.buffered -= keepFrom;
    } else this.buffered = 0;
    this.sim = sim;
    if (step.frame < this.shown) this.counters.snapshotsBehind++;
    this.current = step.frame;
    this.shown = Math.max(this.shown, step.frame);
    this.loadedFrame = step.frame;
    this.final = null;
    this.waitingForSnapshot = false;
    this.counters.snapshotsLoaded++;
  }

  private takeInputs(m: Extract<SpectateMessage, { kind: typeof SpectateKind.Inputs }>): void {
    const msg = m.inputs;
    if (msg.tag !== this.info.sessionTag || msg.inputSize !== this.info.inputSize || msg.players.length !== this.info.players) {
      this.counters.malformed++;
      return;
    }
    if (this.waitingForSnapshot || this.current < 0) {
      // Before the snapshot (or after a gap): nothing to attach these to yet.
      this.counters.framesDuplicate += msg.frameCount;
      return;
    }
    let next = this.current + this.buffered;
    const last = msg.startFrame + msg.frameCount - 1;
    if (msg.startFrame > next) {
      this.gap();
      return;
    }
    for (let f = msg.startFrame; f <= last; f++) {
      if (f < next) {
        this.counters.framesDuplicate++;
        continue;
      }
      if (this.buffered >= MAX_BUFFERED_FRAMES) {
        this.gap();
        return;
      }
      this.ensureRoom(this.buffered + 1);
      const i = f - msg.startFrame;
      this.buffer.set(msg.inputs.subarray(i * this.stride, (i + 1) * this.stride), this.buffered * this.stride);
      this.buffered++;
      this.counters.framesReceived++;
      next++;
    }
    if (this.clock && next - 1 === last) {
      this.stamps.push({ frame: last, at: m.confirmedAt });
      if (this.stamps.length > 256) this.stamps.shift();
    }
  }

  private gap(): void {
    this.counters.gaps++;
    this.waitingForSnapshot = true;
    this.buffered = 0;
    this.stamps.length = 0;
  }

  private ensureRoom(frames: number): void {
    if (frames * this.stride <= this.buffer.length) return;
    const grown = new Uint8Array(Math.min(MAX_BUFFERED_FRAMES, Math.max(frames, (this.buffer.length / this.stride) * 2)) * this.stride);
    grown.set(this.buffer.subarray(0, this.buffered * this.stride));
    this.buffer = grown;
  }

  /**
   * Step up to `maxSteps` frames, never closer than `delayFrames` to the
   * newest confirmed input held, never past the session's end frame.
   */
  advance(maxSteps: number): ViewerAdvance {
    const sim = this.sim;
    if (!sim || this.waitingForSnapshot) return { stepped: 0, hashes: [] };
    const end = this.info.endFrame ?? Number.POSITIVE_INFINITY;
    // The delay drains at the session's end: every remaining frame is held then.
    const delay = this.current + this.buffered >= end ? 0 : this.delayFrames;
    const canStep = Math.min(maxSteps, this.buffered - delay, end - this.current);
    const hashes: { frame: number; hash: number }[] = [];
    let stepped = 0;
    for (; stepped < canStep; stepped++) {
      const frame = this.current;
      sim.step(this.buffer.subarray(stepped * this.stride, (stepped + 1) * this.stride), frame);
      this.current = frame + 1;
      const start = this.current;
      const final = this.final?.frame === start ? this.final.bytes : undefined;
      // A frame already shown (catching up after a snapshot from behind it) was hashed then.
      if (start > this.shown && isSampleFrame(start, this.info.hashInterval, sim.episodeStart === start && start > 0, end)) {
        const hash = xxh32(final ?? sim.save());
        hashes.push({ frame: start, hash });
        this.hashList.push({ frame: start, hash });
        if (this.hashList.length > MAX_KEPT_HASHES) this.hashList.shift();
      }
      if (final) this.final = null;
      while (this.stamps.length > 0 && this.stamps[0]!.frame <= frame) {
        const s = this.stamps.shift()!;
        if (s.frame === frame && this.clock) {
          this.lags.push(this.clock() - s.at - this.delayFrames * this.frameMs);
          if (this.lags.length > MAX_LAG_SAMPLES) this.lags.shift();
        }
      }
    }
    this.shown = Math.max(this.shown, this.current);
    if (stepped > 0) {
      this.buffer.copyWithin(0, stepped * this.stride, this.buffered * this.stride);
      this.buffered -= stepped;
      this.counters.framesStepped += stepped;
    }
    return { stepped, hashes };
  }
}
