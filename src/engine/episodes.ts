/**
 * Episode bookkeeping on the confirmed timeline. The engine shows this
 * tracker the episode of every newly confirmed start state, in frame order;
 * it reports each boundary once, at the same frame on every peer.
 */
export interface EpisodeEnd {
  /** The episode that ended. */
  readonly episode: number;
  readonly startFrame: number;
  /** Its last frame. */
  readonly endFrame: number;
  /** First frame of the next episode. */
  readonly nextStartFrame: number;
}

export class EpisodeTracker {
  private episode = 0;
  private startFrame = 0;

  /** The confirmed episode that is running. */
  get current(): number {
    return this.episode;
  }

  /** Continue from a transferred state: `episode` is running, since `startFrame`. */
  restore(episode: number, startFrame: number): void {
    this.episode = episode;
    this.startFrame = startFrame;
  }

  /**
   * The state at the start of `frame` belongs to `episode`. Returns the
   * episode that ended right before `frame`, if one did.
   */
  observe(frame: number, episode: number): EpisodeEnd | undefined {
    if (episode <= this.episode) return undefined;
    const ended: EpisodeEnd = { episode: this.episode, startFrame: this.startFrame, endFrame: frame - 1, nextStartFrame: frame };
    this.episode = episode;
    this.startFrame = frame;
    return ended;
  }
}
