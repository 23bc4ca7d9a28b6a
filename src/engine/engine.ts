/**
 * The rollback engine for one peer of an N-player full mesh (GGPO-style).
 *
 * Transport-agnostic: packets come in through `receive(peer, bytes)` (which
 * only queues them) and leave through the `send` callback. The host calls
 * `tick()` at its fixed rate (stretched by `tickInterval()` for time sync).
 * Peer index = player index: peer `p` sends player `p`'s inputs.
 */
import { decode, encode, encodeInput, MAX_FRAMES_PER_PACKET, INPUT_HEADER_BYTES } from '../protocol/codec.ts';
import { type InputMessage, MessageType, NO_ACK } from '../protocol/messages.ts';
import { Emitter } from './events.ts';
import { type Game, MAX_INPUT_SIZE, MAX_PLAYERS } from './game.ts';
import { xxh32 } from './hash.ts';
import { encodeInputLog, type InputLog } from './input-log.ts';
import { InputQueue } from './input-queue.ts';
import { Simulation, SNAPSHOT_HEADER_BYTES, snapshotEpisode } from './simulation.ts';
import { SnapshotRing } from './snapshot-ring.ts';
import { TimeSync, type TimeSyncOptions } from './time-sync.ts';
import type { EngineEvents, EngineStats, MalformedReason, PeerStats } from './types.ts';

/** Options of {@link Engine}. */
export interface EngineOptions<S> {
  game: Game<S>;
  /** Players in the session, 2..8 (1 is allowed for a local-only session). */
  players: number;
  /** This peer's player index. */
  localPlayer: number;
  /** Session seed (uint32); episode seeds derive from it. */
  seed: number;
  /** Sends one packet to a peer. Must not keep `bytes` past the call unless it copies or transfers them. */
  send: (peer: number, bytes: Uint8Array) => void;
  /** Frames between taking the local input and using it. Default 2. */
  inputDelay?: number;
  /** Frames the engine may run past the confirmed frame before stalling. Default 8. */
  maxPrediction?: number;
  /** Confirmed frames between state-hash exchanges (0 disables). Default 60. */
  hashInterval?: number;
  /** Nominal tick length in ms. Default 1000/60. */
  tickMs?: number;
  /** Monotonic clock in ms, used only for RTT and timings (never for simulation). Default: always 0. */
  clock?: () => number;
  /** Ticks between pings to each peer (0 disables). Default 30. */
  pingIntervalTicks?: number;
  /** Frame at which to stop simulating (the session's end). Default: never. */
  endFrame?: number;
  /** Fewest frames every input packet repeats. Default 3. */
  minRedundancy?: number;
  /** Largest input packet in bytes. Default 1100 (fits any DataChannel MTU). */
  maxPacketBytes?: number;
  /** Largest number of queued, undrained packets. Default 4096. */
  maxInbox?: number;
  timeSync?: TimeSyncOptions;
  /** Receives a timing span for every step, snapshot save/load, hash and rollback (for profilers). */
  trace?: (span: TraceSpan) => void;
}

/** What one `tick()` did. */
export interface TickResult {
  /** The frame advanced by one. */
  readonly advanced: boolean;
  /** The tick stalled (too far past the confirmed frame). */
  readonly stalled: boolean;
  /** Frames re-simulated by a rollback this tick (0 for none). */
  readonly rollbackDepth: number;
  /** The confirmed frame moved forward. */
  readonly confirmedAdvanced: boolean;
}

/** One timed piece of engine work, in `clock` milliseconds. */
export interface TraceSpan {
  readonly name: 'step' | 'save' | 'load' | 'hash' | 'rollback' | 'resimulate';
  readonly start: number;
  readonly end: number;
  /** The frame concerned (for rollback/resimulate: the frame rolled back to). */
  readonly frame: number;
  /** Frames re-simulated (rollback/resimulate only). */
  readonly depth?: number;
}

interface LocalHash {
  hash: number;
  snapshot: Uint8Array;
  checked: number; // bitmask of peers already compared
}

const HASH_RESENDS = 3;
const KEPT_HASHES = 16;
const RTT_WINDOW = 10;

function int(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${v}`);
  return v;
}

export class Engine<S> {
  readonly game: Game<S>;
  readonly players: number;
  readonly localPlayer: number;
  readonly seed: number;
  readonly maxPrediction: number;
  readonly hashInterval: number;
  readonly tickMs: number;
  readonly endFrame: number;

  private readonly sim: Simulation<S>;
  private readonly queues: InputQueue[];
  private readonly ring: SnapshotRing;
  private readonly used: Uint8Array; // inputs used per ring slot: capacity × players × inputSize
  private readonly stride: number;
  private readonly frameInputs: Uint8Array;
  private readonly zeroInput: Uint8Array;
  private readonly sendPacket: (peer: number, bytes: Uint8Array) => void;
  private readonly clock: () => number;
  private readonly events = new Emitter<EngineEvents>();
  private readonly timeSync: TimeSync;
  private readonly minRedundancy: number;
  private readonly maxPacketFrames: number;
  private readonly pingIntervalTicks: number;
  private readonly maxInbox: number;
  private readonly trace: ((span: TraceSpan) => void) | undefined;

  private inbox: { peer: number; bytes: Uint8Array }[] = [];
  private localInput: Uint8Array;
  private delay: number;
  private currentFrame = 0;
  private confirmed = -1;
  private ticks = 0;
  private nextHashFrame: number;
  private readonly localHashes = new Map<number, LocalHash>();
  private readonly remoteHashes = new Map<number, Map<number, number>>();
  private hashResend: { bytes: Uint8Array; left: number } | null = null;
  private readonly peerAck: Int32Array;
  private readonly lastSent: Int32Array;
  private readonly rttSamples: number[][];
  private readonly remoteReported: Int32Array;
  private reportedEpisode = 0;
  private reportedEpisodeStart = 0;

  private counters = {
    rollbacks: 0,
    maxRollback: 0,
    rollbackFrames: 0,
    rollbackMs: 0,
    stalls: 0,
    desyncs: 0,
    inputsSent: 0,
    inputsResent: 0,
    inputsReceived: 0,
    inputsDuplicate: 0,
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
    this.delay = int('inputDelay', options.inputDelay ?? 2, 0, 60);
    this.maxPrediction = int('maxPrediction', options.maxPrediction ?? 8, 1, 120);
    this.hashInterval = int('hashInterval', options.hashInterval ?? 60, 0, 1 << 20);
    this.endFrame = options.endFrame ?? Number.POSITIVE_INFINITY;
    if (this.endFrame !== Number.POSITIVE_INFINITY) int('endFrame', this.endFrame, 1, 0xffff_fff0);
    this.tickMs = options.tickMs ?? 1000 / 60;
    if (!(this.tickMs > 0)) throw new RangeError(`tickMs must be positive, got ${this.tickMs}`);
    this.minRedundancy = int('minRedundancy', options.minRedundancy ?? 3, 1, 64);
    this.pingIntervalTicks = int('pingIntervalTicks', options.pingIntervalTicks ?? 30, 0, 1 << 20);
    this.maxInbox = int('maxInbox', options.maxInbox ?? 4096, 16, 1 << 20);
    const maxPacketBytes = int('maxPacketBytes', options.maxPacketBytes ?? 1100, INPUT_HEADER_BYTES + 16 * 3, 65536);
    this.maxPacketFrames = Math.max(
      this.minRedundancy,
      Math.min(MAX_FRAMES_PER_PACKET, Math.floor((maxPacketBytes - INPUT_HEADER_BYTES) / game.inputSize)),
    );
    this.sendPacket = options.send;
    this.clock = options.clock ?? (() => 0);
    this.trace = options.trace;
    this.timeSync = new TimeSync(this.players, options.timeSync);

    this.sim = new Simulation(game, this.seed, this.players);
    this.queues = Array.from({ length: this.players }, () => new InputQueue(game.inputSize));
    const capacity = this.maxPrediction * 2 + 8;
    this.ring = new SnapshotRing(capacity);
    this.stride = this.players * game.inputSize;
    this.used = new Uint8Array(capacity * this.stride);
    this.frameInputs = new Uint8Array(this.stride);
    this.zeroInput = new Uint8Array(game.inputSize);
    this.localInput = new Uint8Array(game.inputSize);
    this.nextHashFrame = this.hashInterval > 0 ? this.hashInterval : Number.POSITIVE_INFINITY;
    this.peerAck = new Int32Array(this.players).fill(NO_ACK);
    this.lastSent = new Int32Array(this.players).fill(-1);
    this.remoteReported = new Int32Array(this.players).fill(-1);
    this.rttSamples = Array.from({ length: this.players }, () => []);
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

  get inputDelay(): number {
    return this.delay;
  }

  /** True once `endFrame` is reached and every frame before it is confirmed. */
  get finished(): boolean {
    return this.currentFrame >= this.endFrame && this.confirmed >= this.endFrame - 1;
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
    this.inbox.push({ peer, bytes });
  }

  /** Set the input used for the frames this peer adds from now on. */
  setLocalInput(input: Uint8Array): void {
    if (!(input instanceof Uint8Array) || input.length !== this.game.inputSize) {
      throw new RangeError(`local input must be a Uint8Array of ${this.game.inputSize} bytes`);
    }
    this.localInput = input.slice();
  }

  /** Change the input delay at runtime (takes effect on the next tick). */
  setInputDelay(frames: number): void {
    this.delay = int('inputDelay', frames, 0, 60);
  }

  /** How long the host should wait before the next tick, ms (time sync stretch applied). */
  tickInterval(): number {
    return this.tickMs * (1 + this.timeSync.stretch());
  }

  /**
   * Run one tick in DESIGN order: drain packets, roll back, time sync,
   * stall check, send local input, save + step, advance confirmed frame and
   * exchange hashes. Returns what the tick did.
   */
  tick(): TickResult {
    this.ticks++;
    const firstIncorrect = this.drainInbox();
    let rollbackDepth = 0;
    if (firstIncorrect < this.currentFrame) {
      rollbackDepth = this.currentFrame - firstIncorrect;
      this.rollback(firstIncorrect);
    }
    const atEnd = this.currentFrame >= this.endFrame;
    const stalled = !atEnd && this.currentFrame - (this.confirmed + 1) >= this.maxPrediction;
    if (!atEnd && !stalled) this.addLocalInput();
    this.sendInputs();
    this.sendPeriodic();
    let advanced = false;
    if (stalled) {
      this.counters.stalls++;
      if (this.events.has('stall')) this.events.emit('stall', { frame: this.currentFrame, confirmedFrame: this.confirmed });
    } else if (!atEnd) {
      this.simulateFrame(this.currentFrame, true);
      this.currentFrame++;
      advanced = true;
    }
    const confirmedBefore = this.confirmed;
    this.advanceConfirmed();
    return { advanced, stalled, rollbackDepth, confirmedAdvanced: this.confirmed > confirmedBefore };
  }

  /**
   * A fresh copy of the newest confirmed game state (the state at the start
   * of `confirmedFrame + 1`), for UIs that only show confirmed frames.
   */
  confirmedState(): { frame: number; state: S } {
    const frame = this.confirmed + 1;
    if (frame === this.currentFrame) return { frame, state: this.game.load(this.sim.save().subarray(SNAPSHOT_HEADER_BYTES)) };
    const bytes = this.ring.get(frame);
    if (!bytes) throw new Error(`snapshot of frame ${frame} is gone`);
    return { frame, state: this.game.load(bytes.subarray(SNAPSHOT_HEADER_BYTES)) };
  }

  /** Hash of the newest confirmed state (the state at the start of `confirmedFrame + 1`). */
  confirmedStateHash(): { frame: number; hash: number } {
    const frame = this.confirmed + 1;
    const bytes = frame === this.currentFrame ? this.sim.save() : this.ring.get(frame);
    if (!bytes) throw new Error(`snapshot of frame ${frame} is gone`);
    return { frame, hash: xxh32(bytes) };
  }

  /** The confirmed input log (frames 0..confirmedFrame) and what replay needs. */
  inputLog(): InputLog {
    const frames = this.confirmed + 1;
    const size = this.game.inputSize;
    const inputs = new Uint8Array(frames * this.stride);
    for (let p = 0; p < this.players; p++) {
      if (frames === 0) break;
      const src = this.queues[p]!.range(0, frames - 1);
      for (let f = 0; f < frames; f++) inputs.set(src.subarray(f * size, f * size + size), f * this.stride + p * size);
    }
    return { spec: this.game.spec, seed: this.seed, players: this.players, inputSize: size, frames, inputs };
  }

  /** The confirmed input log, serialized (see `input-log.ts`). */
  exportInputLog(): Uint8Array {
    return encodeInputLog(this.inputLog());
  }

  /** Send a one-off control packet (already encoded) to a peer. */
  sendRaw(peer: number, bytes: Uint8Array): void {
    this.emitPacket(peer, bytes);
  }

  stats(): EngineStats {
    const peers: PeerStats[] = [];
    for (let p = 0; p < this.players; p++) {
      if (p === this.localPlayer) continue;
      peers.push({
        player: p,
        ack: this.peerAck[p]!,
        lastReceivedFrame: this.queues[p]!.lastFrame,
        rttMs: this.rtt(p),
        frameAdvantage: this.timeSync.advantage(p),
      });
    }
    return {
      ...this.counters,
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
    for (const { peer, bytes } of inbox) {
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
      switch (msg.type) {
        case MessageType.Input:
          firstIncorrect = Math.min(firstIncorrect, this.onInput(peer, msg));
          break;
        case MessageType.Ping:
          this.emitPacket(peer, encode({ type: MessageType.Pong, id: msg.id }));
          break;
        case MessageType.Pong:
          this.onPong(peer, msg.id);
          break;
        case MessageType.StateHash:
          this.onRemoteHash(peer, msg.frame, msg.hash);
          break;
        default:
          this.malformed(peer, 'unexpected-type', `message type ${msg.type} is not handled by the engine`);
      }
    }
    return firstIncorrect;
  }

  /** Store a peer's inputs; returns the earliest frame whose prediction was wrong. */
  private onInput(peer: number, msg: InputMessage): number {
    if (msg.inputSize !== this.game.inputSize) {
      this.malformed(peer, 'input-size', `inputs of ${msg.inputSize} bytes, the game takes ${this.game.inputSize}`);
      return Number.POSITIVE_INFINITY;
    }
    if (msg.players.length !== 1 || msg.players[0] !== peer) {
      this.malformed(peer, 'foreign-player', `peer ${peer} sent inputs of players [${msg.players.join(',')}]`);
      return Number.POSITIVE_INFINITY;
    }
    const ownLast = this.queues[this.localPlayer]!.lastFrame;
    if (msg.ack > ownLast) {
      this.malformed(peer, 'bad-ack', `ack ${msg.ack} is past our last input ${ownLast}`);
      return Number.POSITIVE_INFINITY;
    }
    if (msg.ack > this.peerAck[peer]!) this.peerAck[peer] = msg.ack;
    if (msg.senderFrame > this.remoteReported[peer]!) {
      this.remoteReported[peer] = msg.senderFrame;
      const rttFrames = this.rtt(peer) / this.tickMs;
      this.timeSync.sample(peer, this.currentFrame - (msg.senderFrame + rttFrames / 2));
    }
    const queue = this.queues[peer]!;
    const size = this.game.inputSize;
    let firstIncorrect = Number.POSITIVE_INFINITY;
    for (let i = 0; i < msg.frameCount; i++) {
      const f = msg.startFrame + i;
      const input = msg.inputs.subarray(i * size, i * size + size);
      if (f <= queue.lastFrame) {
        this.counters.inputsDuplicate++;
        continue;
      }
      if (f > queue.lastFrame + 1) break; // a gap: the sender resends from our ack
      queue.append(input);
      this.counters.inputsReceived++;
      if (f < this.currentFrame && firstIncorrect === Number.POSITIVE_INFINITY) {
        const off = (f % this.ring.capacity) * this.stride + peer * size;
        for (let b = 0; b < size; b++) {
          if (this.used[off + b] !== input[b]) {
            firstIncorrect = f;
            break;
          }
        }
      }
    }
    return firstIncorrect;
  }

  private onPong(peer: number, id: number): void {
    const now = Math.round(this.clock() * 10) >>> 0;
    const ms = ((now - id) >>> 0) / 10;
    if (ms > 60_000) return; // not ours, or absurdly old
    const samples = this.rttSamples[peer]!;
    samples.push(ms);
    if (samples.length > RTT_WINDOW) samples.shift();
    if (this.events.has('rtt')) this.events.emit('rtt', { peer, ms });
  }

  private rtt(peer: number): number {
    const s = this.rttSamples[peer];
    if (!s || s.length === 0) return 0;
    let sum = 0;
    for (const v of s) sum += v;
    return sum / s.length;
  }

  private malformed(peer: number, reason: MalformedReason, detail: string): void {
    this.counters.malformed++;
    this.malformedByReason[reason] = (this.malformedByReason[reason] ?? 0) + 1;
    if (this.events.has('malformed')) this.events.emit('malformed', { peer, reason, detail });
  }

  // ---------------------------------------------------------------- simulate

  /** Fill `frameInputs` for `frame`: real inputs where known, predictions elsewhere. */
  private gatherInputs(frame: number): Uint8Array {
    const size = this.game.inputSize;
    for (let p = 0; p < this.players; p++) {
      const q = this.queues[p]!;
      let input: Uint8Array;
      if (frame <= q.lastFrame) input = q.get(frame);
      else {
        const last = q.lastFrame >= 0 ? q.get(q.lastFrame) : this.zeroInput;
        input = this.game.predict ? this.game.predict(last, frame, p) : last;
      }
      this.frameInputs.set(input, p * size);
    }
    return this.frameInputs;
  }

  /** Save the snapshot of `frame` (optional), then step it with gathered inputs. */
  private simulateFrame(frame: number, save: boolean): void {
    const trace = this.trace;
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

  private rollback(to: number): void {
    const snapshot = this.ring.get(to);
    if (!snapshot) throw new Error(`internal: snapshot of frame ${to} is gone (frame ${this.currentFrame})`);
    const depth = this.currentFrame - to;
    const start = this.clock();
    this.sim.load(snapshot);
    const loaded = this.trace ? this.clock() : 0;
    if (this.trace) this.trace({ name: 'load', start, end: loaded, frame: to });
    for (let f = to; f < this.currentFrame; f++) this.simulateFrame(f, f !== to);
    const end = this.clock();
    if (this.trace) {
      this.trace({ name: 'resimulate', start: loaded, end, frame: to, depth });
      this.trace({ name: 'rollback', start, end, frame: to, depth });
    }
    const ms = end - start;
    this.counters.rollbacks++;
    this.counters.rollbackFrames += depth;
    this.counters.rollbackMs += ms;
    if (depth > this.counters.maxRollback) this.counters.maxRollback = depth;
    if (this.events.has('rollback')) this.events.emit('rollback', { frame: to, depth, ms });
  }

  // ---------------------------------------------------------------- send

  private addLocalInput(): void {
    const queue = this.queues[this.localPlayer]!;
    const target = Math.min(this.currentFrame + this.delay, this.endFrame - 1);
    // After a delay decrease the target is already taken: this input is dropped.
    while (queue.lastFrame < target) queue.append(this.localInput);
  }

  private sendInputs(): void {
    const queue = this.queues[this.localPlayer]!;
    const last = queue.lastFrame;
    if (last < 0) return;
    const size = this.game.inputSize;
    for (let p = 0; p < this.players; p++) {
      if (p === this.localPlayer) continue;
      let start = Math.min(this.peerAck[p]! + 1, last - this.minRedundancy + 1);
      if (start < 0) start = 0;
      if (start > last) start = last;
      const count = Math.min(last - start + 1, this.maxPacketFrames);
      const end = start + count - 1;
      const bytes = encodeInput({
        startFrame: start,
        frameCount: count,
        players: [this.localPlayer],
        inputSize: size,
        ack: this.queues[p]!.lastFrame,
        senderFrame: this.currentFrame,
        inputs: queue.range(start, end),
      });
      const prev = this.lastSent[p]!;
      const fresh = Math.max(0, end - Math.max(prev, start - 1));
      this.counters.inputsSent += fresh;
      this.counters.inputsResent += count - fresh;
      if (end > prev) this.lastSent[p] = end;
      this.emitPacket(p, bytes);
    }
  }

  private sendPeriodic(): void {
    if (this.pingIntervalTicks > 0 && this.ticks % this.pingIntervalTicks === 1 % this.pingIntervalTicks) {
      const ping = encode({ type: MessageType.Ping, id: Math.round(this.clock() * 10) >>> 0 });
      this.broadcast(ping);
    }
    if (this.hashResend) {
      this.broadcast(this.hashResend.bytes);
      if (--this.hashResend.left <= 0) this.hashResend = null;
    }
  }

  private broadcast(bytes: Uint8Array): void {
    for (let p = 0; p < this.players; p++) if (p !== this.localPlayer) this.emitPacket(p, bytes);
  }

  private emitPacket(peer: number, bytes: Uint8Array): void {
    this.counters.packetsSent++;
    this.counters.bytesSent += bytes.length;
    this.sendPacket(peer, bytes);
  }

  // ---------------------------------------------------------------- confirm

  private advanceConfirmed(): void {
    let c = this.currentFrame - 1;
    for (const q of this.queues) if (q.lastFrame < c) c = q.lastFrame;
    if (c <= this.confirmed) return;
    const from = this.confirmed;
    this.confirmed = c;
    this.reportEpisodes(from + 2, c + 1);
    while (this.nextHashFrame <= c + 1) this.takeHash(this.nextHashFrame);
  }

  /** Emit an episode event for every boundary among the states at the start of frames `from..to`. */
  private reportEpisodes(from: number, to: number): void {
    for (let f = from; f <= to; f++) {
      const bytes = f === this.currentFrame ? undefined : this.ring.get(f);
      const episode = bytes ? snapshotEpisode(bytes) : this.sim.episode;
      if (episode <= this.reportedEpisode) continue;
      this.events.emit('episode', {
        episode: this.reportedEpisode,
        startFrame: this.reportedEpisodeStart,
        endFrame: f - 1,
        nextStartFrame: f,
      });
      this.reportedEpisode = episode;
      this.reportedEpisodeStart = f;
    }
  }

  private takeHash(frame: number): void {
    this.nextHashFrame += this.hashInterval;
    const bytes = frame === this.currentFrame ? this.sim.save() : this.ring.get(frame);
    if (!bytes) throw new Error(`internal: snapshot of frame ${frame} is gone for hashing`);
    const t0 = this.trace ? this.clock() : 0;
    const hash = xxh32(bytes);
    if (this.trace) this.trace({ name: 'hash', start: t0, end: this.clock(), frame });
    this.localHashes.set(frame, { hash, snapshot: bytes.slice(), checked: 0 });
    if (this.localHashes.size > KEPT_HASHES) {
      const oldest = this.localHashes.keys().next().value;
      if (oldest !== undefined) this.localHashes.delete(oldest);
    }
    this.events.emit('hash', { frame, hash });
    const packet = encode({ type: MessageType.StateHash, frame, hash });
    this.broadcast(packet);
    this.hashResend = { bytes: packet, left: HASH_RESENDS - 1 };
    const pending = this.remoteHashes.get(frame);
    if (pending) {
      this.remoteHashes.delete(frame);
      for (const [peer, remote] of pending) this.compareHash(peer, frame, remote);
    }
  }

  private onRemoteHash(peer: number, frame: number, hash: number): void {
    if (this.localHashes.has(frame)) {
      this.compareHash(peer, frame, hash);
    } else if (frame >= this.nextHashFrame && this.hashInterval > 0 && frame % this.hashInterval === 0) {
      let m = this.remoteHashes.get(frame);
      if (!m) {
        if (this.remoteHashes.size >= KEPT_HASHES) return; // a peer far ahead; it resends later hashes
        this.remoteHashes.set(frame, (m = new Map()));
      }
      m.set(peer, hash);
    }
  }

  private compareHash(peer: number, frame: number, remoteHash: number): void {
    const local = this.localHashes.get(frame);
    if (!local || local.checked & (1 << peer)) return;
    local.checked |= 1 << peer;
    if (local.hash === remoteHash) return;
    this.counters.desyncs++;
    this.events.emit('desync', { frame, peer, localHash: local.hash, remoteHash, snapshot: local.snapshot });
  }
}
