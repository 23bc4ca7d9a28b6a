/**
 * Players leaving a running session, GGPO-style.
 *
 * When a peer learns that player X is gone (its transport said so, the host
 * called `dropPlayer`, or another peer's notice named X), it stops taking
 * X's packets and freezes `frozen` = the last frame of X's inputs it holds.
 * Every remaining peer announces `{X, frozen, held}` on its Input packets
 * (see `LeaveNotice`). Once the notices of every remaining player are in,
 * the departure frame is `D = max(frozen) + 1`: the same on every peer.
 * Peers that hold more of X's inputs relay the missing ones (Input packets
 * carrying player X), so everybody holds X's real inputs through `D − 1`.
 * From `D` on, X's input is the game's neutral input.
 *
 * A peer keeps putting its notice on its packets to a peer until that peer
 * acknowledges an input frame sent after the notice last changed.
 *
 * Absence. A departure may be an *absence* (`absent`): the same agreement,
 * but the player may come back (`rejoin.ts`), and a session below its
 * `minPlayers` does not end for it. `clear` forgets the record when the
 * player plays again; `markFinal` turns an absence into a departure.
 *
 * Limitation: when two players leave at the same moment, peers may see the
 * second departure at different points of the first agreement; the second
 * leaver's notice then counts for some peers and not others.
 */
import type { LeaveNotice } from '../protocol/messages.ts';

const UNKNOWN = -2;

export interface Departure {
  readonly player: number;
  /** Agreed departure frame (undefined until every remaining player's notice is in). */
  frame: number | undefined;
  /** Per player: the frozen frame from its notice (UNKNOWN before it arrives). */
  readonly frozen: Int32Array;
  /** Per player: the held frame from its newest notice. */
  readonly held: Int32Array;
  /** Our notice is on every packet to a peer until its ack reaches this local input frame. */
  noticeSince: number;
  /** Agreed, and we hold the player's real inputs through `frame − 1`. */
  complete: boolean;
  /** The player may return (an absence); false once it left for good. */
  absent: boolean;
}

export class Departures {
  private readonly list: (Departure | undefined)[];

  constructor(
    readonly players: number,
    private readonly localPlayer: number,
  ) {
    this.list = new Array<Departure | undefined>(players);
  }

  /** The departure record of `player`, if it left or is leaving. */
  get(player: number): Departure | undefined {
    return this.list[player];
  }

  /** Players not leaving (including the local one). */
  remaining(): number[] {
    const out: number[] = [];
    for (let p = 0; p < this.players; p++) if (!this.list[p]) out.push(p);
    return out;
  }

  /** True while some departure is not complete. */
  get pending(): boolean {
    return this.list.some((d) => d !== undefined && !d.complete);
  }

  /**
   * Start a departure of `player`; `held` is the last frame of its inputs
   * we hold. Returns false when it was already known (or is us).
   */
  begin(player: number, held: number, localLastFrame: number, absent = false): boolean {
    if (player === this.localPlayer || player < 0 || player >= this.players || this.list[player]) return false;
    const d: Departure = {
      player,
      frame: undefined,
      frozen: new Int32Array(this.players).fill(UNKNOWN),
      held: new Int32Array(this.players).fill(UNKNOWN),
      noticeSince: localLastFrame + 1,
      complete: false,
      absent,
    };
    d.frozen[this.localPlayer] = held;
    d.held[this.localPlayer] = held;
    this.list[player] = d;
    return true;
  }

  /** A complete departure or absence from `frame` on, as a state transfer describes it (no notices owed). */
  restore(player: number, frame: number, absent: boolean): void {
    this.list[player] = {
      player,
      frame,
      frozen: new Int32Array(this.players).fill(frame - 1),
      held: new Int32Array(this.players).fill(frame - 1),
      noticeSince: 0,
      complete: true,
      absent,
    };
  }

  /** Forget `player`'s absence: it plays again. */
  clear(player: number): void {
    this.list[player] = undefined;
  }

  /** An absence becomes a departure for good. Returns false when `player` was not absent. */
  markFinal(player: number): boolean {
    const d = this.list[player];
    if (!d?.absent) return false;
    d.absent = false;
    return true;
  }

  /** A notice from `from` (a remaining peer). Returns the departure it concerns (begun by the caller if new). */
  onNotice(from: number, n: LeaveNotice): void {
    const d = this.list[n.player];
    if (!d || from === n.player || this.list[from]) return;
    if (d.frozen[from] === UNKNOWN) d.frozen[from] = n.frozenFrame;
    if (n.heldFrame > d.held[from]!) d.held[from] = n.heldFrame;
  }

  /** Our held frame of `player` rose (relayed inputs arrived). */
  updateHeld(player: number, held: number, localLastFrame: number): void {
    const d = this.list[player];
    if (!d || held <= d.held[this.localPlayer]!) return;
    d.held[this.localPlayer] = held;
    d.noticeSince = localLastFrame + 1;
  }

  /** The highest frame of `player`'s inputs any remaining player announced holding (relays go up to it). */
  relayLimit(player: number): number {
    const d = this.list[player];
    if (!d) return -1;
    let max = -1;
    for (let p = 0; p < this.players; p++) if (!this.list[p] && d.frozen[p]! > max) max = d.frozen[p]!;
    return max;
  }

  /** Agree on departure frames where every remaining player's notice is in; returns the newly agreed. */
  agree(): Departure[] {
    const out: Departure[] = [];
    for (const d of this.list) {
      if (!d || d.frame !== undefined) continue;
      let max = -1;
      let ready = true;
      for (let p = 0; p < this.players; p++) {
        if (this.list[p]) continue;
        const f = d.frozen[p]!;
        if (f === UNKNOWN) ready = false;
        else if (f > max) max = f;
      }
      if (!ready) continue;
      d.frame = max + 1;
      out.push(d);
    }
    return out;
  }

  /** Mark departures complete once we hold the inputs through the agreed frame − 1. */
  settle(heldOf: (player: number) => number): Departure[] {
    const out: Departure[] = [];
    for (const d of this.list) {
      if (!d || d.complete || d.frame === undefined) continue;
      if (heldOf(d.player) < d.frame - 1) continue;
      d.complete = true;
      out.push(d);
    }
    return out;
  }

  /** Notices for the next packet to `peer` whose ack of our inputs is `peerAck`. */
  noticesFor(peer: number, peerAck: number): LeaveNotice[] | undefined {
    let out: LeaveNotice[] | undefined;
    for (const d of this.list) {
      if (!d || d.player === peer) continue;
      if (d.complete && peerAck >= d.noticeSince && d.held[peer]! >= d.frame! - 1) continue;
      (out ??= []).push({ player: d.player, frozenFrame: d.frozen[this.localPlayer]!, heldFrame: d.held[this.localPlayer]! });
    }
    return out;
  }

  /** Frames of `player`'s inputs to relay to `peer` (from..to), if it lacks some we hold. */
  relayFor(peer: number, player: number): { from: number; to: number } | undefined {
    const d = this.list[player];
    if (!d || peer === player || this.list[peer]) return undefined;
    const theirs = d.held[peer]!;
    if (theirs === UNKNOWN) return undefined;
    const ours = d.held[this.localPlayer]!;
    const limit = d.frame === undefined ? ours : Math.min(ours, d.frame - 1);
    if (theirs >= limit) return undefined;
    return { from: theirs + 1, to: limit };
  }
}
