/**
 * Correction smoothing for the render side. When a rollback corrects the
 * timeline, objects would teleport to their corrected positions; instead the
 * smoother blends from what is on screen to the corrected state over
 * `durationMs`, using the game's own interpolation.
 */

export interface SmootherOptions<R> {
  /** Blend `from` (on screen) towards `to` (corrected) by `t` in 0..1. */
  interpolate: (from: R, to: R, t: number) => R;
  /** Blend time after a correction, ms. Default 100. */
  durationMs?: number;
}

/** A correction smoother: push render states as they arrive, draw `current(now)`. */
export interface Smoother<R> {
  /** Feed every render state (with whether a rollback corrected it) and the time it arrived. */
  push(state: R, corrected: boolean, now: number): void;
  /** What to draw at `now`. */
  current(now: number): R | null;
}

/** Smooth visual corrections: after a rollback changes what is shown, blend from the old picture to the corrected one over `durationMs`. */
export function createSmoother<R>(options: SmootherOptions<R>): Smoother<R> {
  const duration = options.durationMs ?? 100;
  let target: R | null = null;
  let shown: R | null = null;
  let blendFrom: R | null = null;
  let blendStart = 0;
  let blending = false;
  const current = (now: number): R | null => {
    if (target === null) return null;
    if (!blending || blendFrom === null) return (shown = target);
    const t = duration <= 0 ? 1 : Math.min(1, (now - blendStart) / duration);
    if (t >= 1) blending = false;
    shown = t >= 1 ? target : options.interpolate(blendFrom, target, t);
    return shown;
  };
  return {
    push(state, corrected, now) {
      if (corrected && shown !== null) {
        // start (or restart) a blend from whatever is on screen now
        blendFrom = current(now);
        blendStart = now;
        blending = true;
      }
      target = state;
    },
    current,
  };
}
