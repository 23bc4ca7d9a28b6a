import { describe, expect, it } from 'vitest';
import { captureInput } from '../../main/input-capture.ts';

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
