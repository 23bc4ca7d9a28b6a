import { afterEach, describe, expect, it } from 'vitest';
import { captureInput } from '../../main/input-capture.ts';
import { NetrollError } from '../../src/contracts/errors.ts';

const key = (type: 'keydown' | 'keyup', code: string, target: EventTarget) =>
  target.dispatchEvent(new KeyboardEvent(type, { code, bubbles: true, cancelable: true }));

describe('input capture', () => {
  it('maps held keys to input bits and reports changes', () => {
    const target = new EventTarget();
    const changes: number[] = [];
    const capture = captureInput({ target, gamepad: null, onChange: (b) => changes.push(b[0]!) });
    key('keydown', 'ArrowUp', target);
    key('keydown', 'KeyD', target);
    expect([...capture.read()]).toEqual([1 | 8]);
    key('keydown', 'ArrowUp', target); // auto-repeat: no change
    key('keyup', 'ArrowUp', target);
    key('keydown', 'Space', target);
    expect([...capture.read()]).toEqual([8 | 16]);
    expect(changes).toEqual([1, 9, 8, 24]);
    target.dispatchEvent(new Event('blur'));
    expect([...capture.read()]).toEqual([0]);
    capture.dispose();
    key('keydown', 'ArrowUp', target);
    expect([...capture.read()]).toEqual([0]);
  });

  it('supports custom maps and multi-byte inputs', () => {
    const target = new EventTarget();
    const capture = captureInput({ target, gamepad: null, size: 2, keys: { KeyJ: 1 << 9, KeyK: 1 } });
    key('keydown', 'KeyJ', target);
    key('keydown', 'KeyK', target);
    expect([...capture.read()]).toEqual([1, 2]);
    key('keydown', 'KeyQ', target); // unmapped keys are ignored
    expect([...capture.read()]).toEqual([1, 2]);
    capture.dispose();
  });
});

/** A fake standard-mapping gamepad the test moves; `navigator.getGamepads` is stubbed to return it. */
interface FakePad {
  buttons: { pressed: boolean }[];
  axes: number[];
}
const fakePad = (): FakePad => ({ buttons: Array.from({ length: 17 }, () => ({ pressed: false })), axes: [0, 0, 0, 0] });

function stubGamepads(pads: (FakePad | null)[]): () => void {
  Object.defineProperty(navigator, 'getGamepads', { configurable: true, value: () => pads.slice() });
  return () => {
    delete (navigator as { getGamepads?: unknown }).getGamepads; // back to Navigator.prototype's
  };
}

const nextFrames = (n: number) =>
  new Promise<void>((resolve) => {
    const step = (left: number) => (left === 0 ? resolve() : requestAnimationFrame(() => step(left - 1)));
    step(n);
  });

describe('gamepad capture', () => {
  let restore: (() => void) | null = null;
  afterEach(() => {
    restore?.();
    restore = null;
  });

  it('maps the d-pad, the A button and the left stick (with a dead zone) to the keyboard layout', () => {
    const pad = fakePad();
    restore = stubGamepads([pad]);
    const capture = captureInput({ target: new EventTarget() });
    expect([...capture.read()]).toEqual([0]);
    pad.buttons[12]!.pressed = true; // d-pad up
    pad.buttons[0]!.pressed = true; // A
    expect([...capture.read()]).toEqual([1 | 16]);
    pad.buttons[12]!.pressed = false;
    pad.buttons[0]!.pressed = false;
    pad.axes[0] = 0.4; // inside the dead zone: nothing
    pad.axes[1] = -0.3;
    expect([...capture.read()]).toEqual([0]);
    pad.axes[0] = 0.9; // right
    pad.axes[1] = 0.8; // down
    expect([...capture.read()]).toEqual([2 | 8]);
    pad.axes[0] = -0.9; // left
    pad.axes[1] = -0.8; // up
    expect([...capture.read()]).toEqual([1 | 4]);
    capture.dispose();
  });

  it('polls the pad once per animation frame and fires onChange, merging with held keys', async () => {
    const pad = fakePad();
    restore = stubGamepads([pad]);
    const target = new EventTarget();
    const changes: number[] = [];
    const capture = captureInput({ target, onChange: (b) => changes.push(b[0]!) });
    pad.buttons[15]!.pressed = true; // d-pad right, never read() by the test
    await nextFrames(3);
    expect(changes).toEqual([8]);
    key('keydown', 'Space', target);
    expect(changes).toEqual([8, 24]);
    pad.buttons[15]!.pressed = false;
    await nextFrames(3);
    expect(changes).toEqual([8, 24, 16]);
    capture.dispose();
    pad.buttons[13]!.pressed = true; // disposed: no more polling
    await nextFrames(3);
    expect(changes).toEqual([8, 24, 16]);
  });

  it('reads the chosen pad with a custom map, ignores a missing pad, and reads no pad with gamepad: null', () => {
    const pad = fakePad();
    restore = stubGamepads([null, pad]);
    pad.buttons[1]!.pressed = true; // B
    pad.buttons[12]!.pressed = true;
    pad.axes[0] = 1;
    const custom = captureInput({ target: new EventTarget(), gamepad: 1, size: 2, gamepadButtons: { 1: 1 << 8 }, stick: null, pollMs: 1000 });
    expect([...custom.read()]).toEqual([0, 1]); // only B (bit 8); the d-pad and stick are not mapped
    custom.dispose();
    const missing = captureInput({ target: new EventTarget(), gamepad: 0, pollMs: 1000 });
    expect([...missing.read()]).toEqual([0]); // slot 0 is empty
    missing.dispose();
    const none = captureInput({ target: new EventTarget(), gamepad: null });
    restore();
    restore = stubGamepads([pad]);
    expect([...none.read()]).toEqual([0]);
    none.dispose();
  });

  it('refuses mappings that do not fit the input size', () => {
    expect(() => captureInput({ target: new EventTarget(), gamepad: null, keys: { KeyA: 256 } })).toThrow(NetrollError);
    expect(() => captureInput({ target: new EventTarget(), gamepad: null, gamepadButtons: { 0: 1 << 16 }, size: 2 })).toThrow(/does not fit 2 input byte/);
    expect(() => captureInput({ target: new EventTarget(), gamepad: null, size: 0 })).toThrow(/size must be 1..16/);
    expect(() => captureInput({ target: new EventTarget(), gamepad: null, deadZone: 2 })).toThrow(/deadZone/);
  });
});
