/**
 * The rollback engine for one peer of an N-player full mesh (GGPO-style).
 *
 * Transport-agnostic: packets come in through `receive(peer, bytes)` (which
 * only queues them) and leave through the `send` callback. The host calls
 * `tick()` at its fixed rate (stretched by `tickInterval()` for time sync).
 * Peer index = player index: peer `p` sends player `p`'s inputs.
 *
 * This file is the tick, in tick order. The per-peer protocol state lives
 * in `peer-endpoint.ts`, the hash samples and their exchange in
 * `desync-detector.ts`, episode boundaries in `episodes.ts`, players
 * leaving in `departures.ts`, and absent players returning (and late
 * joiners) in `rejoin.ts` with the state they load in `state-transfer.ts`,
 * and agreed pauses in `pause.ts`.
 */
import { NetrollError } from '../contracts/errors.ts';
import { decode, encode, encodeInput, INPUT_HEADER_BYTES, MAX_FRAMES_PER_PACKET } from '../protocol/codec.ts';
import {
  type HelloMessage,
  type InputMessage,
  type LeaveNotice,
  MessageType,
  type PauseMessage,
  type PresenceMessage,
  type ResyncMessage,
  type ReturnNotice,
  type TransferMessage,
} from '../protocol/messages.ts';
import { PAUSE_REASONS, type PauseReason } from '../contracts/vocabulary.ts';
import { Departures } from './departures.ts';
import { DesyncDetector, isSampleFrame } from './desync-detector.ts';
import { EpisodeTracker } from './episodes.ts';
import { ResyncAssembler, resyncChunks } from './resync.ts';
import { Emitter } from './events.ts';
import { addLocalInput } from './input-delay.ts';
import { type Game, MAX_INPUT_SIZE, MAX_PLAYERS } from './game.ts';
import { xxh32 } from './hash.ts';
import { encodeInputLog, type InputLog } from './input-log.ts';
import { InputQueue } from './input-queue.ts';
import { PeerEndpoint } from './peer-endpoint.ts';
import { type PauseRecord, Pauses } from './pause.ts';
import { AbsencePolicy } from './absence.ts';
import { Presence } from './presence.ts';
import { type Countdown, Rounds } from './rounds.ts';
import { DEFAULT_REJOIN_LEAD_FRAMES, HELLO_INTERVAL_TICKS, MAX_CATCHUP_FRAMES, maskOf, Rejoins, rejoinsAfterHello, TRANSFER_RESEND_TICKS } from './rejoin.ts';
import { ChunkAssembler, decodeTransfer, encodeTransfer, MAX_TAIL_FRAMES, MAX_TRANSFER_BYTES, splitChunks, type TransferState } from './state-transfer.ts';
import { Simulation, SNAPSHOT_HEADER_BYTES, snapshotEpisode, snapshotEpisodeStart } from './simulation.ts';
import { SnapshotRing } from './snapshot-ring.ts';
import { TimeSync, type TimeSyncOptions } from './time-sync.ts';
import type { EngineEvents, EngineStats, MalformedReason, PeerStats } from './types.ts';

/** Largest input delay, frames (the `inputDelay` option's and `setInputDelay`'s bound). */
export const MAX_INPUT_DELAY = 60;
/** Extra frames beyond the frame window an honest peer may send (scheduling jitter). */
export const FRAME_WINDOW_SLACK = 8;
/**
 * A departure notice about a player we still hear from is ignored (and
 * counted) until that player has been silent this many ticks: a peer cannot
 * talk the others into dropping a player who is still playing.
 */
export const NOTICE_SILENCE_TICKS = 30;

/** Options of {@link Engine}. */
export interface EngineOptions<S> {
  /** The game to simulate. */
  game: Game<S>;
  /** Players in the session, 2..8 (1 is allowed for a local-only session). */
  players: number;
  /** This peer's player index. */
  localPlayer: number;
  /** Session seed (uint32); episode seeds derive from it. */
  seed: number;
  /** Sends one packet to a peer. Must not keep `bytes` past the call unless it copies or transfers them. */
  send: (peer: number, bytes: Uint8Array) => void;
  /**
   * Session tag (uint8) every packet carries; packets with another tag (an
   * earlier session on the same route) are dropped and counted as
   * `stale-session`. Default: derived from `seed`.
   */
  sessionTag?: number;
  /** Frames between taking the local input and using it, 0..60. Default 2. */
  inputDelay?: number;
  /** Frames the engine may run past the confirmed frame before stalling. Default 8. */
  maxPrediction?: number;
  /** Confirmed frames between state-hash samples (0 disables hashing). Default 60. */
  hashInterval?: number;
  /** Nominal tick length in ms. Default 1000/60. */
  tickMs?: number;
  /** Monotonic clock in ms, used only for RTT and timings (never for simulation). Default: always 0. */
  clock?: () => number;
  /** Ticks between pings to each peer (0 disables). Pings ride on input packets. Default 30. */
  pingIntervalTicks?: number;
  /** Frame at which to stop simulating (the session's end). Default: never. */
  endFrame?: number;
  /** Fewest frames every input packet repeats. Default 3. */
  minRedundancy?: number;
  /** Largest input packet in bytes. Default 1100 (fits any DataChannel MTU). */
  maxPacketBytes?: number;
  /** Largest number of queued, undrained packets. Default 4096. */
  maxInbox?: number;
  /** Fewest players (including this one) the session continues with after departures. Default 2. */
  minPlayers?: number;
  /**
   * What a desync does. `'report'` (default): the `desync` event, nothing
   * else. `'resync'`: also, the lowest-index remaining peer sends its
   * confirmed snapshot over `sendReliable` and every peer loads it at the
   * frame it names (`resync` event).
   */
  desyncPolicy?: DesyncPolicy;
  /**
   * Departures learnt from other peers' notices are absences a player may
   * return from (`markAbsent`), and Hellos are answered (see `rejoin.ts`).
   * Default false: a departure is for good.
   */
  rejoinable?: boolean;
  /**
   * Start without live state and ask every peer (Hello on the reliable
   * channel) for a state transfer: a reloaded page taking its seat back, or
   * a late joiner. Needs `sendReliable`. Default false.
   */
  joining?: boolean;
  /**
   * Players seated at the start: seats `seated..players − 1` are free (absent
   * from frame 0, neutral input) until a joiner takes them. Default `players`.
   */
  seated?: number;
  /** Frames past its newest input at which the authority lets a returning player's inputs count. Default 30. */
  rejoinLeadFrames?: number;
  /** Largest state transfer taken, bytes. Default 32 MiB. */
  maxTransferBytes?: number;
  /**
   * While a player is absent: `'neutral'` (default) plays on with its
   * neutral input; `'pause'`: the resync authority (the lowest-index present
   * player) also holds every peer with an agreed pause (reason `absent`),
   * resumed when the player returns (its inputs then count from the pause
   * frame) or leaves for good. Needs `sendReliable`.
   */
  onAbsent?: AbsentPolicy;
  /** Sends one message on the reliable, ordered channel to a peer (needed by `desyncPolicy: 'resync'`, `joining`, `rejoinable` and `pause`). */
  sendReliable?: (peer: number, bytes: Uint8Array) => void;
  /** Time synchronisation tuning (see `TimeSyncOptions`). Default: its defaults. */
  timeSync?: TimeSyncOptions;
  /**
   * Receives timing spans (for profilers). `profile: 'default'` gives one
   * `tick` span per tick and the `rollback` spans; `'detailed'` adds every
   * step, save, load, hash and re-simulation.
   */
  trace?: (span: TraceSpan) => void;
  /** What `trace` receives. Default `'default'`. */
  profile?: ProfileLevel;
  /**
   * Testing hook (fault injection, oracles): called after the game steps
   * session frame `frame` — every simulation of it, re-simulations included —
   * before the episode check. May return a replacement state.
   */
  stepHook?: (frame: number, state: S) => S | void;
  /**
   * End the session after this many episodes, taken on the confirmed
   * timeline (`rounds.ts`): every peer ends at the same episode start.
   * Default: no limit.
   */
  episodes?: number;
  /**
   * Between episodes, hold play at the confirmed episode start for this many
   * ticks, counted only while every player's page is in view and no pause
   * is open (`rounds.ts`). Default 0 (none).
   */
  countdownFrames?: number;
  /**
   * While this peer's page is hidden (`setFocused(false)`), hold every peer
   * with an agreed pause (`absence.ts`). Needs `sendReliable`. Default false.
   */
  pauseOnPeerHidden?: boolean;
  /**
   * End the session everywhere (a final pause, reason `focus-timeout`) once
   * this peer's page has been hidden this long, `clock` ms. Needs
   * `sendReliable`. Default 0 (never).
   */
  focusLossTimeoutMs?: number;
}

/** What the others do while a player is absent: see {@link EngineOptions.onAbsent}. */
export type AbsentPolicy = 'neutral' | 'pause';

/** What a desync does: see {@link EngineOptions.desyncPolicy}. */
export type DesyncPolicy = 'report' | 'resync';

/** How much the engine traces: see {@link EngineOptions.trace}. */
export type ProfileLevel = 'default' | 'detailed';

/** What one `tick()` did. */
export interface TickResult {
  /** The frame advanced by one. */
  readonly advanced: boolean;
  /** The tick stalled (too far past the confirmed frame). */
  readonly stalled: boolean;
  /** The tick did not advance because an agreed pause holds the current frame (see {@link Engine.pause}). */
  readonly paused: boolean;
  /** Frames re-simulated by a rollback this tick (0 for none). */
  readonly rollbackDepth: number;
  /** The confirmed frame moved forward. */
  readonly confirmedAdvanced: boolean;
}

/** One timed piece of engine work, in `clock` milliseconds. */
export interface TraceSpan {
  /** The kind of work (see {@link EngineOptions.profile} for which are reported). */
  readonly name: 'tick' | 'step' | 'save' | 'load' | 'hash' | 'rollback' | 'resimulate';
  /** When the work started, `clock` ms. */
  readonly start: number;
  /** When the work ended, `clock` ms. */
  readonly end: number;
  /** The frame concerned (tick: the frame at the tick's start; rollback/resimulate: the frame rolled back to). */
  readonly frame: number;
  /** Frames re-simulated (rollback/resimulate only). */
  readonly depth?: number;
}

/** The default session tag for a seed (uint8). */
export function sessionTagFromSeed(seed: number): number {
  let h = Math.imul((seed ^ 0x3c6ef372) >>> 0, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) & 0xff;
}

function int(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new NetrollError('invalid-option', `${name} must be an integer in ${min}..${max}, got ${v}`);
  }
  return v;
}

/** The rollback engine for one peer: call `tick()` at `tickInterval()`, feed it received packets with `receive()`. */
export class Engine<S> {
  /** The game simulated. */
  readonly game: Game<S>;
  /** Players in the session. */
  readonly players: number;
  /** This peer's player index. */
  readonly localPlayer: number;
  /** Session seed (uint32). */
  readonly seed: number;
  /** Frames the engine may run past the confirmed frame before stalling. */
  readonly maxPrediction: number;
  /** Confirmed frames between state-hash samples (0: hashing off). */
  readonly hashInterval: number;
  /** Nominal tick length, ms. */
  readonly tickMs: number;
  /** Session tag (uint8) every packet carries. */
  readonly sessionTag: number;
  /** Fewest players the session continues with after departures. */
  readonly minPlayers: number;
  /**
   * Inputs of a remote peer past `frame + frameWindow` are malformed: an
   * honest peer is at most maxPrediction + two input delays + slack ahead.
   */
  readonly frameWindow: number;

  private readonly sim: Simulation<S>;
  private readonly queues: InputQueue[];
  private readonly ring: SnapshotRing;
  private readonly used: Uint8Array; // inputs used per ring slot: capacity × players × inputSize
  private readonly stride: number;
  private readonly frameInputs: Uint8Array;
  private readonly zeroInput: Uint8Array;
  private readonly neutral: Uint8Array[];
  private readonly sendPacket: (peer: number, bytes: Uint8Array) => void;
  private readonly clock: () => number;
  private readonly events = new Emitter<EngineEvents>();
  private readonly timeSync: TimeSync;
  private readonly minRedundancy: number;
  private readonly maxPacketFrames: number;
  private readonly pingIntervalTicks: number;
  private readonly maxInbox: number;
  private readonly trace: ((span: TraceSpan) => void) | undefined;
  private readonly detailed: ((span: TraceSpan) => void) | undefined;
  private readonly endpoints: PeerEndpoint[];
  private readonly detector: DesyncDetector;
  private readonly episodes = new EpisodeTracker();
  private readonly departures: Departures;
  private readonly pauses: Pauses;
  private readonly presence: Presence;
  private readonly rounds: Rounds;
  private readonly absence: AbsencePolicy;
  /** Final state (bytes) of an episode that ended right before frame `f`, kept until `f` is confirmed. */
  private readonly finals = new Map<number, Uint8Array>();

  private inbox: { peer: number; bytes: Uint8Array; reliable: boolean }[] = [];
  /** What a desync does (see {@link EngineOptions.desyncPolicy}). */
  readonly desyncPolicy: DesyncPolicy;
  private readonly sendReliable: ((peer: number, bytes: Uint8Array) => void) | undefined;
  private readonly assembler = new ResyncAssembler();
  private resyncWanted = false;
  private resyncId = 0;
  /** Frame of the last resync sent or loaded (desyncs of earlier samples are stale). */
  private lastResyncFrame = -1;
  private pendingResync: { frame: number; snapshot: Uint8Array; from: number } | undefined;
  private readonly rejoinable: boolean;
  private readonly rejoinLead: number;
  private readonly maxTransferBytes: number;
  private readonly rejoins = new Rejoins();
  private readonly transferAssemblers = new Map<number, ChunkAssembler>();
  private pendingTransfer: { state: TransferState; from: number; bytes: number } | undefined;
  private transferId = 0;
  private joiningNow: boolean;
  private catchingUp = false;
  private readonly onAbsent: AbsentPolicy;
  /** Our `absent` pauses (policy `pause`): absent player → pause id. */
  private readonly absencePauses = new Map<number, number>();
  private localInput: Uint8Array;
  private lastTickInput: Uint8Array;
  private delay: number;
  private end: number;
  private currentFrame = 0;
  private confirmed = -1;
  private ticks = 0;
  /** Tick at which each peer's last valid Input packet arrived. */
  private readonly heardAt: Float64Array;
  /** Per peer: the frame of the last state transfer sent to it, or loaded here (from anyone); see onHello. */
  private readonly syncedAt: Int32Array;

  private counters = {
    rollbacks: 0,
    maxRollback: 0,
    rollbackFrames: 0,
    rollbackMs: 0,
    stalls: 0,
    pausedTicks: 0,
    desyncs: 0,
    inputsSent: 0,
    inputsResent: 0,
    inputsReceived: 0,
    inputsDuplicate: 0,
    inputsRelayed: 0,
    noticesIgnored: 0,
    staleHellos: 0,
    resyncsSent: 0,
    resyncsLoaded: 0,
    transfersSent: 0,
    transfersLoaded: 0,
    packetsWhileJoining: 0,
    catchUpFrames: 0,
    packetsSent: 0,
    packetsReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    malformed: 0,
  };
  private readonly malformedByReason: Partial<Record<MalformedReason, number>> = {};

  constructor(options: EngineOptions<S>) {
    const { game } = options;
    this.game = game;
    int('game.inputSize', game.inputSize, 1, MAX_INPUT_SIZE);
    this.players = int('players', options.players, 1, MAX_PLAYERS);
    this.localPlayer = int('localPlayer', options.localPlayer, 0, this.players - 1);
    this.seed = int('seed', options.seed, 0, 0xffff_ffff);
    this.sessionTag = int('sessionTag', options.sessionTag ?? sessionTagFromSeed(this.seed), 0, 255);
    this.delay = int('inputDelay', options.inputDelay ?? 2, 0, MAX_INPUT_DELAY);
    this.maxPrediction = int('maxPrediction', options.maxPrediction ?? 8, 1, 120);
    this.hashInterval = int('hashInterval', options.hashInterval ?? 60, 0, 1 << 20);
    this.minPlayers = int('minPlayers', options.minPlayers ?? 2, 1, MAX_PLAYERS);
    this.end = options.endFrame ?? Number.POSITIVE_INFINITY;
    if (this.end !== Number.POSITIVE_INFINITY) int('endFrame', this.end, 1, 0xffff_fff0);
    this.tickMs = options.tickMs ?? 1000 / 60;
    if (!(this.tickMs > 0)) throw new NetrollError('invalid-option', `tickMs must be positive, got ${this.tickMs}`);
    this.minRedundancy = int('minRedundancy', options.minRedundancy ?? 3, 1, 64);
    this.pingIntervalTicks = int('pingIntervalTicks', options.pingIntervalTicks ?? 30, 0, 1 << 20);
    this.maxInbox = int('maxInbox', options.maxInbox ?? 4096, 16, 1 << 20);
    const maxPacketBytes = int('maxPacketBytes', options.maxPacketBytes ?? 1100, INPUT_HEADER_BYTES + 16 * 3 + 64, 65536);
    // Room for the extensions (ping, pong, hash, acks, notices: at most 8 + 8 + 1 + 40 + 70 bytes).
    const room = maxPacketBytes - INPUT_HEADER_BYTES - 64;
    this.maxPacketFrames = Math.max(this.minRedundancy, Math.min(MAX_FRAMES_PER_PACKET, Math.floor(room / game.inputSize)));
    this.frameWindow = this.maxPrediction + 2 * MAX_INPUT_DELAY + FRAME_WINDOW_SLACK;
    const profile = options.profile ?? 'default';
    if (profile !== 'default' && profile !== 'detailed') {
      throw new NetrollError('invalid-option', `profile must be 'default' or 'detailed', got ${String(profile)}`);
    }
    this.sendPacket = options.send;
    this.clock = options.clock ?? (() => 0);
    this.trace = options.trace;
    this.detailed = profile === 'detailed' ? options.trace : undefined;
    this.timeSync = new TimeSync(this.players, options.timeSync);

    this.sim = new Simulation(game, this.seed, this.players, options.stepHook ? { step: options.stepHook } : {});
    this.sim.onEpisodeEnd = (frame, bytes) => this.finals.set(frame + 1, bytes);
    this.queues = Array.from({ length: this.players }, () => new InputQueue(game.inputSize));
    const capacity = this.maxPrediction * 2 + 8;
    this.ring = new SnapshotRing(capacity);
    this.stride = this.players * game.inputSize;
    this.used = new Uint8Array(capacity * this.stride);
    this.frameInputs = new Uint8Array(this.stride);
    this.zeroInput = new Uint8Array(game.inputSize);
    this.neutral = Array.from({ length: this.players }, (_, p) => {
      const n = game.absentInput?.(p);
      if (n === undefined) return this.zeroInput;
      if (!(n instanceof Uint8Array) || n.length !== game.inputSize) {
        throw new NetrollError('invalid-option', `game.absentInput(${p}) must return ${game.inputSize} bytes`);
      }
      return n.slice();
    });
    this.localInput = new Uint8Array(game.inputSize);
    this.lastTickInput = this.zeroInput;
    this.endpoints = Array.from({ length: this.players }, (_, p) => new PeerEndpoint(p));
    this.desyncPolicy = options.desyncPolicy ?? 'report';
    if (this.desyncPolicy !== 'report' && this.desyncPolicy !== 'resync') {
      throw new NetrollError('invalid-option', `desyncPolicy must be 'report' or 'resync', got ${String(this.desyncPolicy)}`);
    }
    this.sendReliable = options.sendReliable;
    if (this.desyncPolicy === 'resync' && !this.sendReliable) {
      throw new NetrollError('invalid-option', "desyncPolicy 'resync' needs a sendReliable callback");
    }
    this.detector = new DesyncDetector(this.players, this.localPlayer, (d) => {
      this.counters.desyncs++;
      this.events.emit('desync', { ...d, policy: this.desyncPolicy });
      if (this.desyncPolicy === 'resync' && d.frame > this.lastResyncFrame) this.resyncWanted = true;
    });
    this.departures = new Departures(this.players, this.localPlayer);
    this.pauses = new Pauses(this.players, this.localPlayer, this.sessionTag);
    this.presence = new Presence(this.players, this.localPlayer, this.sessionTag);
    this.rounds = new Rounds(int('episodes', options.episodes ?? 0, 0, 1 << 20), int('countdownFrames', options.countdownFrames ?? 0, 0, 1 << 20));
    this.absence = new AbsencePolicy(options.pauseOnPeerHidden === true, int('focusLossTimeoutMs', options.focusLossTimeoutMs ?? 0, 0, 0x7fff_ffff));
    if ((this.absence.pauseOnPeerHidden || this.absence.focusLossTimeoutMs > 0) && this.players > 1 && !this.sendReliable) {
      throw new NetrollError('invalid-option', 'pauseOnPeerHidden and focusLossTimeoutMs need a sendReliable callback');
    }
    this.heardAt = new Float64Array(this.players);
    this.syncedAt = new Int32Array(this.players);
    this.rejoinable = options.rejoinable ?? false;
    this.joiningNow = options.joining ?? false;
    this.onAbsent = options.onAbsent ?? 'neutral';
    if (this.onAbsent !== 'neutral' && this.onAbsent !== 'pause') {
      throw new NetrollError('invalid-option', `onAbsent must be 'neutral' or 'pause', got ${String(this.onAbsent)}`);
    }
    this.rejoinLead = int('rejoinLeadFrames', options.rejoinLeadFrames ?? DEFAULT_REJOIN_LEAD_FRAMES, 0, 3600);
    this.maxTransferBytes = int('maxTransferBytes', options.maxTransferBytes ?? MAX_TRANSFER_BYTES, 1024, 1 << 30);
    if ((this.joiningNow || this.rejoinable) && !this.sendReliable) {
      throw new NetrollError('invalid-option', 'joining and rejoinable need a sendReliable callback');
    }
    const seated = int('seated', options.seated ?? this.players, 1, this.players);
    for (let p = seated; p < this.players; p++) {
      if (p === this.localPlayer) continue;
      this.departures.restore(p, 0, true);
      this.detector.dropPeer(p);
      this.timeSync.drop(p);
      this.rejoins.absent(p, 0);
    }
  }

  // ---------------------------------------------------------------- public API

  /** Current frame: the next frame to simulate (the state is at its start). */
  get frame(): number {
    return this.currentFrame;
  }

  /** Last frame for which every player's input is known and simulated (-1 at first). */
  get confirmedFrame(): number {
    return this.confirmed;
  }

  /** The current (possibly predicted) game state. Do not mutate it. */
  get state(): S {
    return this.sim.state;
  }

  /** Episode the current state belongs to. */
  get episode(): number {
    return this.sim.episode;
  }

  /** Current input delay, frames (see {@link Engine.setInputDelay}). */
  get inputDelay(): number {
    return this.delay;
  }

  /** Frame at which the session ends (Infinity: never). Departures below `minPlayers` bring it forward. */
  get endFrame(): number {
    return this.end;
  }

  /** True once `endFrame` is reached and every frame before it is confirmed. */
  get finished(): boolean {
    return this.currentFrame >= this.end && this.confirmed >= this.end - 1;
  }

  /**
   * Finished, and every remaining peer acknowledged every hash sample (so
   * the last samples, the end frame's included, were compared). Keep
   * ticking a finished engine until it is settled.
   */
  get settled(): boolean {
    if (!this.finished) return false;
    for (let p = 0; p < this.players; p++) if (this.detector.outboxSize(p) > 0) return false;
    return true;
  }

  /** Subscribe to an engine event; returns the unsubscribe function. */
  on<K extends keyof EngineEvents>(type: K, handler: (payload: EngineEvents[K]) => void): () => void {
    return this.events.on(type, handler);
  }

  /** Queue a packet from `peer`. Never simulates and never throws. */
  receive(peer: number, bytes: Uint8Array): void {
    if (this.inbox.length >= this.maxInbox) {
      this.malformed(peer, 'inbox-full', `more than ${this.maxInbox} packets queued`);
      return;
    }
    this.inbox.push({ peer, bytes, reliable: false });
  }

  /** Queue a message from `peer`'s reliable channel (resync chunks). Never simulates and never throws. */
  receiveReliable(peer: number, bytes: Uint8Array): void {
    if (this.inbox.length >= this.maxInbox) {
      this.malformed(peer, 'inbox-full', `more than ${this.maxInbox} packets queued`);
      return;
    }
    this.inbox.push({ peer, bytes, reliable: true });
  }

  /** Set the input used for the frames this peer adds from now on. */
  setLocalInput(input: Uint8Array): void {
    if (!(input instanceof Uint8Array) || input.length !== this.game.inputSize) {
      throw new NetrollError('invalid-option', `local input must be a Uint8Array of ${this.game.inputSize} bytes`);
    }
    this.localInput = input.slice();
  }

  /**
   * Change the input delay at runtime (takes effect on the next tick).
   * Raising it fills the new gap frames with the input in effect before the
   * change. Lowering it never drops or shortens a held input: the delay
   * shrinks by one frame per tick only on ticks whose local input is all
   * zeros and unchanged from the previous tick (`input-delay.ts`).
   */
  setInputDelay(frames: number): void {
    this.delay = int('inputDelay', frames, 0, MAX_INPUT_DELAY);
  }

  /**
   * Player `player` is gone (its transport closed, or the application says
   * so). The remaining peers agree on its departure frame and continue with
   * its neutral input; a `peer-left` event carries the frame. A player
   * already absent (`markAbsent`) leaves from its absence frame, and the
   * input log records the departure alone (not an open absence too), so
   * every peer's log is the same whichever it learnt first. Returns false
   * when the player already left or is this peer.
   */
  dropPlayer(player: number): boolean {
    if (!Number.isInteger(player)) return false;
    if (player >= 0 && player < this.players && this.departures.markFinal(player)) {
      this.rejoins.wanted.delete(player);
      this.rejoins.pendingReturns.delete(player);
      const d = this.departures.get(player)!;
      if (d.complete) {
        this.rejoins.departed(d.player, d.frame!);
        this.finishLeave(d.player, d.frame!);
      }
      this.endAbsencePause(player);
      return true;
    }
    return this.beginDeparture(player);
  }

  /**
   * Player `player` is unreachable but may come back (see `rejoin.ts`): the
   * remaining peers agree on the frame from which its input is neutral (a
   * `peer-absent` event carries it) and keep its seat. `dropPlayer` later
   * makes it a departure for good. Returns false when the player is already
   * absent or gone, or is this peer.
   */
  markAbsent(player: number): boolean {
    if (!Number.isInteger(player)) return false;
    return this.beginDeparture(player, true);
  }

  /**
   * The reliable channel to `peer` opened (again): send it a Hello (who this
   * peer counts absent, and whether it is joining), which lets a returning
   * player and its peers find out who loads whose state.
   */
  linkUp(peer: number): void {
    if (!Number.isInteger(peer) || peer < 0 || peer >= this.players || peer === this.localPlayer) return;
    this.sendHello(peer);
  }

  /** True while this engine has no live state and waits for a state transfer. */
  get joining(): boolean {
    return this.joiningNow;
  }

  /**
   * Hold every peer at one agreed frame, for `reason` (see `pause.ts`): the
   * frame is one past this peer's last input; peers that predicted past it
   * rewind to it. `final`: the pause never resumes and the session ends at
   * that frame on every peer. Returns the pause (its `id` resumes it).
   * @throws NetrollError `invalid-option` without `sendReliable` in a
   *   session of 2 or more players, or when this peer's pause budget is used up.
   */
  pause(reason: PauseReason, options: { final?: boolean } = {}): PauseRecord {
    if (this.players > 1 && !this.sendReliable) throw new NetrollError('invalid-option', 'pause needs a sendReliable callback');
    if (!PAUSE_REASONS.includes(reason)) throw new NetrollError('invalid-option', `unknown pause reason ${String(reason)}`);
    const final = options.final === true;
    const frame = this.queues[this.localPlayer]!.lastFrame + 1;
    const record = this.pauses.request(reason, final, frame);
    if (!record) throw new NetrollError('invalid-option', 'too many pauses open or requested by this peer');
    if (final && frame < this.end) this.end = frame;
    this.events.emit('pause', record);
    return record;
  }

  /**
   * End this peer's pause `id`. Play goes on once every remaining peer has
   * acknowledged the pause (the `resume` event says when). False for an
   * unknown, final or already resumed pause.
   */
  resume(id: number): boolean {
    return this.pauses.resume(id);
  }

  /** The open pause holding the current frame, if one does (play stands still). */
  get pausedBy(): PauseRecord | undefined {
    return this.pauses.holding(this.currentFrame);
  }

  /**
   * This peer's page became visible (`true`) or hidden: every peer is told
   * (`presence` event), and the absent-partner policy applies
   * (`pauseOnPeerHidden`, `focusLossTimeoutMs`).
   */
  setFocused(focused: boolean): void {
    const change = this.presence.setLocal(focused === true, this.clock());
    if (change) this.events.emit('presence', change);
  }

  /** Whether player `player`'s page is in view, as far as this peer knows. */
  isFocused(player: number): boolean {
    return this.presence.isFocused(player);
  }

  /** The between-episode countdown in force (`countdownFrames`), if any. */
  get countdown(): Countdown | undefined {
    return this.rounds.countdown;
  }

  /** Every pause known to this peer (open or over), by frame. */
  pauseRecords(): PauseRecord[] {
    return this.pauses.all();
  }

  /** How long the host should wait before the next tick, ms (time sync stretch applied). */
  tickInterval(): number {
    return this.tickMs * (1 + this.timeSync.stretch());
  }

  /**
   * Run one tick in DESIGN order: drain packets, settle departures, roll
   * back, time sync, stall check, add and send local input (with pings,
   * hash samples, acks and departure notices riding along), save + step,
   * advance the confirmed frame (episodes, hash samples).
   */
  tick(): TickResult {
    const t0 = this.trace ? this.clock() : 0;
    const tickFrame = this.currentFrame;
    this.ticks++;
    if (this.joiningNow) return this.tickJoining();
    let firstIncorrect = this.drainInbox();
    if (this.joiningNow) return this.tickJoining(); // a Hello told us to start over
    if (this.departures.pending) firstIncorrect = Math.min(firstIncorrect, this.settleDepartures());
    this.settlePauses();
    this.applyAbsencePolicy();
    if (this.rejoins.wanted.size > 0) this.startReturns();
    if (this.rejoinable && this.ticks % HELLO_INTERVAL_TICKS === 0) this.helloAbsent();
    let rollbackDepth = 0;
    const resync = this.pendingResync;
    if (resync && resync.frame <= this.currentFrame) {
      // Load the authority's snapshot at its frame and re-simulate from there (this covers any rollback).
      this.pendingResync = undefined;
      rollbackDepth = this.currentFrame - resync.frame;
      this.rollback(resync.frame, resync.snapshot);
      this.counters.resyncsLoaded++;
      this.events.emit('resync', { frame: resync.frame, from: resync.from, bytes: resync.snapshot.length });
    } else if (firstIncorrect < this.currentFrame) {
      rollbackDepth = this.currentFrame - firstIncorrect;
      this.rollback(firstIncorrect);
    }
    // An agreed pause below the present: rewind to it (a rollback that stops there).
    const stop = this.pauses.stopFrame();
    if (stop < this.currentFrame && stop > this.confirmed) {
      rollbackDepth = Math.max(rollbackDepth, this.currentFrame - stop);
      this.rollback(stop, undefined, stop);
    }
    const atEnd = this.currentFrame >= this.end;
    const betweenRounds = !atEnd && this.heldBetweenRounds(stop);
    const paused = !atEnd && (this.currentFrame >= stop || betweenRounds);
    const stalled = !atEnd && !paused && this.currentFrame - (this.confirmed + 1) >= this.maxPrediction;
    if (!atEnd && !stalled && !paused) this.addLocalInput();
    this.sendInputs();
    this.sendPauseMessages();
    this.sendPresenceMessages();
    let advanced = false;
    if (paused) this.counters.pausedTicks++;
    else if (stalled) {
      this.counters.stalls++;
      if (this.events.has('stall')) this.events.emit('stall', { frame: this.currentFrame, confirmedFrame: this.confirmed });
    } else if (!atEnd) {
      this.simulateFrame(this.currentFrame, true);
      this.currentFrame++;
      advanced = true;
    }
    const confirmedBefore = this.confirmed;
    this.advanceConfirmed();
    if (this.catchingUp) this.catchUp();
    if (this.resyncWanted) this.sendResync();
    if (this.trace) this.trace({ name: 'tick', start: t0, end: this.clock(), frame: tickFrame });
    return { advanced, stalled, paused, rollbackDepth, confirmedAdvanced: this.confirmed > confirmedBefore };
  }

  /**
   * A fresh copy of the newest confirmed game state (the state at the start
   * of `confirmedFrame + 1`), for UIs that only show confirmed frames.
   */
  confirmedState(): { frame: number; state: S } {
    const frame = this.confirmed + 1;
    return { frame, state: this.game.load(this.snapshotAt(frame).subarray(SNAPSHOT_HEADER_BYTES)) };
  }

  /** Hash of the newest confirmed state (the state at the start of `confirmedFrame + 1`). */
  confirmedStateHash(): { frame: number; hash: number } {
    const frame = this.confirmed + 1;
    return { frame, hash: xxh32(this.snapshotAt(frame)) };
  }

  /**
   * Confirmed inputs of every player for frames `from..` (at most
   * `maxFrames`, never past `confirmedFrame`), frame-major: what spectators
   * replay. Empty (`frameCount` 0) when `from` is not confirmed yet.
   */
  confirmedInputs(from: number, maxFrames: number): { startFrame: number; frameCount: number; inputs: Uint8Array } {
    const start = Math.max(0, Math.floor(from));
    const count = Math.max(0, Math.min(Math.floor(maxFrames), this.confirmed - start + 1));
    const size = this.game.inputSize;
    const inputs = new Uint8Array(count * this.stride);
    for (let p = 0; p < this.players && count > 0; p++) {
      const src = this.queues[p]!.range(start, start + count - 1);
      for (let i = 0; i < count; i++) inputs.set(src.subarray(i * size, i * size + size), i * this.stride + p * size);
    }
    return { startFrame: start, frameCount: count, inputs };
  }

  /** A copy of the newest confirmed snapshot (the start state of `confirmedFrame + 1`), for a spectator to start from. */
  confirmedSnapshot(): { frame: number; snapshot: Uint8Array } {
    const frame = this.confirmed + 1;
    return { frame, snapshot: this.snapshotAt(frame).slice() };
  }

  /** The confirmed input log (frames 0..confirmedFrame), the departures in it, and what replay needs. */
  inputLog(): InputLog {
    const frames = this.confirmed + 1;
    const size = this.game.inputSize;
    const inputs = new Uint8Array(frames * this.stride);
    for (let p = 0; p < this.players; p++) {
      if (frames === 0) break;
      const src = this.queues[p]!.range(0, frames - 1);
      for (let f = 0; f < frames; f++) inputs.set(src.subarray(f * size, f * size + size), f * this.stride + p * size);
    }
    const departures: { player: number; frame: number }[] = [];
    for (let p = 0; p < this.players; p++) {
      const d = this.departures.get(p);
      if (d?.complete && !d.absent && d.frame! <= frames) departures.push({ player: p, frame: d.frame! });
    }
    const absences = this.rejoins.logged(frames);
    const pauses = this.pauses.log(frames);
    return { spec: this.game.spec, seed: this.seed, players: this.players, inputSize: size, frames, inputs, departures, absences, pauses };
  }

  /** The confirmed input log, serialized (see `input-log.ts`). */
  exportInputLog(): Uint8Array {
    return encodeInputLog(this.inputLog());
  }

  /** A snapshot of the engine's counters and per-link figures. */
  stats(): EngineStats {
    const peers: PeerStats[] = [];
    for (let p = 0; p < this.players; p++) {
      if (p === this.localPlayer) continue;
      const e = this.endpoints[p]!;
      const d = this.departures.get(p);
      peers.push({
        player: p,
        ack: e.ack,
        lastReceivedFrame: this.queues[p]!.lastFrame,
        rttMs: e.rttMs,
        frameAdvantage: this.timeSync.advantage(p),
        hashesUnacked: this.detector.outboxSize(p),
        hashesPending: this.detector.pendingSize(p),
        leftAtFrame: d?.complete && !d.absent ? d.frame! : null,
        absentFromFrame: d?.complete && d.absent ? d.frame! : null,
      });
    }
    return {
      ...this.counters,
      ...this.detector.counters,
      frame: this.currentFrame,
      confirmedFrame: this.confirmed,
      episode: this.sim.episode,
      inputDelay: this.delay,
      frameAdvantage: this.timeSync.aheadOfSlowest(),
      tickStretch: this.timeSync.stretch(),
      malformedByReason: { ...this.malformedByReason },
      peers,
    };
  }

  // ---------------------------------------------------------------- receive

  private drainInbox(): number {
    let firstIncorrect = Number.POSITIVE_INFINITY;
    const inbox = this.inbox;
    this.inbox = [];
    for (const { peer, bytes, reliable } of inbox) {
      if (!Number.isInteger(peer) || peer < 0 || peer >= this.players || peer === this.localPlayer) {
        this.malformed(peer, 'bad-peer', `no remote peer ${peer}`);
        continue;
      }
      this.counters.packetsReceived++;
      this.counters.bytesReceived += bytes.length;
      const result = decode(bytes);
      if (!result.ok) {
        this.malformed(peer, result.code, result.detail);
        continue;
      }
      const msg = result.message;
      if (msg.tag !== this.sessionTag) {
        this.malformed(peer, 'stale-session', `session tag ${msg.tag}, this session is ${this.sessionTag}`);
        continue;
      }
      if (reliable && msg.type === MessageType.Hello) {
        this.onHello(peer, msg);
        continue;
      }
      if (reliable && msg.type === MessageType.Transfer) {
        this.onTransferChunk(peer, msg);
        continue;
      }
      if (this.joiningNow) {
        this.counters.packetsWhileJoining++; // no state to apply them to yet
        continue;
      }
      if (msg.type === MessageType.Resync && reliable) {
        this.onResyncChunk(peer, msg);
        continue;
      }
      if (msg.type === MessageType.Pause && reliable) {
        this.onPauseMessage(peer, msg);
        continue;
      }
      if (msg.type === MessageType.Presence && reliable) {
        this.onPresenceMessage(peer, msg);
        continue;
      }
      if (msg.type !== MessageType.Input || reliable) {
        this.malformed(peer, 'unexpected-type', `message type ${msg.type} is not handled on the ${reliable ? 'reliable' : 'unreliable'} channel`);
        continue;
      }
      if (this.departures.get(peer)) {
        this.malformed(peer, 'departed', `player ${peer} left the session`);
        continue;
      }
      firstIncorrect = Math.min(firstIncorrect, this.onInput(peer, msg));
    }
    return firstIncorrect;
  }

  /** Check and take an Input packet; returns the earliest frame whose prediction was wrong. */
  private onInput(peer: number, msg: InputMessage): number {
    const never = Number.POSITIVE_INFINITY;
    if (msg.inputSize !== this.game.inputSize) {
      this.malformed(peer, 'input-size', `inputs of ${msg.inputSize} bytes, the game takes ${this.game.inputSize}`);
      return never;
    }
    const lastCarried = msg.startFrame + msg.frameCount - 1;
    const window = this.currentFrame + this.frameWindow;
    if (lastCarried > window) {
      this.malformed(peer, 'frame-window', `inputs up to frame ${lastCarried}, past frame ${window}`);
      return never;
    }
    if (msg.players.length !== 1) {
      this.malformed(peer, 'foreign-player', `peer ${peer} sent inputs of players [${msg.players.join(',')}]`);
      return never;
    }
    const carried = msg.players[0]!;
    if (carried !== peer) return this.onRelay(peer, carried, msg);
    const ownLast = this.queues[this.localPlayer]!.lastFrame;
    if (msg.ack > ownLast) {
      this.malformed(peer, 'bad-ack', `ack ${msg.ack} is past our last input ${ownLast}`);
      return never;
    }
    if (msg.senderFrame > window) {
      this.malformed(peer, 'bad-sender-frame', `sender frame ${msg.senderFrame} is past frame ${window}`);
      return never;
    }
    const fresh = this.rejoins.awaitingFresh.get(peer);
    if (fresh !== undefined) {
      // A returned player's packets count once one shows it loaded the transfer (it carries its own return notice):
      // its old page's packets, still in flight, must not move our ack of it.
      if (!msg.returns?.some((r) => r.player === peer && r.frame === fresh)) {
        this.malformed(peer, 'departed', `player ${peer} returns at frame ${fresh}: a packet of its earlier connection`);
        return never;
      }
      this.rejoins.awaitingFresh.delete(peer);
    }
    const endpoint = this.endpoints[peer]!;
    this.heardAt[peer] = this.ticks;
    endpoint.takeAck(msg.ack);
    if (endpoint.takeReportedFrame(msg.senderFrame)) {
      const rttFrames = endpoint.rttMs / this.tickMs;
      this.timeSync.sample(peer, this.currentFrame - (msg.senderFrame + rttFrames / 2));
    }
    if (msg.ping !== undefined) endpoint.pongDue = msg.ping;
    if (msg.pong !== undefined) this.onPong(peer, msg.pong);
    if (msg.hashAcks) this.detector.onAcks(peer, msg.hashAcks);
    if (msg.hash) this.detector.onRemote(peer, msg.hash);
    if (msg.leaves) for (const n of msg.leaves) this.onLeaveNotice(peer, n);
    if (msg.returns) for (const n of msg.returns) this.onReturnNotice(peer, n);
    return this.takeInputs(peer, msg, this.queues[peer]!.lastFrame + msg.frameCount);
  }

  /** Inputs of departed player `player`, relayed by `peer` during the departure agreement. */
  private onRelay(peer: number, player: number, msg: InputMessage): number {
    const d = this.departures.get(player);
    if (!d || d.complete || player === this.localPlayer) {
      this.malformed(peer, 'foreign-player', `peer ${peer} sent inputs of player ${player}`);
      return Number.POSITIVE_INFINITY;
    }
    const before = this.queues[player]!.lastFrame;
    const limit = d.frame !== undefined ? d.frame - 1 : this.departures.relayLimit(player);
    const firstIncorrect = this.takeInputs(player, msg, limit);
    const after = this.queues[player]!.lastFrame;
    if (after > before) {
      this.counters.inputsRelayed += after - before;
      this.departures.updateHeld(player, after, this.queues[this.localPlayer]!.lastFrame);
    }
    return firstIncorrect;
  }

  /** Append `msg`'s contiguous new inputs of `player` up to frame `limit`; returns the first mispredicted frame. */
  private takeInputs(player: number, msg: InputMessage, limit: number): number {
    const queue = this.queues[player]!;
    const size = this.game.inputSize;
    let firstIncorrect = Number.POSITIVE_INFINITY;
    for (let i = 0; i < msg.frameCount; i++) {
      const f = msg.startFrame + i;
      if (f <= queue.lastFrame) {
        this.counters.inputsDuplicate++;
        continue;
      }
      if (f > queue.lastFrame + 1 || f > limit) break; // a gap: the sender resends from our ack
      const input = msg.inputs.subarray(i * size, i * size + size);
      queue.append(input);
      this.counters.inputsReceived++;
      if (f < this.currentFrame && firstIncorrect === Number.POSITIVE_INFINITY && !this.usedEquals(f, player, input)) {
        firstIncorrect = f;
      }
    }
    return firstIncorrect;
  }

  private usedEquals(frame: number, player: number, input: Uint8Array): boolean {
    const size = this.game.inputSize;
    const off = (frame % this.ring.capacity) * this.stride + player * size;
    for (let b = 0; b < size; b++) if (this.used[off + b] !== input[b]) return false;
    return true;
  }

  private onPong(peer: number, id: number): void {
    const now = Math.round(this.clock() * 10) >>> 0;
    const ms = ((now - id) >>> 0) / 10;
    if (ms > 60_000) return; // not ours, or absurdly old
    this.endpoints[peer]!.recordRtt(ms);
    if (this.events.has('rtt')) this.events.emit('rtt', { peer, ms });
  }

  private malformed(peer: number, reason: MalformedReason, detail: string): void {
    this.counters.malformed++;
    this.malformedByReason[reason] = (this.malformedByReason[reason] ?? 0) + 1;
    if (this.events.has('malformed')) this.events.emit('malformed', { peer, reason, detail });
  }

  // ---------------------------------------------------------------- resync

  /** The lowest-index remaining player is the resync authority. */
  private resyncAuthority(): number {
    return this.departures.remaining()[0] ?? this.localPlayer;
  }

  /** As the authority: send the newest confirmed snapshot to every remaining peer, to load at its frame. */
  private sendResync(): void {
    this.resyncWanted = false;
    if (this.resyncAuthority() !== this.localPlayer || !this.sendReliable) return;
    const frame = this.confirmed + 1;
    if (frame <= this.lastResyncFrame) return;
    const snapshot = this.snapshotAt(frame).slice();
    this.lastResyncFrame = frame;
    const chunks = resyncChunks(this.sessionTag, ++this.resyncId, frame, snapshot).map((m) => encode(m));
    for (const p of this.departures.remaining()) {
      if (p === this.localPlayer) continue;
      for (const bytes of chunks) this.sendReliable(p, bytes);
    }
    this.counters.resyncsSent++;
    this.events.emit('resync', { frame, from: this.localPlayer, bytes: snapshot.length });
  }

  private onResyncChunk(peer: number, msg: ResyncMessage): void {
    if (this.desyncPolicy !== 'resync' || peer !== this.resyncAuthority()) {
      this.malformed(peer, 'unexpected-type', `a resync from peer ${peer}, which is not the resync authority`);
      return;
    }
    const step = this.assembler.take(msg);
    if (step.kind === 'bad') this.malformed(peer, 'bad-resync', step.detail);
    else if (step.kind === 'complete') {
      if (step.frame <= this.lastResyncFrame) return; // stale: a later snapshot was loaded already
      this.lastResyncFrame = step.frame;
      this.pendingResync = { frame: step.frame, snapshot: step.snapshot, from: peer };
    }
  }

  // ---------------------------------------------------------------- pauses

  /** Bitmask of the players not leaving (this one included). */
  private remainingMask(): number {
    let mask = 0;
    for (const p of this.departures.remaining()) mask |= 1 << p;
    return mask;
  }

  /** A pause message from `peer` (a new pause takes effect at the tick's rewind and stall checks). */
  private onPauseMessage(peer: number, msg: PauseMessage): void {
    if (this.departures.get(peer)) {
      this.malformed(peer, 'departed', `player ${peer} left the session`);
      return;
    }
    const window = this.currentFrame + this.frameWindow;
    const update = this.pauses.onMessage(peer, msg, { confirmed: this.confirmed, window, held: this.queues[peer]!.lastFrame });
    if (update.kind === 'bad') this.malformed(peer, 'bad-pause', update.detail);
    else if (update.kind === 'new') {
      if (update.record.final && update.record.frame < this.end) this.end = update.record.frame;
      this.events.emit('pause', update.record);
    } else if (update.kind === 'resumed') this.events.emit('resume', update.record);
  }

  /** A presence message from `peer`. */
  private onPresenceMessage(peer: number, msg: PresenceMessage): void {
    if (this.departures.get(peer)) {
      this.malformed(peer, 'departed', `player ${peer} left the session`);
      return;
    }
    const change = this.presence.onMessage(peer, msg, this.clock());
    if (change) this.events.emit('presence', change);
  }

  private sendPresenceMessages(): void {
    if (!this.sendReliable) return;
    for (const { peer, message } of this.presence.outgoing(this.ticks, this.remainingMask())) {
      if (this.departures.get(peer)) continue;
      this.sendReliable(peer, encode(message));
    }
  }

  /** `pauseOnPeerHidden` and `focusLossTimeoutMs` for this peer's page (`absence.ts`). */
  private applyAbsencePolicy(): void {
    const a = this.absence;
    if (!a.pauseOnPeerHidden && a.focusLossTimeoutMs === 0) return;
    const me = this.localPlayer;
    a.step(this.presence.isFocused(me), this.presence.localHiddenMs(this.clock()), {
      pause: (reason, final) => {
        try {
          return this.pause(reason, { final }).id;
        } catch {
          return undefined; // the pause budget is used up: play on
        }
      },
      resume: (id) => void this.resume(id),
    });
  }

  /**
   * Rounds (`rounds.ts`): hold at an episode start that is not confirmed
   * yet, and for the countdown at a confirmed one.
   */
  private heldBetweenRounds(stop: number): boolean {
    const r = this.rounds;
    if (!r.holdsAtBoundaries) return false;
    const f = this.currentFrame;
    if (f > 0 && this.sim.episodeStart === f && this.confirmed < f - 1) return true;
    const gateOpen = stop === Number.POSITIVE_INFINITY && this.presence.allFocused(this.remainingMask());
    const { held, changed } = r.tick(f, gateOpen);
    if (changed) this.events.emit('countdown', changed);
    return held;
  }

  /** Resume our pauses every remaining peer acknowledged. */
  private settlePauses(): void {
    for (const record of this.pauses.settle(this.remainingMask())) this.events.emit('resume', record);
  }

  private sendPauseMessages(): void {
    if (!this.sendReliable) return;
    for (const { peer, message } of this.pauses.outgoing(this.ticks, this.remainingMask())) {
      if (this.departures.get(peer)) continue;
      this.sendReliable(peer, encode(message));
    }
  }

  // ---------------------------------------------------------------- departures

  private beginDeparture(player: number, absent = false): boolean {
    const held = player >= 0 && player < this.players ? this.queues[player]!.lastFrame : -1;
    if (!this.departures.begin(player, held, this.queues[this.localPlayer]!.lastFrame, absent)) return false;
    this.detector.dropPeer(player);
    this.timeSync.drop(player);
    return true;
  }

  private onLeaveNotice(from: number, n: LeaveNotice): void {
    if (n.player === this.localPlayer || n.player >= this.players) return;
    if (!this.departures.get(n.player)) {
      if (this.ticks - this.heardAt[n.player]! < NOTICE_SILENCE_TICKS) {
        this.counters.noticesIgnored++;
        return;
      }
      this.beginDeparture(n.player, this.rejoinable);
    }
    this.departures.onNotice(from, n);
  }

  /** Agree departure frames and finish departures; returns the first frame whose used input must change. */
  private settleDepartures(): number {
    let firstIncorrect = Number.POSITIVE_INFINITY;
    this.departures.agree();
    for (const d of this.departures.settle((p) => this.queues[p]!.lastFrame)) {
      const D = d.frame!;
      const neutral = this.neutral[d.player]!;
      const lowest = Math.max(D, this.confirmed + 1);
      for (let f = lowest; f < this.currentFrame; f++) {
        if (!this.usedEquals(f, d.player, neutral)) {
          firstIncorrect = Math.min(firstIncorrect, f);
          break;
        }
      }
      this.pauses.dropPlayer(d.player, D);
      if (!d.absent) this.finishLeave(d.player, D);
      else {
        this.rejoins.absent(d.player, D);
        this.events.emit('peer-absent', { player: d.player, frame: D, remaining: this.departures.remaining().length });
        this.pauseForAbsence(d.player);
        const J = this.rejoins.pendingReturns.get(d.player);
        if (J !== undefined) {
          this.rejoins.pendingReturns.delete(d.player);
          if (J > this.confirmed) this.applyReturn(d.player, J);
        }
      }
    }
    return firstIncorrect;
  }

  /** Player `player` left for good at `frame`: end the session below `minPlayers`, tell the host. */
  private finishLeave(player: number, frame: number): void {
    this.presence.drop(player);
    const remaining = this.departures.remaining().length;
    if (remaining < this.minPlayers && frame < this.end) this.end = Math.max(frame, this.confirmed + 1);
    this.events.emit('peer-left', { player, frame, remaining });
  }

  // ---------------------------------------------------------------- absence, return, late join (rejoin.ts)

  /** A joining engine's tick: take Hellos and transfer chunks, ask for a transfer now and then, load one. */
  private tickJoining(): TickResult {
    this.drainInbox();
    const t = this.pendingTransfer;
    if (t) {
      this.pendingTransfer = undefined;
      this.loadTransfer(t.state, t.from, t.bytes);
    } else if (this.joiningNow && this.ticks % HELLO_INTERVAL_TICKS === 1) {
      for (let p = 0; p < this.players; p++) if (p !== this.localPlayer) this.sendHello(p);
    }
    return { advanced: false, stalled: false, paused: false, rollbackDepth: 0, confirmedAdvanced: false };
  }

  /** Players this peer counts absent or gone (a joiner: everybody else). */
  private absentMask(): number {
    if (this.joiningNow) return 0xff & ~(1 << this.localPlayer) & ((1 << this.players) - 1);
    const out: number[] = [];
    for (let p = 0; p < this.players; p++) if (this.departures.get(p)) out.push(p);
    return maskOf(out);
  }

  private sendHello(peer: number): void {
    if (!this.sendReliable) return;
    const d = this.joiningNow ? undefined : this.departures.get(peer);
    const since = d ? Math.max(0, d.frozen[this.localPlayer]! + 1) : 0;
    this.sendReliable(peer, encode({ type: MessageType.Hello, tag: this.sessionTag, joining: this.joiningNow, absentMask: this.absentMask(), since }));
  }

  private onHello(peer: number, h: HelloMessage): void {
    if (!this.rejoinable && !this.joiningNow) {
      this.malformed(peer, 'unexpected-type', `a Hello from peer ${peer}, and this session takes no rejoins`);
      return;
    }
    if (this.joiningNow) return; // nothing to give; our own Hellos ask for a transfer
    const d = this.departures.get(peer);
    if (h.joining) {
      if (d && !d.absent) {
        this.malformed(peer, 'bad-return', `player ${peer} left the session for good`);
        return;
      }
      const J = this.rejoins.returnFrame(peer);
      const returning = !d && J !== undefined && this.queues[peer]!.lastFrame < J; // no real input since its return: asking again
      if (!d && !returning) this.beginDeparture(peer, true); // its old page is gone: agree where its input turns neutral
      this.rejoins.wanted.add(peer);
      return;
    }
    // A claim that we are absent from before the last state transfer between us was on its way while the transfer
    // was made (another path, a connection's backlog): the transfer settled it, so it changes nothing.
    if (h.absentMask & (1 << this.localPlayer) && h.since < this.syncedAt[peer]!) {
      this.counters.staleHellos++;
      return;
    }
    if (rejoinsAfterHello(this.localPlayer, peer, this.players, this.absentMask(), h.absentMask)) this.becomeJoining(peer);
  }

  /**
   * A Hello to every absent player now and then: nothing else goes to them,
   * and this is how the two sides of a cut hear from each other again.
   */
  private helloAbsent(): void {
    for (let p = 0; p < this.players; p++) if (this.departures.get(p)?.absent) this.sendHello(p);
  }

  /** Drop our live state (the other side of a cut played on) and ask for a transfer. */
  private becomeJoining(peer: number): void {
    this.joiningNow = true;
    this.catchingUp = false;
    this.pendingResync = undefined;
    this.resyncWanted = false;
    this.rejoins.clearInFlight();
    this.events.emit('rejoining', { peer, frame: this.currentFrame });
    for (let p = 0; p < this.players; p++) if (p !== this.localPlayer) this.sendHello(p);
  }

  private onTransferChunk(peer: number, msg: TransferMessage): void {
    if (!this.joiningNow) {
      this.malformed(peer, 'unexpected-type', `a state transfer from peer ${peer}, and this peer is not joining`);
      return;
    }
    let a = this.transferAssemblers.get(peer);
    if (!a) this.transferAssemblers.set(peer, (a = new ChunkAssembler(this.maxTransferBytes)));
    const step = a.take(msg);
    if (step.kind === 'bad') this.malformed(peer, 'bad-transfer', step.detail);
    if (step.kind !== 'complete') return;
    const r = decodeTransfer(step.bytes, { player: this.localPlayer, players: this.players, inputSize: this.game.inputSize });
    if (!r.ok) this.malformed(peer, 'bad-transfer', r.detail);
    else if (r.state.endFrame !== undefined && r.state.endFrame < r.state.frame) this.malformed(peer, 'bad-transfer', 'end frame before the snapshot');
    else this.pendingTransfer = { state: r.state, from: peer, bytes: step.bytes.length };
  }

  /** Continue from a state transfer: its snapshot, inputs, departures, absences; our own input neutral until its return frame. */
  private loadTransfer(t: TransferState, from: number, bytes: number): void {
    const F = t.frame;
    try {
      this.sim.load(t.snapshot);
    } catch (e) {
      this.malformed(from, 'bad-transfer', `the game could not load the snapshot: ${String(e)}`);
      return;
    }
    const size = this.game.inputSize;
    for (let p = 0; p < this.players; p++) {
      const q = new InputQueue(size, Math.max(1024, t.returnFrame + 64));
      for (let f = 0; f < F; f++) q.append(t.inputs.subarray((f * this.players + p) * size, (f * this.players + p + 1) * size));
      this.queues[p] = q;
      this.endpoints[p] = new PeerEndpoint(p);
      this.departures.clear(p);
      this.timeSync.drop(p);
      this.heardAt[p] = this.ticks;
      this.syncedAt[p] = Math.max(this.syncedAt[p]!, F);
    }
    for (const tail of t.tails) {
      const q = this.queues[tail.player]!;
      for (let i = 0; i < tail.inputs.length; i += size) q.append(tail.inputs.subarray(i, i + size));
    }
    for (const d of t.departures) this.departures.restore(d.player, d.frame, false);
    this.rejoins.history = t.absences.slice();
    this.pauses.restore(t.pauses);
    for (const a of t.absences) {
      if (a.to === undefined) this.departures.restore(a.player, a.from, true);
      else {
        const q = this.queues[a.player]!;
        while (q.lastFrame < a.to - 1) q.append(this.neutral[a.player]!);
      }
    }
    const own = this.queues[this.localPlayer]!;
    while (own.lastFrame < t.returnFrame - 1) own.append(this.neutral[this.localPlayer]!);
    this.ring.put(F, t.snapshot.slice());
    this.currentFrame = F;
    this.confirmed = F - 1;
    this.end = t.endFrame ?? Number.POSITIVE_INFINITY;
    this.episodes.restore(snapshotEpisode(t.snapshot), snapshotEpisodeStart(t.snapshot));
    this.finals.clear();
    this.detector.restart(F, (p) => this.departures.get(p) !== undefined);
    this.lastTickInput = this.zeroInput;
    this.lastResyncFrame = F - 1;
    this.transferAssemblers.clear();
    this.joiningNow = false;
    this.catchingUp = true;
    this.rejoins.clearInFlight();
    this.rejoins.announce(this.localPlayer, t.returnFrame); // tells the peers our packets are of the new connection
    this.counters.transfersLoaded++;
    let logChangedFrom = F;
    for (const a of t.absences) if (a.player === this.localPlayer) logChangedFrom = Math.min(F, a.from);
    this.events.emit('transfer', { direction: 'loaded', peer: from, frame: F, returnFrame: t.returnFrame, bytes, logChangedFrom });
  }

  /** Simulate confirmed frames without rendering until this peer reaches its peers' frame (bounded per tick). */
  private catchUp(): void {
    let live = -1;
    for (let p = 0; p < this.players; p++) {
      if (p !== this.localPlayer && !this.departures.get(p)) live = Math.max(live, this.endpoints[p]!.reportedFrame);
    }
    for (let n = 0; n < MAX_CATCHUP_FRAMES && this.currentFrame < live && this.currentFrame < this.end; n++) {
      if (this.confirmed < this.currentFrame - 1 || !this.inputsKnown(this.currentFrame)) return;
      this.simulateFrame(this.currentFrame, true);
      this.currentFrame++;
      this.counters.catchUpFrames++;
      this.advanceConfirmed();
    }
    if (live >= 0 && this.currentFrame >= live) this.catchingUp = false;
  }

  /** Every player's input of `frame` is known (or neutral for an absent one). */
  private inputsKnown(frame: number): boolean {
    for (let p = 0; p < this.players; p++) {
      const d = this.departures.get(p);
      if (d?.complete && frame >= d.frame!) continue;
      if (this.queues[p]!.lastFrame < frame) return false;
    }
    return true;
  }

  /** Policy `pause`, as the authority: hold every peer while `player` is absent. */
  private pauseForAbsence(player: number): void {
    if (this.onAbsent !== 'pause' || this.departures.remaining()[0] !== this.localPlayer || this.absencePauses.has(player)) return;
    const frame = this.queues[this.localPlayer]!.lastFrame + 1;
    const record = this.pauses.request('absent', false, frame);
    if (!record) return; // pause budget used up: the others play on with its neutral input
    this.absencePauses.set(player, record.id);
    this.events.emit('pause', record);
  }

  /** The absence pause for `player` (ours) is over: it returned or left for good. */
  private endAbsencePause(player: number): void {
    const id = this.absencePauses.get(player);
    if (id === undefined) return;
    this.absencePauses.delete(player);
    this.pauses.resume(id);
  }

  /** As the authority: give wanted players their seat back once their absence is agreed. */
  private startReturns(): void {
    for (const x of this.rejoins.wanted) {
      const d = this.departures.get(x);
      if (!d) {
        this.resendTransfer(x);
        continue;
      }
      if (!d.absent) {
        this.rejoins.wanted.delete(x);
        continue;
      }
      if (!d.complete || this.departures.remaining()[0] !== this.localPlayer) continue;
      this.rejoins.wanted.delete(x);
      const held = this.absencePauses.get(x);
      // Held by our pause: the returning player's inputs count from the pause frame (no lead while nobody plays).
      const J = Math.max(this.queues[this.localPlayer]!.lastFrame, this.confirmed) + 1 + (held !== undefined ? 0 : this.rejoinLead);
      this.applyReturn(x, J);
      this.rejoins.announce(x, J);
      this.sendTransfer(x, J);
      this.endAbsencePause(x);
    }
  }

  /** A joiner asked again while its return is under way here: resend the transfer (rate-limited), if its return frame is still ahead. */
  private resendTransfer(x: number): void {
    this.rejoins.wanted.delete(x);
    const J = this.rejoins.returnFrame(x);
    if (J === undefined || J <= this.confirmed || this.departures.remaining()[0] !== this.localPlayer) return;
    if (this.ticks - (this.rejoins.lastTransferTick.get(x) ?? -Infinity) < TRANSFER_RESEND_TICKS) return;
    this.sendTransfer(x, J);
  }

  /** Player `x` plays again from frame `J`: neutral input through J − 1, its packets and hashes count again. */
  private applyReturn(x: number, J: number): void {
    const q = this.queues[x]!;
    while (q.lastFrame < J - 1) q.append(this.neutral[x]!);
    this.departures.clear(x);
    this.rejoins.returned(x, J);
    this.endpoints[x] = new PeerEndpoint(x);
    this.detector.restorePeer(x);
    this.timeSync.drop(x);
    this.heardAt[x] = this.ticks;
    this.rejoins.awaitingFresh.set(x, J);
    this.events.emit('peer-returned', { player: x, frame: J });
  }

  /** Send `x` our confirmed state, every input before it, the absences, and its return frame `J`. */
  private sendTransfer(x: number, J: number): void {
    if (!this.sendReliable) return;
    const F = this.confirmed + 1;
    this.syncedAt[x] = Math.max(this.syncedAt[x]!, F);
    const stride = this.stride;
    const size = this.game.inputSize;
    const inputs = new Uint8Array(F * stride);
    for (let p = 0; p < this.players; p++) {
      if (F === 0) break;
      const src = this.queues[p]!.range(0, F - 1);
      for (let f = 0; f < F; f++) inputs.set(src.subarray(f * size, f * size + size), f * stride + p * size);
    }
    const departures: { player: number; frame: number }[] = [];
    const tails: { player: number; inputs: Uint8Array }[] = [];
    for (let p = 0; p < this.players; p++) {
      const d = this.departures.get(p);
      if (d?.complete && !d.absent) departures.push({ player: p, frame: d.frame! });
      const q = this.queues[p]!;
      if ((p === x || d?.complete) && q.lastFrame >= F) tails.push({ player: p, inputs: q.range(F, Math.min(q.lastFrame, F + MAX_TAIL_FRAMES - 1)) });
    }
    const payload = encodeTransfer({
      player: x,
      players: this.players,
      inputSize: size,
      frame: F,
      returnFrame: J,
      endFrame: this.end === Number.POSITIVE_INFINITY ? undefined : this.end,
      departures,
      absences: this.rejoins.history,
      snapshot: this.snapshotAt(F),
      inputs,
      tails,
      pauses: this.pauses.all(),
    });
    for (const c of splitChunks(++this.transferId, F, payload)) {
      this.sendReliable(x, encode({ type: MessageType.Transfer, tag: this.sessionTag, ...c }));
    }
    this.rejoins.lastTransferTick.set(x, this.ticks);
    this.counters.transfersSent++;
    this.events.emit('transfer', { direction: 'sent', peer: x, frame: F, returnFrame: J, bytes: payload.length });
  }

  private onReturnNotice(from: number, n: ReturnNotice): void {
    if (n.player === this.localPlayer || n.player >= this.players || from === n.player) return; // a returner's own notice: see onInput
    const d = this.departures.get(n.player);
    if (!d) return; // returned here already (the notice repeats until acked)
    if (!d.absent || from !== this.departures.remaining()[0] || n.frame <= this.confirmed) {
      this.malformed(from, 'bad-return', `return of player ${n.player} at frame ${n.frame} from peer ${from}`);
      return;
    }
    if (d.complete) this.applyReturn(n.player, n.frame);
    else this.rejoins.pendingReturns.set(n.player, n.frame);
  }

  // ---------------------------------------------------------------- simulate

  /** Fill `frameInputs` for `frame`: real inputs where known, neutral after a departure, predictions elsewhere. */
  private gatherInputs(frame: number): Uint8Array {
    const size = this.game.inputSize;
    for (let p = 0; p < this.players; p++) {
      const q = this.queues[p]!;
      let input: Uint8Array;
      if (frame <= q.lastFrame) input = q.get(frame);
      else {
        const d = this.departures.get(p);
        if (d?.complete && frame >= d.frame!) input = this.neutral[p]!;
        else {
          const last = q.lastFrame >= 0 ? q.get(q.lastFrame) : this.zeroInput;
          input = this.game.predict ? this.game.predict(last, frame, p) : last;
        }
      }
      this.frameInputs.set(input, p * size);
    }
    return this.frameInputs;
  }

  /** Save the snapshot of `frame` (optional), then step it with gathered inputs. */
  private simulateFrame(frame: number, save: boolean): void {
    const trace = this.detailed;
    if (save) {
      const t0 = trace ? this.clock() : 0;
      this.ring.put(frame, this.sim.save(this.ring.reusable(frame)));
      if (trace) trace({ name: 'save', start: t0, end: this.clock(), frame });
    }
    const inputs = this.gatherInputs(frame);
    this.used.set(inputs, (frame % this.ring.capacity) * this.stride);
    const t1 = trace ? this.clock() : 0;
    this.sim.step(inputs, frame);
    if (trace) trace({ name: 'step', start: t1, end: this.clock(), frame });
  }

  /**
   * Load the snapshot of `to` (the ring's, or `loaded` from a resync) and
   * re-simulate up to `until` (default: the current frame), which becomes
   * the current frame (below it for a rewind to an agreed pause).
   */
  private rollback(to: number, loaded?: Uint8Array, until = this.currentFrame): void {
    const snapshot = loaded ?? this.ring.get(to);
    if (!snapshot) throw new Error(`internal: snapshot of frame ${to} is gone (frame ${this.currentFrame})`);
    if (loaded) this.ring.put(to, loaded.slice());
    const depth = this.currentFrame - to;
    const start = this.clock();
    this.sim.load(snapshot);
    const loadedAt = this.detailed ? this.clock() : 0;
    if (this.detailed) this.detailed({ name: 'load', start, end: loadedAt, frame: to });
    for (const f of this.finals.keys()) if (f > to) this.finals.delete(f);
    for (let f = to; f < until; f++) {
      this.simulateFrame(f, f !== to);
      // Never run into an episode that is not confirmed when rounds hold there (`rounds.ts`).
      if (this.rounds.holdsAtBoundaries && this.sim.episodeStart === f + 1 && f + 1 < until) until = f + 1;
    }
    this.currentFrame = until;
    const end = this.clock();
    if (this.detailed) this.detailed({ name: 'resimulate', start: loadedAt, end, frame: to, depth });
    if (this.trace) this.trace({ name: 'rollback', start, end, frame: to, depth });
    const ms = end - start;
    this.counters.rollbacks++;
    this.counters.rollbackFrames += depth;
    this.counters.rollbackMs += ms;
    if (depth > this.counters.maxRollback) this.counters.maxRollback = depth;
    if (this.events.has('rollback')) this.events.emit('rollback', { frame: to, depth, ms });
  }

  // ---------------------------------------------------------------- send

  /** Add this tick's local input at frame + delay, by the input-delay rule (`input-delay.ts`). */
  private addLocalInput(): void {
    const previous = this.lastTickInput;
    this.lastTickInput = this.localInput;
    const last = Math.min(this.end - 1, this.pauses.inputLimit());
    addLocalInput(this.queues[this.localPlayer]!, this.localInput, previous, this.currentFrame, this.delay, last);
  }

  private sendInputs(): void {
    const queue = this.queues[this.localPlayer]!;
    const last = queue.lastFrame;
    if (last < 0) return;
    const size = this.game.inputSize;
    const ping =
      this.pingIntervalTicks > 0 && this.ticks % this.pingIntervalTicks === 1 % this.pingIntervalTicks
        ? Math.round(this.clock() * 10) >>> 0
        : undefined;
    const departing = this.departures.pending || this.departures.remaining().length < this.players;
    for (let p = 0; p < this.players; p++) {
      if (p === this.localPlayer || this.departures.get(p)) continue;
      const endpoint = this.endpoints[p]!;
      const returns = this.rejoins.noticesFor(p, endpoint.ack, (x) =>
        x < this.players && x !== this.localPlayer && !this.departures.get(x) ? this.endpoints[x]!.ack : undefined,
      );
      const { start, count } = endpoint.nextRange(last, this.minRedundancy, this.maxPacketFrames);
      const end = start + count - 1;
      const pong = endpoint.pongDue;
      endpoint.pongDue = undefined;
      const bytes = encodeInput({
        tag: this.sessionTag,
        startFrame: start,
        frameCount: count,
        players: [this.localPlayer],
        inputSize: size,
        ack: this.queues[p]!.lastFrame,
        senderFrame: this.currentFrame,
        inputs: queue.range(start, end),
        ping,
        pong,
        hash: this.detector.nextSample(p),
        hashAcks: this.detector.takeAcks(p),
        leaves: departing ? this.departures.noticesFor(p, endpoint.ack) : undefined,
        returns,
      });
      const fresh = endpoint.noteSent(start, end);
      this.counters.inputsSent += fresh;
      this.counters.inputsResent += count - fresh;
      this.emitPacket(p, bytes);
      if (departing) this.sendRelays(p);
    }
  }

  /** Relay the inputs of departed players that peer `to` lacks (only during a departure). */
  private sendRelays(to: number): void {
    for (let x = 0; x < this.players; x++) {
      const range = this.departures.relayFor(to, x);
      if (!range) continue;
      const count = Math.min(range.to - range.from + 1, this.maxPacketFrames);
      this.emitPacket(
        to,
        encodeInput({
          tag: this.sessionTag,
          startFrame: range.from,
          frameCount: count,
          players: [x],
          inputSize: this.game.inputSize,
          ack: this.queues[to]!.lastFrame,
          senderFrame: this.currentFrame,
          inputs: this.queues[x]!.range(range.from, range.from + count - 1),
        }),
      );
    }
  }

  private emitPacket(peer: number, bytes: Uint8Array): void {
    this.counters.packetsSent++;
    this.counters.bytesSent += bytes.length;
    this.sendPacket(peer, bytes);
  }

  // ---------------------------------------------------------------- confirm

  private advanceConfirmed(): void {
    let c = Math.min(this.currentFrame - 1, this.end - 1);
    for (let p = 0; p < this.players; p++) {
      if (this.departures.get(p)?.complete) continue;
      const last = this.queues[p]!.lastFrame;
      if (last < c) c = last;
    }
    if (c <= this.confirmed) return;
    for (let p = 0; p < this.players; p++) {
      if (!this.departures.get(p)?.complete) continue;
      const q = this.queues[p]!;
      while (q.lastFrame < c) q.append(this.neutral[p]!);
    }
    const from = this.confirmed;
    this.confirmed = c;
    // The newly confirmed start states are those of frames from + 2 .. c + 1.
    for (let f = from + 2; f <= c + 1; f++) this.confirmStart(f);
  }

  /** The start state of `frame` is now confirmed: report an episode boundary, take a hash sample. */
  private confirmStart(frame: number): void {
    const bytes = frame === this.currentFrame ? undefined : this.ring.get(frame);
    const episode = bytes ? snapshotEpisode(bytes) : this.sim.episode;
    const ended = this.episodes.observe(frame, episode);
    if (ended) {
      this.events.emit('episode', ended);
      const last = this.rounds.onEpisodeEnd(ended.episode, ended.nextStartFrame);
      if (last !== undefined && last < this.end) this.end = last;
    }
    const final = this.finals.get(frame);
    if (final) this.finals.delete(frame);
    const episodeStart = bytes ? snapshotEpisodeStart(bytes) === frame : this.sim.episodeStart === frame;
    if (!isSampleFrame(frame, this.hashInterval, episodeStart && frame > 0, this.end)) return;
    const t0 = this.detailed ? this.clock() : 0;
    const sampled = final ?? this.snapshotAt(frame);
    const hash = xxh32(sampled);
    if (this.detailed) this.detailed({ name: 'hash', start: t0, end: this.clock(), frame });
    this.detector.record(frame, hash, final ?? sampled.slice());
    this.events.emit('hash', { frame, hash });
  }

  /** Snapshot bytes of the start state of `frame` (the live state's when it is the current frame). */
  private snapshotAt(frame: number): Uint8Array {
    const bytes = frame === this.currentFrame ? this.sim.save() : this.ring.get(frame);
    if (!bytes) throw new Error(`internal: snapshot of frame ${frame} is gone`);
    return bytes;
  }
}
