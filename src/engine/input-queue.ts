/**
 * One player's inputs, frame-indexed and contiguous from frame 0.
 *
 * Inputs only ever arrive in order here (the engine drops anything past the
 * first gap; the sender resends it), so "known" is a single watermark:
 * every frame `<= lastFrame` is known, nothing after it is.
 */
export class InputQueue {
  private bytes: Uint8Array;
  private last = -1;

  constructor(readonly inputSize: number, initialFrames = 1024) {
    this.bytes = new Uint8Array(initialFrames * inputSize);
  }

  /** Last frame whose input is known (-1 when none). */
  get lastFrame(): number {
    return this.last;
  }

  /** Input of a known frame (a view; do not keep it across appends). */
  get(frame: number): Uint8Array {
    if (frame < 0 || frame > this.last) throw new RangeError(`input of frame ${frame} is not known`);
    const s = this.inputSize;
    return this.bytes.subarray(frame * s, frame * s + s);
  }

  /** Append the input of frame `lastFrame + 1`. */
  append(input: Uint8Array): void {
    const s = this.inputSize;
    if (input.length !== s) throw new RangeError(`input must be ${s} bytes, got ${input.length}`);
    const end = (this.last + 2) * s;
    if (end > this.bytes.length) {
      const grown = new Uint8Array(Math.max(end, this.bytes.length * 2));
      grown.set(this.bytes.subarray(0, (this.last + 1) * s));
      this.bytes = grown;
    }
    this.bytes.set(input, end - s);
    this.last++;
  }

  /** True when `input` equals the stored input of known `frame`. */
  equals(frame: number, input: Uint8Array): boolean {
    const s = this.inputSize;
    const off = frame * s;
    for (let i = 0; i < s; i++) if (this.bytes[off + i] !== input[i]) return false;
    return true;
  }

  /** Inputs of frames `from..to` (inclusive), concatenated (a view). */
  range(from: number, to: number): Uint8Array {
    if (from < 0 || to > this.last || from > to + 1) throw new RangeError(`frames ${from}..${to} are not known`);
    return this.bytes.subarray(from * this.inputSize, (to + 1) * this.inputSize);
  }
}
