/** Shapes exchanged between the e2e tests (Node) and the test page (browser). No DOM types here. */
import type { CandidateType, EndReason, HealthLevel, PeerStatus, Route } from '../src/contracts/vocabulary.ts';

export interface PlayOptions {
  server: string;
  /** Other nodes of the server's cluster, tried in turn when the connection is lost. */
  fallbackServers?: string[];
  /** A room to join... */
  room?: string;
  /** ...or a queue (when `room` is absent). */
  queue?: string;
  /** joinGame `maxRttMs` (queues). */
  maxRttMs?: number;
  /** joinGame `waitTimeoutMs`. */
  waitTimeoutMs?: number;
  /** joinGame `matchTimeoutMs`. */
  matchTimeoutMs?: number;
  /** joinGame `participantId`. */
  participantId?: string;
  players: number;
  /** joinGame `startPlayers` (free seats for late joiners). */
  startPlayers?: number;
  /** joinGame `session` (late join of a running session by id, instead of `room`/`queue`). */
  session?: string;
  frames: number;
  inputSeed: number;
  /** Game spec. Default `arena`. */
  game?: string;
  iceTransportPolicy?: 'all' | 'relay';
  /** joinGame `p2pTimeoutMs`. */
  p2pTimeoutMs?: number;
  /** joinGame `mesh` (relay switch, silence thresholds). */
  mesh?: { relay?: boolean; interruptedMs?: number; disconnectedMs?: number; recoverMs?: number; engineSilentMs?: number; channelsInEngine?: boolean };
  /** joinGame `link` (health, connection type, ICE restarts; the ICE policy is `iceTransportPolicy`). */
  link?: {
    health?: { rttWindow?: number; warnRttMs?: number; criticalRttMs?: number; pingIntervalMs?: number };
    connection?: { maxIceRestarts?: number; iceRestartTimeoutMs?: number; disconnectedRestartMs?: number; stallRestartMs?: number };
  };
  /** Use this TURN url instead of the assigned ones (same credentials): e.g. a per-page UDP proxy that a test can cut. */
  turnUrl?: string;
  /** joinGame `minPlayers`. */
  minPlayers?: number;
  /**
   * joinGame `rejoinWindowMs`. Default here 0 (a peer that drops out leaves
   * at once, the behaviour the departure tests check), not the library's
   * 60,000.
   */
  rejoinWindowMs?: number;
  /** joinGame `research`. */
  research?: { reportIntervalMs?: number; liveStatsIntervalMs?: number };
  /** joinGame `pauseOnPeerHidden`. */
  pauseOnPeerHidden?: boolean;
  /** joinGame `focusLossTimeoutMs`. */
  focusLossTimeoutMs?: number;
  /** joinGame `episodes`. */
  episodes?: number;
  /** joinGame `countdownFrames`. */
  countdownFrames?: number;
  /** joinGame `spectators`. */
  spectators?: 'p2p' | 'server' | 'off';
}

/** Options of the page's `watch` (watchGame). */
export interface WatchOptions {
  server: string;
  session: string;
  via?: 'auto' | 'p2p' | 'server';
  delayFrames?: number;
  adminToken?: string;
}

/** What a watching page reports. */
export interface WatchResult {
  spectatorId: string;
  feeder: number;
  path: 'p2p' | 'server';
  frame: number;
  receivedFrame: number;
  snapshotsLoaded: number;
  gaps: number;
  malformed: number;
  viaP2P: number;
  viaServer: number;
  lagMsP50: number;
  lagSamples: number[];
  hashes: { frame: number; hash: number }[];
  renders: number;
  /** Stream messages the viewer's worker took. */
  messages: number;
  /** The viewer's last info, error, lost and rewatched events. */
  events: string[];
  ended: { reason: string } | null;
  /** Times the viewer watched again after its server connection came back. */
  rewatches: number;
  /** Snapshots loaded from behind the frame already shown. */
  snapshotsBehind: number;
}

export interface LinkSummary {
  peer: number;
  status: PeerStatus;
  route: Route;
  open: boolean;
  connection: { type: CandidateType; localType: CandidateType; remoteType: CandidateType; protocol: string; relayProtocol?: string } | null;
  connectionHistory: readonly { type: CandidateType }[];
  health: { rttMs: number; loss: number; level: HealthLevel; samples: readonly number[] };
  iceRestarts: number;
  iceGaveUp: string | null;
  relayAvailable: boolean;
  failovers: number;
  recoveries: number;
  counters: { packetsViaP2P: number; packetsViaRelay: number; receivedViaP2P: number; receivedViaRelay: number };
  routeHistory: readonly { at: number; route: Route; reason: string }[];
  lastFailoverMs: number | null;
}

export interface PlayResult {
  playerIndex: number;
  sessionId: string;
  confirmedFrame: number;
  desyncs: number;
  rollbacks: number;
  maxRollback: number;
  inputLogHex: string;
  confirmedHash: number;
  links: LinkSummary[];
  timings: { assignedMs: number; openMs: number | null };
  statuses: { peer: number; status: PeerStatus; at: number }[];
  /** `peer-left` events the session emitted. */
  peerLeft: { player: number; frame: number; remaining: number }[];
  /** The server's `peer-left` messages this page got (player and reason), in order. */
  serverPeerLeft: { player: number; reason: string }[];
  /** Departures in the host metrics. */
  departures: { player: number; frame: number }[];
  ended: { reason: EndReason; peer?: number; frame?: number } | null;
  /** The ICE servers this page was assigned (to check what the server sent). */
  iceServers: { urls: string | string[]; username?: string; credential?: string }[];
  /** Whether the assignment included TURN. */
  turn: boolean;
  /** The page's `performance.timeOrigin`: page times + this = comparable across pages. */
  timeOrigin: number;
  /** `pause` and `resume` events the session emitted, in order. */
  pauses: { type: 'pause' | 'resume'; player: number; id: number; frame: number; reason: string; final: boolean }[];
  /** `presence` events the session emitted, in order. */
  presence: { player: number; focused: boolean }[];
  /** The engine's current frame and its ticks held by a pause. */
  frame: number;
  pausedTicks: number;
  /** The `waiting` updates the page's joinGame heard. */
  waiting: { count: number; needed: number }[];
  /** Confirmed-state hash samples (host metrics). */
  hashes: { frame: number; hash: number }[];
  /** Engine counters a spectator must never move. */
  malformed: number;
  packetsReceived: number;
  /** Engine packets the engine's worker sent and received on the inputs channels it holds, per player index (null: the channels stayed on the page). */
  directChannels: { sent: number[]; received: number[]; badMessages: number } | null;
  /** The spectator feed's counters (null when off). */
  spectatorFeed: { p2pSpectators: number; serverSpectators: number; snapshotsSent: number; messagesSent: number; hostileMessages: number } | null;
}

/** One confirmed state the page rendered: its scores after frame `frame`, in `episode`. */
export interface SeenScores {
  frame: number;
  episode: number;
  scores: number[];
}

/** The page's signaling connection: its state, every state change (wall-clock ms), relay packets dropped while unseated. */
export interface SignalingSummary {
  state: string;
  seated: boolean;
  relayDropped: number;
  states: { state: string; at: number }[];
  /** Wall-clock time (ms) of the first relay packet received after `markRelay`, or null. */
  firstRelayAfterMark: number | null;
  /** Relay packets received since `markRelay`. */
  relaySinceMark: number;
}

/** Research upload progress as the page sees it (`NetSession.uploads()`). */
export interface UploadSummary {
  acked: number;
  attempts: number;
  pending: boolean;
  lastError: string | null;
}

/** Options of the page's `linkPair`: two PeerLinks in one page, wired directly (no server). */
export interface LinkPairOptions {
  /** Delay the answerer's (player 1's) trickled candidates to the initiator by this much, ms. */
  candidateDelayMs: number;
  /** Never deliver the answerer's candidates (nor its end-of-candidates) to the initiator. */
  dropCandidates: boolean;
  /** PeerLink `prflxSettleMs` for both links. */
  prflxSettleMs: number;
  /** How long to watch the links after both channels opened, ms. */
  watchMs: number;
}

/** What each link (index = player) recorded. */
export interface LinkPairResult {
  /** Connection-type readings in order; `at` is ms after that link's channels opened. */
  histories: { type: CandidateType; remoteType: CandidateType; at: number }[][];
  openMs: number;
}
