import type { DecodeErrorCode } from '../protocol/messages.ts';
import type { PauseRecord } from './pause.ts';
import type { PresenceChange } from './presence.ts';
import type { Countdown } from './rounds.ts';

/** Why the engine dropped a packet. */
export type MalformedReason =
  | DecodeErrorCode
  | 'bad-peer'
  | 'input-size'
  | 'foreign-player'
  | 'bad-ack'
  | 'inbox-full'
  | 'unexpected-type'
  | 'stale-session'
  | 'frame-window'
  | 'bad-sender-frame'
  | 'departed'
  | 'bad-resync'
  | 'bad-transfer'
  | 'bad-return'
  | 'bad-pause';

/** Events the engine emits (subscribe with `engine.on(type, handler)`). */
export interface EngineEvents {
  /** A rollback ran: re-simulated `depth` frames from `frame` in `ms`. */
  rollback: { frame: number; depth: number; ms: number };
  /** The tick did not advance: `frame` is `maxPrediction` frames past the confirmed frame. */
  stall: { frame: number; confirmedFrame: number };
  /** Peers disagree on the state at `frame`. `snapshot` is this peer's snapshot bytes of that frame. */
  desync: { frame: number; peer: number; localHash: number; remoteHash: number; snapshot: Uint8Array; policy: 'report' | 'resync' };
  /**
   * Policy `resync`: the authority (`from`, the lowest-index remaining
   * player) sent, or this peer loaded, the confirmed snapshot of `frame`.
   */
  resync: { frame: number; from: number; bytes: number };
  /** A confirmed state hash sample was taken (multiples of `hashInterval`, episode ends, the end frame). */
  hash: { frame: number; hash: number };
  /** An episode ended on the confirmed timeline; the next starts at `nextStartFrame`. */
  episode: { episode: number; startFrame: number; endFrame: number; nextStartFrame: number };
  /** A packet was dropped. */
  malformed: { peer: number; reason: MalformedReason; detail: string };
  /** A round trip to `peer` was measured. */
  rtt: { peer: number; ms: number };
  /**
   * Player `player` left: from `frame` on its input is neutral on every
   * remaining peer. `remaining` counts the players left, this one included.
   */
  'peer-left': { player: number; frame: number; remaining: number };
  /**
   * Player `player` is absent (its seat is kept): from `frame` on its input
   * is neutral on every remaining peer until it returns. `remaining` counts
   * the players present, this one included.
   */
  'peer-absent': { player: number; frame: number; remaining: number };
  /** Absent player `player` plays again: its real inputs count from `frame` on. */
  'peer-returned': { player: number; frame: number };
  /**
   * A state transfer was sent to `peer` (`direction: 'sent'`), or one from
   * `peer` was loaded: the snapshot of `frame`, the receiver's inputs count
   * from `returnFrame`; `bytes` is the payload's size. `logChangedFrom`
   * (loaded only): the first frame whose logged inputs may differ from what
   * this peer had confirmed before (its own absence's first frame): hash
   * samples and records it kept from that frame on are void.
   */
  transfer: { direction: 'sent' | 'loaded'; peer: number; frame: number; returnFrame: number; bytes: number; logChangedFrom?: number };
  /**
   * This peer dropped its live state to join again from a transfer:
   * `peer` counted it absent while it played on (the other side of a
   * network cut). `frame` is where it stopped.
   */
  rejoining: { peer: number; frame: number };
  /**
   * A pause was requested (here or by a peer): every peer stops at
   * `frame`. A `final` one ends the session there.
   */
  pause: PauseRecord;
  /** A pause is over: play goes on from its frame. */
  resume: PauseRecord;
  /** A player's page became visible or hidden (this peer's own included). */
  presence: PresenceChange;
  /**
   * The between-episode countdown (`countdownFrames`) started counting,
   * started over (`counting: false`: a page is hidden or a pause is open),
   * or ended (`ticksLeft: 0`: play goes on).
   */
  countdown: Countdown;
}

/** Per-link figures. */
export interface PeerStats {
  /** The remote player index these figures are about. */
  readonly player: number;
  /** Last frame of our inputs this peer acknowledged. */
  readonly ack: number;
  /** Last frame of this peer's inputs we hold. */
  readonly lastReceivedFrame: number;
  /** Mean RTT over the last samples, ms (0 before the first pong). */
  readonly rttMs: number;
  /** Our average frame advantage over this peer (positive: we are ahead). */
  readonly frameAdvantage: number;
  /** Our hash samples this peer has not acknowledged yet (at most 32). */
  readonly hashesUnacked: number;
  /** This peer's samples waiting for ours of the same frame (at most 32). */
  readonly hashesPending: number;
  /** The agreed departure frame once this player left for good, else null. */
  readonly leftAtFrame: number | null;
  /** The agreed first frame of neutral input while this player is absent (it may return), else null. */
  readonly absentFromFrame: number | null;
}

/** A snapshot of the engine's counters. */
export interface EngineStats {
  /** Current frame: the next frame to simulate. */
  readonly frame: number;
  /** Last frame for which every player's input is known and simulated (-1 at first). */
  readonly confirmedFrame: number;
  /** Episode the current state belongs to. */
  readonly episode: number;
  /** Current input delay, frames. */
  readonly inputDelay: number;
  /** Rollbacks run (resync loads included). */
  readonly rollbacks: number;
  /** Deepest rollback so far, frames. */
  readonly maxRollback: number;
  /** Frames re-simulated by all rollbacks. */
  readonly rollbackFrames: number;
  /** Time spent in rollbacks, `clock` ms. */
  readonly rollbackMs: number;
  /** Ticks that did not advance because the frame was `maxPrediction` past the confirmed frame. */
  readonly stalls: number;
  /** Ticks that did not advance because an agreed pause held the current frame. */
  readonly pausedTicks: number;
  /** Desyncs detected (state hashes that differed from a peer's). */
  readonly desyncs: number;
  /** Our advantage over the slowest peer, frames. */
  readonly frameAdvantage: number;
  /** Current tick stretch from time sync (0.03 = ticks 3% longer). */
  readonly tickStretch: number;
  /** Local input frames sent to peers for the first time (counted per peer). */
  readonly inputsSent: number;
  /** Local input frames sent again (redundancy and resends from the peer's ack). */
  readonly inputsResent: number;
  /** New remote input frames taken into the input queues. */
  readonly inputsReceived: number;
  /** Received input frames already held (redundant copies). */
  readonly inputsDuplicate: number;
  /** Inputs of departed players received from another peer during a departure. */
  readonly inputsRelayed: number;
  /** Departure notices ignored because the player named was still heard from. */
  readonly noticesIgnored: number;
  /** Hellos ignored as stale: they claimed this peer absent from before the last state transfer with their sender. */
  readonly staleHellos: number;
  /** Resync snapshots sent (as the authority) and loaded. */
  readonly resyncsSent: number;
  /** Resync snapshots loaded (see {@link EngineStats.resyncsSent}). */
  readonly resyncsLoaded: number;
  /** State transfers sent to returning players and late joiners (as the authority). */
  readonly transfersSent: number;
  /** State transfers loaded (this peer rejoined or joined late). */
  readonly transfersLoaded: number;
  /** Packets dropped unapplied because this peer was joining (it had no state yet). */
  readonly packetsWhileJoining: number;
  /** Frames simulated without rendering to catch up after loading a transfer. */
  readonly catchUpFrames: number;
  /** Hash samples sent for the first time, resent, compared with a peer's, and dropped unacked (queue full). */
  readonly hashesSent: number;
  /** Hash samples resent (see {@link EngineStats.hashesSent}). */
  readonly hashesResent: number;
  /** Hash samples compared with a peer's (see {@link EngineStats.hashesSent}). */
  readonly hashesCompared: number;
  /** Hash samples dropped unacked because the queue was full (see {@link EngineStats.hashesSent}). */
  readonly hashesDropped: number;
  /** Packets handed to `send`. */
  readonly packetsSent: number;
  /** Packets received from a valid remote peer index (malformed ones included). */
  readonly packetsReceived: number;
  /** Bytes of the packets in `packetsSent`. */
  readonly bytesSent: number;
  /** Bytes of the packets in `packetsReceived`. */
  readonly bytesReceived: number;
  /** Packets dropped (the `malformed` event), all reasons. */
  readonly malformed: number;
  /** Dropped packets by reason (reasons never seen are absent). */
  readonly malformedByReason: Readonly<Partial<Record<MalformedReason, number>>>;
  /** Per-link figures, one entry per remote player. */
  readonly peers: readonly PeerStats[];
}
