/**
 * The app's own game: two racers on a track. Input bit 0 accelerates, bit 1
 * brakes; a racer that reaches the end starts over and scores. State is
 * four int32 words (positions, speeds as fixed point, and scores packed), so
 * snapshots are 16-byte copies.
 */
import type { Game } from 'netroll/core';

/** Racer positions, speeds and scores. */
export type RaceState = Int32Array;

const TRACK = 10_000;

/** The racing game, as both peers' workers run it. */
export const race: Game<RaceState, { pos: number[]; score: number[] }> = {
  spec: 'race',
  inputSize: 1,
  init: () => new Int32Array(6),
  step(state, inputs) {
    const next = new Int32Array(state);
    for (let p = 0; p < 2; p++) {
      const bits = inputs[p] ?? 0; // one byte per player
      let speed = next[2 + p]!;
      if (bits & 1) speed = Math.min(speed + 3, 120);
      else if (bits & 2) speed = Math.max(speed - 5, 0);
      else speed = speed - (speed >> 4);
      next[2 + p] = speed;
      next[p] = next[p]! + speed;
      if (next[p]! >= TRACK) {
        next[p] = next[p]! - TRACK;
        next[4 + p] = next[4 + p]! + 1;
      }
    }
    return next;
  },
  save: (state, reuse) => {
    const out = reuse && reuse.byteLength === state.byteLength ? reuse : new Uint8Array(state.byteLength);
    out.set(new Uint8Array(state.buffer, state.byteOffset, state.byteLength));
    return out;
  },
  load: (bytes) => new Int32Array(bytes.slice().buffer),
  render: (state) => ({ pos: [state[0]!, state[1]!], score: [state[4]!, state[5]!] }),
};
