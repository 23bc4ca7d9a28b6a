/**
 * Keyboard and gamepad capture mapped to a game's input bits. Pass the bytes
 * to `session.setInput` from `onChange`, or read them once per frame.
 *
 * Keys arrive as events; gamepads have no button events, so while a gamepad
 * is read the capture polls it once per animation frame (or every
 * `pollMs`), and `onChange` fires for pad changes as it does for keys.
 */
import { ErrorCode, NetrollError } from '../src/contracts/errors.ts';

/** Key `code` (KeyboardEvent.code) → bit to set in the input. */
export type KeyMap = Record<string, number>;

/** Gamepad button index (standard mapping) → bit to set in the input. */
export type GamepadButtonMap = Record<number, number>;

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

/** Standard-mapping d-pad (12 up, 13 down, 14 left, 15 right) and the A button (0): the same bits as {@link DEFAULT_KEYS}. */
export const DEFAULT_GAMEPAD_BUTTONS: GamepadButtonMap = { 12: 1, 13: 2, 14: 4, 15: 8, 0: 16 };

/** Bits the left stick sets when pushed past the dead zone. */
export interface StickBits {
  /** Bits set when the stick is pushed up. */
  up: number;
  /** Bits set when the stick is pushed down. */
  down: number;
  /** Bits set when the stick is pushed left. */
  left: number;
  /** Bits set when the stick is pushed right. */
  right: number;
}

/** The left stick sets the same direction bits as the d-pad. */
export const DEFAULT_STICK: StickBits = { up: 1, down: 2, left: 4, right: 8 };

/** What the capture reads of a gamepad (a subset of the DOM `Gamepad`). */
interface GamepadLike {
  readonly buttons: readonly { readonly pressed: boolean }[];
  readonly axes: readonly number[];
}

/** Options of {@link captureInput}: key and button maps, stick bits and dead zone, input size, change callback. */
export interface InputCaptureOptions {
  /** Key code → bit. Default {@link DEFAULT_KEYS}. */
  keys?: KeyMap;
  /** Where to listen for keys. Default: `window`. */
  target?: EventTarget;
  /** Gamepad index to read, or null for none. Default 0. */
  gamepad?: number | null;
  /** Gamepad button → bit. Default {@link DEFAULT_GAMEPAD_BUTTONS}. */
  gamepadButtons?: GamepadButtonMap;
  /** Left-stick direction bits, or null to ignore the stick. Default {@link DEFAULT_STICK}. */
  stick?: StickBits | null;
  /** Stick dead zone, 0..1 (an axis must pass it to count). Default 0.5. */
  deadZone?: number;
  /**
   * How often to poll the gamepad for `onChange`, ms; 0 polls once per
   * animation frame (the default where `requestAnimationFrame` exists,
   * otherwise 16 ms). Polling runs only while a gamepad is read.
   */
  pollMs?: number;
  /** Bytes per input (the game's inputSize, 1..16). Default 1; bits beyond 8 spill into later bytes. */
  size?: number;
  /** Called when the input changes (from keys, focus loss or the gamepad poll). */
  onChange?: (input: Uint8Array) => void;
}

/** A running input capture (keyboard and gamepad 0); `stop()` removes its listeners. */
export interface InputCapture {
  /** The current input (a fresh copy). Polls the gamepad; fires `onChange` if it changed. */
  read(): Uint8Array;
  /** Stop listening and polling. */
  dispose(): void;
}

const MAX_BITS = 16 * 8;

/** The bits a gamepad's state sets. */
function gamepadBits(pad: GamepadLike, buttons: GamepadButtonMap = DEFAULT_GAMEPAD_BUTTONS, stick: StickBits | null = DEFAULT_STICK, deadZone = 0.5): bigint {
  let bits = 0n;
  for (const [index, bit] of Object.entries(buttons)) {
    if (pad.buttons[Number(index)]?.pressed === true) bits |= BigInt(bit);
  }
  if (stick) {
    const [x = 0, y = 0] = pad.axes;
    if (y < -deadZone) bits |= BigInt(stick.up);
    if (y > deadZone) bits |= BigInt(stick.down);
    if (x < -deadZone) bits |= BigInt(stick.left);
    if (x > deadZone) bits |= BigInt(stick.right);
  }
  return bits;
}

function checkBits(what: string, map: Record<string, number>, size: number): void {
  for (const [name, bit] of Object.entries(map)) {
    if (!Number.isSafeInteger(bit) || bit < 0 || bit >= 2 ** Math.min(size * 8, 53)) {
      throw new NetrollError(ErrorCode.InvalidOption, `captureInput: ${what} "${name}" maps to ${bit}, which does not fit ${size} input byte(s)`);
    }
  }
}

/**
 * Start capturing keyboard (and gamepad) input.
 * @throws NetrollError `invalid-option` for a size outside 1..16, a dead zone outside 0..1, or a
 *   mapped bit that does not fit `size` bytes.
 */
export function captureInput(options: InputCaptureOptions = {}): InputCapture {
  const keys = options.keys ?? DEFAULT_KEYS;
  const buttons = options.gamepadButtons ?? DEFAULT_GAMEPAD_BUTTONS;
  const stick = options.stick === undefined ? DEFAULT_STICK : options.stick;
  const deadZone = options.deadZone ?? 0.5;
  const size = options.size ?? 1;
  const padIndex = options.gamepad === undefined ? 0 : options.gamepad;
  if (!Number.isInteger(size) || size < 1 || size * 8 > MAX_BITS) throw new NetrollError(ErrorCode.InvalidOption, `captureInput: size must be 1..16 bytes, got ${size}`);
  if (!(deadZone >= 0 && deadZone <= 1)) throw new NetrollError(ErrorCode.InvalidOption, `captureInput: deadZone must be 0..1, got ${deadZone}`);
  checkBits('key', keys, size);
  checkBits('gamepad button', buttons, size);
  if (stick) checkBits('stick direction', { ...stick }, size);

  const target = options.target ?? globalThis;
  const held = new Set<string>();
  const readPad = (): GamepadLike | null => {
    if (padIndex === null || typeof navigator === 'undefined' || typeof navigator.getGamepads !== 'function') return null;
    return navigator.getGamepads()[padIndex] ?? null;
  };
  const bitsNow = (): bigint => {
    let bits = 0n;
    for (const code of held) bits |= BigInt(keys[code] ?? 0);
    const pad = readPad();
    if (pad) bits |= gamepadBits(pad, buttons, stick, deadZone);
    return bits;
  };
  const toBytes = (bits: bigint) => {
    const out = new Uint8Array(size);
    for (let i = 0; i < size; i++) out[i] = Number((bits >> BigInt(8 * i)) & 0xffn);
    return out;
  };
  let last = 0n;
  const changed = (): bigint => {
    const bits = bitsNow();
    if (bits !== last) {
      last = bits;
      options.onChange?.(toBytes(bits));
    }
    return bits;
  };
  const down = (e: Event) => {
    const code = (e as KeyboardEvent).code;
    if (!Object.hasOwn(keys, code)) return;
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

  // Gamepad polling: once per animation frame (or every pollMs) while a pad is read.
  let disposed = false;
  let raf: number | null = null;
  let interval: ReturnType<typeof setInterval> | null = null;
  if (padIndex !== null && typeof navigator !== 'undefined' && typeof navigator.getGamepads === 'function') {
    const pollMs = options.pollMs ?? 0;
    if (pollMs === 0 && typeof requestAnimationFrame === 'function') {
      const frame = () => {
        if (disposed) return;
        changed();
        raf = requestAnimationFrame(frame);
      };
      raf = requestAnimationFrame(frame);
    } else {
      interval = setInterval(() => void changed(), pollMs > 0 ? pollMs : 16);
    }
  }

  return {
    read() {
      return toBytes(changed());
    },
    dispose() {
      disposed = true;
      if (raf !== null) cancelAnimationFrame(raf);
      if (interval !== null) clearInterval(interval);
      target.removeEventListener('keydown', down);
      target.removeEventListener('keyup', up);
      target.removeEventListener('blur', blur);
      held.clear();
    },
  };
}
