import type { DecodeErrorCode } from '../protocol/messages.ts';

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
  | 'bad-resync';

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
}

/** Per-link figures. */
export interface PeerStats {
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
  /** The agreed departure frame once this player left, else null. */
  readonly leftAtFrame: number | null;
}

/** A snapshot of the engine's counters. */
export interface EngineStats {
  readonly frame: number;
  readonly confirmedFrame: number;
  readonly episode: number;
  readonly inputDelay: number;
  readonly rollbacks: number;
  readonly maxRollback: number;
  readonly rollbackFrames: number;
  readonly rollbackMs: number;
  readonly stalls: number;
  readonly desyncs: number;
  /** Our advantage over the slowest peer, frames. */
  readonly frameAdvantage: number;
  /** Current tick stretch from time sync (0.03 = ticks 3% longer). */
  readonly tickStretch: number;
  readonly inputsSent: number;
  readonly inputsResent: number;
  readonly inputsReceived: number;
  readonly inputsDuplicate: number;
  /** Inputs of departed players received from another peer during a departure. */
  readonly inputsRelayed: number;
  /** Departure notices ignored because the player named was still heard from. */
  readonly noticesIgnored: number;
  /** Resync snapshots sent (as the authority) and loaded. */
  readonly resyncsSent: number;
  readonly resyncsLoaded: number;
  /** Hash samples sent for the first time, resent, compared with a peer's, and dropped unacked (queue full). */
  readonly hashesSent: number;
  readonly hashesResent: number;
  readonly hashesCompared: number;
  readonly hashesDropped: number;
  readonly packetsSent: number;
  readonly packetsReceived: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  readonly malformed: number;
  readonly malformedByReason: Readonly<Partial<Record<MalformedReason, number>>>;
  readonly peers: readonly PeerStats[];
}
