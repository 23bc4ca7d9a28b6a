/**
 * The absent-partner policy: what a peer does about its own page being
 * hidden (`presence.ts` tells the others either way).
 *
 * - `pauseOnPeerHidden`: while this page is hidden, this peer holds an
 *   agreed pause (`pause.ts`, reason `peer-hidden`): every peer stalls at the
 *   same frame, and the logs stay identical. Visible again: it resumes.
 * - `focusLossTimeoutMs`: once this page has been hidden that long, this
 *   peer ends the session everywhere with a final pause (reason
 *   `focus-timeout`).
 *
 * The hidden page's own peer decides, because it alone knows exactly when
 * it was hidden; its engine keeps ticking in its worker while hidden. A page
 * that stops altogether (closed, frozen) goes silent, and the leave protocol
 * handles it.
 */
import type { PauseReason } from '../contracts/vocabulary.ts';

/** What the policy may do to the engine. */
export interface AbsenceActions {
  /** Request a pause; returns its id (undefined: refused, e.g. the pause budget is used up). */
  pause(reason: PauseReason, final: boolean): number | undefined;
  /** Resume our pause `id`. */
  resume(id: number): void;
}

export class AbsencePolicy {
  private hiddenPause: number | undefined;
  private timedOut = false;

  constructor(
    /** Hold an agreed pause while this page is hidden. */
    readonly pauseOnPeerHidden: boolean,
    /** End the session after this page was hidden this long, ms (0: never). */
    readonly focusLossTimeoutMs: number,
  ) {}

  /** The session was ended here for a focus timeout. */
  get timedOutHere(): boolean {
    return this.timedOut;
  }

  /** Apply the policy: this page is `focused`, hidden for `hiddenMs`. */
  step(focused: boolean, hiddenMs: number, act: AbsenceActions): void {
    if (this.timedOut) return;
    if (!focused && this.focusLossTimeoutMs > 0 && hiddenMs >= this.focusLossTimeoutMs) {
      if (act.pause('focus-timeout', true) !== undefined) this.timedOut = true;
      return;
    }
    if (!this.pauseOnPeerHidden) return;
    if (!focused && this.hiddenPause === undefined) this.hiddenPause = act.pause('peer-hidden', false);
    else if (focused && this.hiddenPause !== undefined) {
      act.resume(this.hiddenPause);
      this.hiddenPause = undefined;
    }
  }
}
