/**
 * Fixed-size ring of snapshot byte buffers indexed by frame. Buffers are
 * reused, so saving a snapshot allocates nothing once the ring is warm.
 */
export class SnapshotRing {
  private readonly slots: (Uint8Array | undefined)[];
  private readonly frames: Int32Array;

  constructor(readonly capacity: number) {
    this.slots = new Array<Uint8Array | undefined>(capacity);
    this.frames = new Int32Array(capacity).fill(-1);
  }

  /** The buffer last stored in the slot `frame` maps to, for reuse. */
  reusable(frame: number): Uint8Array | undefined {
    return this.slots[frame % this.capacity];
  }

  put(frame: number, bytes: Uint8Array): void {
    const i = frame % this.capacity;
    this.slots[i] = bytes;
    this.frames[i] = frame;
  }

  /** The snapshot of `frame`, or undefined when it was overwritten. */
  get(frame: number): Uint8Array | undefined {
    const i = frame % this.capacity;
    return this.frames[i] === frame ? this.slots[i] : undefined;
  }
}
