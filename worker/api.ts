/**
 * The contract between the page (`main/`) and the engine host (`worker/`).
 * Everything here crosses a thread boundary, so it is structured-cloneable.
 */
import type { ErrorInfo } from '../src/contracts/errors.ts';
import type { EngineStats, MalformedReason } from '../src/engine/types.ts';
import type { PauseReason } from '../src/contracts/vocabulary.ts';
import type { PauseRecord } from '../src/engine/pause.ts';
import type { Countdown } from '../src/engine/rounds.ts';
import type { SpectateInfo } from '../src/spectate/wire.ts';
import type { LinkConditions } from '../src/sim/impairment.ts';

/** How the engine host is set up (sent once, by `configure`). */
export interface HostConfig {
  /** Game spec for the host's resolver, e.g. `arena` or `swarm?entities=1000`. */
  game: string;
  /** For the drop-in bundle: URL of an ES module exporting the game, or of a Python game (`….py`, `….py#Class`). */
  gameUrl?: string;
  /**
   * For Python games: the same-origin directory serving the `pyodide`
   * package files. Default: `pyodide/` next to the worker script.
   */
  pyodideUrl?: string;
  /** Players in the session, 2..8. */
  players: number;
  /** This peer's player index, 0..players-1. */
  localPlayer: number;
  /** Session seed every peer shares (from the lobby). */
  seed: number;
  /** Frames between reading a local input and applying it. Default 2. */
  inputDelay?: number;
  /** Frames the engine may run past the confirmed frame before it stalls. Default 8. */
  maxPrediction?: number;
  /** Confirmed frames between state-hash exchanges. Default 60. */
  hashInterval?: number;
  /** Ticks per second. Default 60. */
  tickRate?: number;
  /** `latest` (default): newest frame after rollback; `confirmed`: confirmed frames only. */
  renderMode?: 'latest' | 'confirmed';
  /** Frame to stop at (the session's end). Default: never. */
  endFrame?: number;
  /**
   * DevTools profiling: `'default'` (or `true`) records one span per tick and
   * the rollback spans; `'detailed'` adds every step, save, load, hash and
   * re-simulation; `'off'` (or `false`) records nothing. Default `'default'`.
   */
  profile?: boolean | 'off' | 'default' | 'detailed';
  /** Session tag (uint8) every packet carries; default derived from `seed`. Give every peer the same value. */
  sessionTag?: number;
  /** Fewest players (including this one) the session continues with after departures. Default 2. */
  minPlayers?: number;
  /**
   * What to do on a desync. `'report'` (default): emit the `desync` event
   * and record it. `'resync'`: also, the lowest-index remaining peer sends
   * its confirmed snapshot (port packets marked `reliable: true`, which the
   * page must carry on its reliable channel) and every peer loads it at the
   * frame it names (`resync` event).
   */
  desyncPolicy?: 'report' | 'resync';
  /**
   * End the session after this many episodes (taken on the confirmed
   * timeline: every peer ends at the same episode start). Default: no limit.
   */
  episodes?: number;
  /**
   * Between episodes, hold play at the new episode's first frame for this
   * many ticks (`countdown` events), counted only while every player's page
   * is visible and no pause is open. Default 0 (none).
   */
  countdownFrames?: number;
  /** While this page is hidden, every peer stalls at one agreed frame (`pause`/`resume` events, reason `peer-hidden`). Default false. */
  pauseOnPeerHidden?: boolean;
  /** End the session everywhere (a final pause, reason `focus-timeout`) once this page has been hidden this long, ms. Default 0 (never). */
  focusLossTimeoutMs?: number;
  /**
   * Players may come back: a player the page reports gone with
   * `markAbsent` keeps its seat (neutral input from an agreed frame) and
   * gets it back from a state transfer; Hellos on the reliable channel
   * (`linkUp`) find out who loads whose state. Default false.
   */
  rejoinable?: boolean;
  /** Start without state and ask the peers for a state transfer (a reloaded page, a late joiner). Default false. */
  joining?: boolean;
  /** Players seated at the start: seats from `seated` on are free until a late joiner takes them. Default `players`. */
  seated?: number;
  /** Frames past the authority's newest input at which a returning player's inputs count. Default 30. */
  rejoinLeadFrames?: number;
  /**
   * While a player is absent: `'neutral'` (default) plays on with its
   * neutral input; `'pause'` holds every peer at an agreed frame (a `pause`
   * with reason `absent`) until it returns or leaves for good.
   */
  onAbsent?: 'neutral' | 'pause';
}

/** One render delivery: the committed state of a frame, once per tick at most. */
export interface RenderFrame<R = unknown> {
  /** The frame whose start state this is. */
  readonly frame: number;
  /** Last frame for which every player's input is known and simulated (-1 at first). */
  readonly confirmedFrame: number;
  /** A rollback corrected the predicted timeline this tick. */
  readonly corrected: boolean;
  /** Depth of that rollback (0 if none). */
  readonly rollbackDepth: number;
  /** Episode the state belongs to. */
  readonly episode: number;
  /** `game.render(state)`, or null when the game has no render. */
  readonly state: R | null;
  /** The worker's clock (performance.timeOrigin + now) when the frame was produced, ms. */
  readonly producedAt: number;
}

/** Events the host forwards to the page. */
export type HostEvent =
  | { type: 'rollback'; frame: number; depth: number; ms: number }
  | { type: 'stall'; frame: number; confirmedFrame: number }
  | { type: 'desync'; frame: number; peer: number; localHash: number; remoteHash: number; snapshot: Uint8Array; policy: 'report' | 'resync' }
  /** Policy `resync`: `from` (the authority) sent, or this peer loaded, the confirmed snapshot of `frame`. */
  | { type: 'resync'; frame: number; from: number; bytes: number }
  | { type: 'episode'; episode: number; startFrame: number; endFrame: number; nextStartFrame: number }
  | { type: 'hash'; frame: number; hash: number }
  | { type: 'malformed'; peer: number; reason: MalformedReason; detail: string }
  | { type: 'rtt'; peer: number; ms: number }
  /** Player `player` left; from `frame` on its input is neutral. `remaining` counts the players left. */
  | { type: 'peer-left'; player: number; frame: number; remaining: number }
  /** Player `player` is absent (seat kept): its input is neutral from `frame` on. `remaining` counts the players present. */
  | { type: 'peer-absent'; player: number; frame: number; remaining: number }
  /** Absent player `player` plays again: its inputs count from `frame` on. */
  | { type: 'peer-returned'; player: number; frame: number }
  /** A state transfer was sent to `peer` or loaded from it (snapshot of `frame`; the receiver's inputs count from `returnFrame`). */
  | { type: 'transfer'; direction: 'sent' | 'loaded'; peer: number; frame: number; returnFrame: number; bytes: number; logChangedFrom?: number }
  /** This peer dropped its state to join again from a transfer (`peer` counted it absent while it played on). */
  | { type: 'rejoining'; peer: number; frame: number }
  /** `endFrame` was reached and every frame before it is confirmed. */
  | { type: 'finished'; frame: number }
  /** Every peer stops at `frame` (a `final` pause ends the session there); see `src/engine/pause.ts`. */
  | ({ type: 'pause' } & PauseRecord)
  /** A pause is over: play goes on from its frame. */
  | ({ type: 'resume' } & PauseRecord)
  /** Player `player`'s page became visible or hidden (this page's own included). */
  | { type: 'presence'; player: number; focused: boolean }
  /** The between-episode countdown started, started over (`counting: false`), or ended (`ticksLeft: 0`). */
  | ({ type: 'countdown' } & Countdown)
  /** The engine stopped: the game threw (`game-error`). */
  | ({ type: 'error' } & ErrorInfo);

/** Callbacks the page hands to the host (proxied over Comlink). */
export interface HostCallbacks {
  onRender(frame: RenderFrame): void;
  onEvent(event: HostEvent): void;
}

/** One tick as the host's loop saw it (absolute time, ms since the epoch). */
export interface TickSample {
  /** When the tick started (performance.timeOrigin + now), ms. */
  readonly t: number;
  /** The engine's current frame after the tick. */
  readonly frame: number;
}

/** Engine stats plus the host loop's own figures. */
export interface HostStats extends EngineStats {
  /** The tick loop is running (between `start()` and `stop()`). */
  readonly running: boolean;
  /** Ticks the loop has run (stalled ones included). */
  readonly ticks: number;
  /** Tick intervals (ms) of the loop: median and 99th percentile over the last 600 ticks. */
  readonly tickIntervalP50Ms: number;
  /** See {@link HostStats.tickIntervalP50Ms}. */
  readonly tickIntervalP99Ms: number;
  /** Packets received on the packet port but not yet drained. */
  readonly packetsQueued: number;
  /** Packets on the port that were not `{ peer, buf }` and were dropped. */
  readonly badPortMessages: number;
  /**
   * The inputs channels the page handed to the engine (the mesh's
   * `channelsInEngine`, the default): packets sent and received on them per peer
   * index, messages on them that were not an ArrayBuffer (dropped), and
   * commands the page sent that were refused (`badCommands`: a peer index
   * outside the session or this engine's own seat, or a malformed one).
   * `transitMs`: for MessagePort links whose messages carry `sentAt`, the
   * last 1,024 transit times (ms, newest last) of `transitCount` in all.
   * Null when the page handed none (channels stay on the page).
   */
  readonly directChannels: {
    sent: number[];
    received: number[];
    badMessages: number;
    badCommands: number;
    transitMs: number[];
    transitCount: number;
    /** Packets the impairment (`EngineChannels.impair`) dropped: its loss, or more than 4,096 waiting out their delay. */
    impairDropped: number;
    /** Packets (copies) the impairment delayed. */
    impairDelayed: number;
  } | null;
  /** Rollback depth → count. */
  readonly rollbackHistogram: Readonly<Record<number, number>>;
}

/** What a peer exports about its session (extended by the research layer). */
export interface HostMetrics {
  /** The game's spec, version included. */
  readonly game: string;
  /** Session seed (uint32). */
  readonly seed: number;
  /** Players in the session. */
  readonly players: number;
  /** This peer's player index. */
  readonly localPlayer: number;
  /** The host's stats at the time of the export. */
  readonly stats: HostStats;
  /** Rollback depth → count. */
  readonly rollbackHistogram: Record<number, number>;
  /** Episodes that ended on the confirmed timeline, in order. */
  readonly episodes: { episode: number; startFrame: number; endFrame: number }[];
  /** Confirmed state hash samples (multiples of `hashInterval`, episode ends, the end frame). */
  readonly hashes: { frame: number; hash: number }[];
  /** Desyncs detected, in order. */
  readonly desyncs: { frame: number; peer: number; localHash: number; remoteHash: number; policy: 'report' | 'resync' }[];
  /** Resync snapshots this peer sent or loaded (policy `resync`). */
  readonly resyncs: { frame: number; from: number; bytes: number }[];
  /** Players who left and their agreed departure frames. */
  readonly departures: { player: number; frame: number }[];
  /** Absences (seat kept) in the order they began: neutral input over `from..to − 1` (`to` null: still absent). */
  readonly absences: { player: number; from: number; to: number | null }[];
  /** The confirmed input log (see src/engine/input-log.ts). */
  readonly inputLog: Uint8Array;
  /** Hash of the newest confirmed state. */
  readonly confirmedHash: { frame: number; hash: number };
}

/** The engine host's API, as exposed over Comlink. */
export interface EngineHostApi {
  /**
   * Set up the engine; `packets` is the port raw packets travel on.
   * `channels`, when given, is the port on which the page hands the engine
   * its peers' inputs channels (`ChannelCommand`, `ChannelReport` in this file):
   * packets on those go straight between this thread and the peers.
   */
  configure(config: HostConfig, packets: MessagePort, callbacks: HostCallbacks, channels?: MessagePort): Promise<void>;
  start(): void;
  stop(): void;
  setLocalInput(input: Uint8Array): void;
  setInputDelay(frames: number): void;
  /**
   * A peer is gone (its transport reported it disconnected): the remaining
   * peers agree on a departure frame and continue with its neutral input
   * (`peer-left` event). Returns false when it already left.
   */
  dropPlayer(player: number): boolean;
  /** This page became visible (`true`) or hidden: peers are told, and the absent-partner policy applies. */
  setFocused(focused: boolean): void;
  /** Hold every peer at one agreed frame (see `Engine.pause`); returns the pause. */
  pause(reason: PauseReason, final?: boolean): PauseRecord;
  /** End this peer's pause `id` (see `Engine.resume`). */
  resume(id: number): boolean;
  /**
   * A peer is unreachable but may come back (`rejoinable`): the remaining
   * peers agree the frame from which its input is neutral (`peer-absent`)
   * and keep its seat. Returns false when it is already absent or gone.
   */
  markAbsent(player: number): boolean;
  /** The reliable channel to `player` opened (again): exchange Hellos (who is absent, who needs a transfer). */
  linkUp(player: number): void;
  stats(): HostStats;
  metrics(): HostMetrics;
  /** What a new spectator starts from: the session's description and the newest confirmed snapshot. */
  spectatorStart(): SpectatorStart;
  /** Confirmed inputs of every player from frame `from` (at most `maxFrames`, capped at 1,024), for spectators. */
  confirmedInputs(from: number, maxFrames: number): ConfirmedInputs;
  /** The last ticks of the loop (at most 1,200). */
  tickHistory(): TickSample[];
  /** `performance.measure` entries this host made that are still buffered (name and detail). */
  measures(): { name: string; start: number; duration: number; detail: unknown }[];
  close(): void;
}

/**
 * A packet on the packet port: `buf` is transferred, never copied.
 * `reliable: true` marks a message for (or from) the peer's reliable,
 * ordered channel (resync chunks); everything else is unreliable.
 */
export interface PortPacket {
  peer: number;
  buf: ArrayBuffer;
  reliable?: boolean;
}

/**
 * Page → engine, on the channels port: `channel` hands over `peer`'s inputs
 * channel (transferred; `gen` numbers the page's channels to that peer, so a
 * report about a replaced one is told apart); `route` says whether the page's
 * route to `peer` is P2P (`direct`), else the engine hands its packets to the
 * page; `close-channel` closes `peer`'s channel (fault injection).
 */
export type ChannelCommand =
  | { type: 'channel'; peer: number; gen: number; channel: RTCDataChannel | MessagePort }
  | { type: 'route'; peer: number; direct: boolean }
  | { type: 'close-channel'; peer: number }
  | { type: 'impair'; conditions: LinkConditions; seed: number };

/**
 * Engine → page, on the channels port: a channel's state changed (`state`),
 * or packets went over the channels since the last report (`counts`, per
 * peer index, at most every 100 ms and only when some moved).
 */
export type ChannelReport =
  | { type: 'state'; peer: number; gen: number; open: boolean }
  | { type: 'counts'; sent: number[]; received: number[] };

/** What a spectator starts from (see {@link EngineHostApi.spectatorStart}). */
export interface SpectatorStart {
  /** The session as a viewer needs it: game, seed, players, hash interval, tick rate, session tag. */
  readonly info: SpectateInfo;
  /** The frame whose start state `snapshot` is (the newest confirmed frame + 1). */
  readonly frame: number;
  /** The confirmed snapshot (engine header + game bytes). */
  readonly snapshot: Uint8Array;
}

/** Confirmed inputs for spectators (see {@link EngineHostApi.confirmedInputs}). */
export interface ConfirmedInputs {
  /** First frame carried. */
  readonly startFrame: number;
  /** Frames carried (0: nothing new is confirmed). */
  readonly frameCount: number;
  /** `frameCount × players × inputSize` bytes, frame-major. */
  readonly inputs: Uint8Array;
  /** Epoch ms of the tick that last moved the confirmed frame. */
  readonly confirmedAt: number;
}
