/**
 * Absent players coming back (after a reload or a network cut) and late
 * joiners taking a free seat: the bookkeeping the engine keeps for it.
 *
 * The protocol, for a player X whose departure is an *absence*
 * (`departures.ts`; X's input is neutral from the agreed frame D on):
 *
 * 1. When a reliable channel opens, both ends send a Hello: who they count
 *    absent, and whether they have no live state (`joining`: a reloaded
 *    page, a late joiner). {@link rejoinsAfterHello} decides which side of
 *    a cut starts over: the one its peer counts absent while it does not
 *    count the peer absent; when both count each other absent (both sides
 *    of a cut played on), the side that sees fewer players present, and on
 *    a tie the higher player index. That side drops its state and joins.
 * 2. A joiner's Hello makes X *wanted* on every peer (a peer that still saw
 *    X playing starts X's absence first). Once X's absence is agreed, the
 *    *authority* (the lowest-index present player, as for resyncs) picks the
 *    return frame J = its newest input frame + 1 + `rejoinLeadFrames`, fills
 *    X's input with neutral through J − 1, and
 *    - puts a return notice {X, J} on every Input packet to every other
 *      present peer until that peer acknowledges one of its input frames at
 *      or past J. A peer needs the authority's input of frame J to confirm
 *      frame J, and that input only travels on packets carrying the notice,
 *      so every peer learns J before it could confirm J with X neutral;
 *    - sends X a state transfer (`state-transfer.ts`): its confirmed
 *      snapshot at F = confirmed frame + 1 ≤ J, every input before F, the
 *      departures and absences, the end frame, and J.
 * 3. X loads it, fills its own input with neutral through J − 1, catches up
 *    to the live frame without rendering (confirmed frames only, bounded
 *    per tick), and from J its real inputs count on every peer.
 *
 * The input log records every absence as {player, from D, to J} (open while
 * absent); replay needs nothing else, because the logged inputs over the
 * absence are the neutral ones every peer used.
 *
 * While a player is absent, a Hello goes to it every
 * {@link HELLO_INTERVAL_TICKS} (nothing else does): so the two sides of a
 * cut hear from each other when it ends, even if neither transport noticed.
 *
 * Bounds: at most {@link MAX_ABSENCES} absence records (a return past it is
 * refused: the player stays absent), one notice per player, one state
 * transfer in reassembly per sender, transfers resent to a joiner at most
 * once per {@link TRANSFER_RESEND_TICKS}.
 *
 * Limitations: X trusts the first well-formed, checksummed transfer (a
 * hostile peer can send a false state; the hash exchange then reports the
 * desync). If the authority itself drops out during a return, the joiner
 * keeps asking (Hello every {@link HELLO_INTERVAL_TICKS}) and the new
 * authority serves it once X's absence is agreed again.
 */
import type { ReturnNotice } from '../protocol/messages.ts';
import { type AbsenceRecord, MAX_ABSENCES } from './state-transfer.ts';

/** Ticks between the Hellos of a joining engine (it asks until a transfer arrives). */
export const HELLO_INTERVAL_TICKS = 60;
/** Fewest ticks between two transfers to the same joiner. */
export const TRANSFER_RESEND_TICKS = 120;
/** Most frames a returning engine simulates in one tick while it catches up. */
export const MAX_CATCHUP_FRAMES = 600;
/** Default frames between the authority's newest input and a returning player's first counted input. */
export const DEFAULT_REJOIN_LEAD_FRAMES = 30;

/** Players this peer counts absent or gone, as a bit mask. */
export function maskOf(players: readonly number[]): number {
  let m = 0;
  for (const p of players) m |= 1 << p;
  return m;
}

function bits(mask: number): number {
  let n = 0;
  for (let m = mask; m; m &= m - 1) n++;
  return n;
}

/**
 * After a Hello from `peer` (not joining) whose absent mask is `theirMask`:
 * does this peer (`local`, counting `myMask` absent) drop its state and
 * join? (See step 1 of the file comment.)
 */
export function rejoinsAfterHello(local: number, peer: number, players: number, myMask: number, theirMask: number): boolean {
  if (!(theirMask & (1 << local))) return false;
  if (!(myMask & (1 << peer))) return true;
  const mine = players - bits(myMask);
  const theirs = players - bits(theirMask);
  return mine < theirs || (mine === theirs && local > peer);
}

/** The engine's rejoin state: wanted joiners, return notices, the absence history. */
export class Rejoins {
  /** Players who asked for a state transfer and are not served yet. */
  readonly wanted = new Set<number>();
  /** Returns announced to us while that player's absence was not agreed here yet: player → J. */
  readonly pendingReturns = new Map<number, number>();
  /**
   * Returned players whose packets are taken only once one carries their own
   * return notice (player → J): packets of their earlier connection may
   * still be in flight.
   */
  readonly awaitingFresh = new Map<number, number>();
  /** Tick of the last transfer sent to each player (rate limit). */
  readonly lastTransferTick = new Map<number, number>();
  /** Absences in the order they began (the input log's and the transfer's list). */
  history: AbsenceRecord[] = [];
  private readonly notices = new Map<number, number>();

  /** An absence was agreed: record it (false when the history is full). */
  absent(player: number, from: number): boolean {
    if (this.history.length >= MAX_ABSENCES) return false;
    this.history.push({ player, from, to: undefined });
    return true;
  }

  /** Player `player` plays again from `frame`: close its open record. */
  returned(player: number, frame: number): void {
    for (let i = this.history.length - 1; i >= 0; i--) {
      const a = this.history[i]!;
      if (a.player === player && a.to === undefined) {
        this.history[i] = { player, from: a.from, to: frame };
        return;
      }
    }
  }

  /**
   * `player`'s open absence from `from` became a departure for good (it left,
   * or its window ran out): drop the record, so the log shows the departure
   * alone, whether the absence was agreed here before or after the peer
   * learnt it was final.
   */
  departed(player: number, from: number): void {
    for (let i = this.history.length - 1; i >= 0; i--) {
      const a = this.history[i]!;
      if (a.player === player && a.to === undefined && a.from === from) {
        this.history.splice(i, 1);
        return;
      }
    }
  }

  /** The return frame of `player`'s latest absence, if it ended. */
  returnFrame(player: number): number | undefined {
    for (let i = this.history.length - 1; i >= 0; i--) if (this.history[i]!.player === player) return this.history[i]!.to;
    return undefined;
  }

  /** Room for another absence record? */
  get full(): boolean {
    return this.history.length >= MAX_ABSENCES;
  }

  /** As the authority: announce that `player` returns at `frame`. */
  announce(player: number, frame: number): void {
    this.notices.set(player, frame);
  }

  /**
   * Notices for the next packet to `peer`, whose ack of our inputs is
   * `ack`; `present` lists the peers still owed notices (a notice is dropped
   * once every one of them acknowledged a frame at or past it).
   */
  noticesFor(peer: number, ack: number, present: (p: number) => number | undefined): ReturnNotice[] | undefined {
    let out: ReturnNotice[] | undefined;
    for (const [player, frame] of this.notices) {
      if (player === peer) continue;
      if (ack < frame) (out ??= []).push({ player, frame });
    }
    for (const [player, frame] of this.notices) {
      let done = true;
      for (let p = 0; p < 8 && done; p++) {
        const a = p === player ? undefined : present(p);
        if (a !== undefined && a < frame) done = false;
      }
      if (done) this.notices.delete(player);
    }
    return out;
  }

  /** Forget everything in flight (this peer starts over as a joiner). */
  clearInFlight(): void {
    this.wanted.clear();
    this.pendingReturns.clear();
    this.notices.clear();
    this.lastTransferTick.clear();
    this.awaitingFresh.clear();
  }

  /** Absences up to `frames` confirmed frames, as the input log records them (a later end is still open there). */
  logged(frames: number): AbsenceRecord[] {
    const out: AbsenceRecord[] = [];
    for (const a of this.history) {
      if (a.from > frames) continue;
      out.push({ player: a.player, from: a.from, to: a.to !== undefined && a.to <= frames ? a.to : undefined });
    }
    return out;
  }
}
