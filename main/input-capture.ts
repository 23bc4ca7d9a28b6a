/**
 * Keyboard and gamepad capture mapped to a game's input bits. Read it once
 * per frame (or on change) and pass the bytes to `session.setInput`.
 */

/** Key `code` (KeyboardEvent.code) → bit to set in the input byte. */
export type KeyMap = Record<string, number>;

/** Arrow keys / WASD → up(1) down(2) left(4) right(8), Space → action(16): the built-in games' layout. */
export const DEFAULT_KEYS: KeyMap = {
  ArrowUp: 1,
  KeyW: 1,
  ArrowDown: 2,
  KeyS: 2,
  ArrowLeft: 4,
  KeyA: 4,
  ArrowRight: 8,
  KeyD: 8,
  Space: 16,
};

export interface InputCaptureOptions {
  keys?: KeyMap;
  /** Where to listen for keys. Default: `window`. */
  target?: EventTarget;
  /** Gamepad index to read, or null for none. Default 0. */
  gamepad?: number | null;
  /** Bytes per input (the game's inputSize). Default 1; bits beyond 8 spill into later bytes. */
  size?: number;
  /** Called when the input changes. */
  onChange?: (input: Uint8Array) => void;
}

export interface InputCapture {
  /** The current input (a fresh copy). Polls the gamepad. */
  read(): Uint8Array;
  dispose(): void;
}

/** Gamepad standard mapping: d-pad 12..15, A button 0, left stick with a dead zone. */
function gamepadBits(pad: { buttons: readonly { pressed: boolean }[]; axes: readonly number[] }): number {
  let bits = 0;
  const pressed = (i: number) => pad.buttons[i]?.pressed === true;
  const [x = 0, y = 0] = pad.axes;
  if (pressed(12) || y < -0.5) bits |= 1;
  if (pressed(13) || y > 0.5) bits |= 2;
  if (pressed(14) || x < -0.5) bits |= 4;
  if (pressed(15) || x > 0.5) bits |= 8;
  if (pressed(0)) bits |= 16;
  return bits;
}

export function captureInput(options: InputCaptureOptions = {}): InputCapture {
  const keys = options.keys ?? DEFAULT_KEYS;
  const target = options.target ?? globalThis;
  const size = options.size ?? 1;
  const held = new Set<string>();
  let last = -1;
  const bitsNow = (): number => {
    let bits = 0;
    for (const code of held) bits |= keys[code] ?? 0;
    const index = options.gamepad === undefined ? 0 : options.gamepad;
    if (index !== null && typeof navigator !== 'undefined' && navigator.getGamepads) {
      const pad = navigator.getGamepads()[index];
      if (pad) bits |= gamepadBits(pad);
    }
    return bits;
  };
  const toBytes = (bits: number) => {
    const out = new Uint8Array(size);
    for (let i = 0; i < size; i++) out[i] = (bits >>> (8 * i)) & 0xff;
    return out;
  };
  const changed = () => {
    const bits = bitsNow();
    if (bits !== last) {
      last = bits;
      options.onChange?.(toBytes(bits));
    }
  };
  const down = (e: Event) => {
    const code = (e as KeyboardEvent).code;
    if (!(code in keys)) return;
    e.preventDefault();
    held.add(code);
    changed();
  };
  const up = (e: Event) => {
    held.delete((e as KeyboardEvent).code);
    changed();
  };
  const blur = () => {
    held.clear();
    changed();
  };
  target.addEventListener('keydown', down);
  target.addEventListener('keyup', up);
  target.addEventListener('blur', blur);
  return {
    read() {
      const bits = bitsNow();
      last = bits;
      return toBytes(bits);
    },
    dispose() {
      target.removeEventListener('keydown', down);
      target.removeEventListener('keyup', up);
      target.removeEventListener('blur', blur);
    },
  };
}
