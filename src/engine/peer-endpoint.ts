/**
 * One remote peer as the engine's protocol sees it: what it acknowledged of
 * our inputs, what we last sent it, its reported frame (for frame
 * advantage), the round-trip time, and the ping id we owe it an echo for.
 * Fixed size: nothing here grows with the session.
 */
import { NO_ACK } from '../protocol/messages.ts';

/** RTT samples averaged per peer. */
export const RTT_WINDOW = 10;

export class PeerEndpoint {
  /** Last frame of our inputs this peer holds contiguously (`NO_ACK` before its first ack). */
  ack = NO_ACK;
  /** Last frame of our inputs we put in a packet to this peer (-1: none yet). */
  lastSent = -1;
  /** Newest simulation frame this peer reported (-1: none yet). */
  reportedFrame = -1;
  /** A ping id this peer sent that our next packet echoes. */
  pongDue: number | undefined;
  private readonly rtts = new Float64Array(RTT_WINDOW);
  private rttCount = 0;
  private rttNext = 0;
  private rttSum = 0;

  constructor(readonly player: number) {}

  /** Take a newer ack (a lower one is stale and ignored). */
  takeAck(ack: number): void {
    if (ack > this.ack) this.ack = ack;
  }

  /**
   * Take the sender frame of a packet. Returns true when it is newer than
   * any before (only then is it a fresh frame-advantage sample).
   */
  takeReportedFrame(frame: number): boolean {
    if (frame <= this.reportedFrame) return false;
    this.reportedFrame = frame;
    return true;
  }

  /** Record one round trip, ms. */
  recordRtt(ms: number): void {
    if (this.rttCount === RTT_WINDOW) this.rttSum -= this.rtts[this.rttNext]!;
    else this.rttCount++;
    this.rtts[this.rttNext] = ms;
    this.rttSum += ms;
    this.rttNext = (this.rttNext + 1) % RTT_WINDOW;
  }

  /** Mean RTT over the last samples, ms (0 before the first). */
  get rttMs(): number {
    return this.rttCount === 0 ? 0 : this.rttSum / this.rttCount;
  }

  /**
   * Frames of our inputs (`lastFrame` is our newest) to put in the next
   * packet: everything this peer has not acknowledged, but never fewer than
   * `minRedundancy` frames and never more than `maxFrames`.
   */
  nextRange(lastFrame: number, minRedundancy: number, maxFrames: number): { start: number; count: number } {
    let start = Math.min(this.ack + 1, lastFrame - minRedundancy + 1);
    if (start < 0) start = 0;
    if (start > lastFrame) start = lastFrame;
    return { start, count: Math.min(lastFrame - start + 1, maxFrames) };
  }

  /** Note a packet carrying frames `start..end`; returns how many of them were sent for the first time. */
  noteSent(start: number, end: number): number {
    const fresh = Math.max(0, end - Math.max(this.lastSent, start - 1));
    if (end > this.lastSent) this.lastSent = end;
    return fresh;
  }
}
