/**
 * Players who drop out and may come back, page side: a peer the mesh
 * reports `disconnected` is marked absent in the engine (its seat is kept,
 * its input neutral from an agreed frame) for `rejoinWindowMs`; after that
 * it is dropped for good (today's leave). A player who says `leave` (the
 * server's `peer-left` reason `left`) is dropped for good at once. When the mesh hears from it again
 * (`connected`), the engine exchanges Hellos with it, and whichever side
 * lost the game state loads a state transfer (`src/engine/rejoin.ts`).
 *
 * Bounds: one timer per remote player (at most 7), cleared on return.
 */
import type { PeerStatus } from './transport.ts';

/** What {@link AbsenceWatch} drives: the session's engine calls. */
export interface AbsenceTarget {
  /** Keep the seat of an unreachable player (engine `markAbsent`). */
  markAbsent(player: number): Promise<boolean>;
  /** Drop a player for good (engine `dropPlayer`). */
  dropPlayer(player: number): Promise<boolean>;
  /** The link to `player` works again: exchange Hellos (engine `linkUp`). */
  linkUp(player: number): Promise<void>;
}

/** Largest rejoin window, ms (one day: the timer stays a valid setTimeout delay). */
export const MAX_REJOIN_WINDOW_MS = 86_400_000;

/** Keeps absent players' seats for a window; see the file comment. */
export class AbsenceWatch {
  private readonly timers = new Map<number, ReturnType<typeof setTimeout>>();
  private readonly absent = new Set<number>();
  private readonly gone = new Set<number>();

  /** @param windowMs - how long a seat is kept, ms (0: players who drop out are gone at once). */
  constructor(
    private readonly target: AbsenceTarget,
    readonly windowMs: number,
  ) {}

  /** True while rejoins are on (a positive window). */
  get enabled(): boolean {
    return this.windowMs > 0;
  }

  /** True when `player` is gone for good (its window ran out). */
  isGone(player: number): boolean {
    return this.gone.has(player);
  }

  /**
   * A mesh status change. Returns true when it was handled here (an
   * absence began or ended); false leaves it to the leave logic.
   */
  onStatus(player: number, status: PeerStatus): boolean {
    if (!this.enabled || this.gone.has(player)) return false;
    if (status === 'disconnected') {
      if (this.absent.has(player)) return true;
      this.absent.add(player);
      void this.target.markAbsent(player).catch(() => false);
      this.timers.set(
        player,
        setTimeout(() => {
          this.timers.delete(player);
          this.absent.delete(player);
          this.gone.add(player);
          void this.target.dropPlayer(player).catch(() => false);
        }, this.windowMs),
      );
      return true;
    }
    if (status === 'connected' && this.absent.has(player)) {
      this.absent.delete(player);
      const t = this.timers.get(player);
      if (t !== undefined) clearTimeout(t);
      this.timers.delete(player);
      void this.target.linkUp(player).catch(() => undefined);
      return true;
    }
    return false;
  }

  /**
   * `player` left on purpose (the server says `leave`): no seat is kept, it
   * is dropped for good at once, absent or not. Returns false when it was
   * already gone.
   */
  left(player: number): boolean {
    if (this.gone.has(player)) return false;
    const t = this.timers.get(player);
    if (t !== undefined) clearTimeout(t);
    this.timers.delete(player);
    this.absent.delete(player);
    this.gone.add(player);
    void this.target.dropPlayer(player).catch(() => false);
    return true;
  }

  /** Forget `player`'s absence and window (a late joiner's seat that is free again: never dropped for good). */
  forget(player: number): void {
    const t = this.timers.get(player);
    if (t !== undefined) clearTimeout(t);
    this.timers.delete(player);
    this.absent.delete(player);
  }

  /** Clear every timer (the session ended). */
  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
