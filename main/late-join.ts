/**
 * Late join on the page (see server/late-join.ts for the server's side).
 *
 * A session that formed with free seats (`joinGame`'s `startPlayers` below
 * `players`) counts those seats absent from frame 0 in every engine (neutral
 * input). When a newcomer takes one, the server tells the members
 * (`seat-taken`): each adds a link to it (the lower index offers, as at the
 * start). The newcomer's engine starts without state (`joining`) and asks
 * every peer for a state transfer; the authority (the lowest-index present
 * player) sends it and announces the frame from which the newcomer's input
 * counts (src/engine/rejoin.ts). Once the newcomer loaded the transfer it
 * tells the server (`late-joined`), which makes the seat its own.
 *
 * A newcomer that vanishes before that (`seat-freed`): its link is closed
 * and its seat is absent again in the engine (neutral input, no departure
 * for good), ready for the next newcomer. While a newcomer is arriving (its
 * seat taken, its input not counting yet: no `peer-returned` for it), its
 * link going silent is no departure either: its seat is absent already, and
 * the server frees it (`seat-freed`) if the newcomer does not confirm.
 */
import type { Assignment, SeatFreed, SeatTaken } from '../src/signaling/events.ts';

/** What late join needs of the page's parts (the signaling client, the mesh, the session, the absence watch). */
export interface LateJoinParts {
  readonly signaling: {
    on(type: 'seat-taken', handler: (e: SeatTaken) => void): () => void;
    on(type: 'seat-freed', handler: (e: SeatFreed) => void): () => void;
    lateJoined(): void;
  };
  readonly mesh: { addPeer(peer: number): void; removePeer(peer: number): void };
  readonly session: {
    markAbsent(player: number): Promise<boolean>;
    on(type: 'transfer', handler: (e: { direction: 'sent' | 'loaded' }) => void): () => void;
    on(type: 'peer-returned', handler: (e: { player: number; frame: number }) => void): () => void;
  };
  /** Forget a seat's absence window (a freed seat is never dropped for good). */
  readonly absences: { forget(player: number): void };
}

/** The engine's player count: every seat of the session. */
export function seatCount(a: Assignment): number {
  return a.seats ?? a.players.length;
}

/**
 * The engine settings late join implies: `joining` for a newcomer,
 * `seated` (the members at creation) for a founder of a session with free
 * seats; `rejoinable` whenever the session has free seats (live engines
 * must answer a newcomer's Hello).
 */
export function lateJoinEngineSettings(a: Assignment): { joining?: boolean; seated?: number; rejoinable?: boolean } {
  if (a.lateJoin === true) return { joining: true, rejoinable: true };
  if (a.seats !== undefined && a.seats > a.players.length) return { seated: a.players.length, rejoinable: true };
  return {};
}

/** What {@link followLateJoins} returns. */
export interface LateJoinFollower {
  /** True while `player` is a newcomer arriving: its seat taken, its input not counting yet. */
  arriving(player: number): boolean;
  /** Stop following. */
  off(): void;
}

/**
 * Follow seats taken and freed, and confirm this page's own late join once
 * its transfer loaded. Bound: the arriving set holds at most the session's
 * seats (a seat is added once per `seat-taken`, removed when freed or when
 * its newcomer's input counts).
 */
export function followLateJoins(a: Assignment, parts: LateJoinParts): LateJoinFollower {
  let confirmed = a.lateJoin !== true;
  const arriving = new Set<number>();
  const offs = [
    parts.signaling.on('seat-taken', ({ player }) => {
      arriving.add(player.index);
      parts.mesh.addPeer(player.index);
    }),
    parts.session.on('peer-returned', ({ player }) => arriving.delete(player)),
    parts.signaling.on('seat-freed', ({ playerIndex }) => {
      arriving.delete(playerIndex);
      parts.mesh.removePeer(playerIndex);
      parts.absences.forget(playerIndex);
      void parts.session.markAbsent(playerIndex).catch(() => false);
    }),
    parts.session.on('transfer', (e) => {
      if (confirmed || e.direction !== 'loaded') return;
      confirmed = true;
      parts.signaling.lateJoined();
    }),
  ];
  return {
    arriving: (player) => arriving.has(player),
    off: () => {
      for (const off of offs) off();
    },
  };
}
