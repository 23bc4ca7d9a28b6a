// A game module for the drop-in worker: the default export is the Game.
// A counter per player, advanced by each player's input byte.
export default {
  spec: 'counters',
  inputSize: 1,
  init: () => new Int32Array(3),
  step(state, inputs) {
    const next = new Int32Array(state);
    next[0] = next[0] + inputs[0];
    next[1] = next[1] + inputs[1] * 3;
    next[2] = (Math.imul(next[2], 31) + next[0] - next[1]) | 0;
    return next;
  },
  save: (state) => new Uint8Array(state.buffer.slice(0)),
  load: (bytes) => new Int32Array(bytes.slice().buffer),
  render: (state) => ({ a: state[0], b: state[1] }),
};
