/**
 * Rounds: a session of `episodes` episodes, with an optional countdown
 * between them.
 *
 * Both act only on the confirmed timeline. With either on, the engine never
 * simulates the first frame of an episode it has not confirmed: it holds at
 * a predicted episode start until the frame before it is confirmed (a
 * rollback that finds an earlier boundary stops there too). So every peer
 * stands at the same episode start `B` when the boundary is confirmed, and
 * the decision taken there is the same everywhere:
 *
 * - after the `episodes`-th episode, the session ends at `B` (`endFrame`);
 * - else, with `countdownFrames`, play stays at `B` for that many ticks,
 *   counted only while every player's page is in view and no agreed pause
 *   is open (`presence.ts`, `pause.ts`): the countdown starts only when
 *   every player is focused, and starts over when one looks away.
 *
 * The countdown never changes what is simulated (frames are neither
 * skipped nor repeated), so the input log and replay need nothing for it:
 * its frames are the logged episode starts.
 */

/** A countdown at an episode start. */
export interface Countdown {
  /** The episode start every peer stands at. */
  readonly frame: number;
  /** Ticks still to count (0: released). */
  readonly ticksLeft: number;
  /** Counting (every player focused, no pause open); false while it waits. */
  readonly counting: boolean;
}

export class Rounds {
  private hold: { frame: number; left: number; counting: boolean } | undefined;

  constructor(
    /** Episodes in the session (0: no limit). */
    readonly episodes: number,
    /** Ticks of countdown at each episode start after the first (0: none). */
    readonly countdownFrames: number,
  ) {}

  /** The engine holds at unconfirmed episode starts. */
  get holdsAtBoundaries(): boolean {
    return this.episodes > 0 || this.countdownFrames > 0;
  }

  /** The countdown in force, if any. */
  get countdown(): Countdown | undefined {
    return this.hold ? { frame: this.hold.frame, ticksLeft: this.hold.left, counting: this.hold.counting } : undefined;
  }

  /**
   * Episode `episode` ended on the confirmed timeline; the next starts at
   * `next`. Returns the frame the session ends at, when it is the last.
   */
  onEpisodeEnd(episode: number, next: number): number | undefined {
    if (this.episodes > 0 && episode + 1 >= this.episodes) return next;
    if (this.countdownFrames > 0) this.hold = { frame: next, left: this.countdownFrames, counting: false };
    return undefined;
  }

  /**
   * A tick at `frame`, the gate open or not (every player focused and no
   * pause open). Returns whether play stays where it is, and the countdown
   * when it changed (started, started over, released).
   */
  tick(frame: number, gateOpen: boolean): { held: boolean; changed: Countdown | undefined } {
    const h = this.hold;
    if (!h || frame !== h.frame) return { held: false, changed: undefined };
    let changed = false;
    if (!gateOpen) {
      changed = h.counting;
      h.counting = false;
      h.left = this.countdownFrames;
    } else {
      changed = !h.counting;
      h.counting = true;
      h.left--;
    }
    const now = this.countdown;
    if (h.left <= 0) {
      this.hold = undefined;
      return { held: false, changed: { frame, ticksLeft: 0, counting: true } };
    }
    return { held: true, changed: changed ? now : undefined };
  }
}
