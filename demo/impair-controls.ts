/**
 * Sliders for this peer's outgoing impairment (added latency, jitter, loss),
 * applied through the session's `impair` (joinGame's `impairment` option).
 */
import type { Impairment } from '../main/impair.ts';

interface SliderSpec {
  readonly key: keyof Impairment;
  readonly label: string;
  readonly max: number;
  readonly step: number;
  /** Slider value → impairment value. */
  readonly toValue: (v: number) => number;
  readonly format: (v: number) => string;
}

const SLIDERS: readonly SliderSpec[] = [
  { key: 'latencyMs', label: 'added latency', max: 250, step: 5, toValue: (v) => v, format: (v) => `${v} ms` },
  { key: 'jitterMs', label: 'jitter ±', max: 100, step: 5, toValue: (v) => v, format: (v) => `${v} ms` },
  { key: 'loss', label: 'packet loss', max: 50, step: 1, toValue: (v) => v / 100, format: (v) => `${v} %` },
];

export class ImpairControls {
  private readonly settings: Impairment = { latencyMs: 0, jitterMs: 0, loss: 0 };
  private listener: ((next: Impairment) => void) | null = null;
  private readonly inputs: HTMLInputElement[] = [];

  constructor(root: HTMLElement) {
    const list = root.querySelector('.sliders')!;
    for (const spec of SLIDERS) {
      const label = document.createElement('label');
      label.className = 'slider';
      const name = document.createElement('span');
      name.textContent = spec.label;
      const input = document.createElement('input');
      input.type = 'range';
      input.min = '0';
      input.max = String(spec.max);
      input.step = String(spec.step);
      input.value = '0';
      input.dataset.impair = spec.key;
      const out = document.createElement('output');
      out.textContent = spec.format(0);
      input.addEventListener('input', () => {
        const v = Number(input.value);
        out.textContent = spec.format(v);
        this.settings[spec.key] = spec.toValue(v);
        this.listener?.({ ...this.settings });
      });
      // Keys belong to the game: leave the slider once it was used with the pointer.
      input.addEventListener('pointerup', () => input.blur());
      label.append(name, input, out);
      list.append(label);
      this.inputs.push(input);
    }
    root.querySelector<HTMLButtonElement>('.reset')?.addEventListener('click', (e) => {
      for (const input of this.inputs) {
        input.value = '0';
        input.dispatchEvent(new Event('input'));
      }
      (e.currentTarget as HTMLButtonElement).blur();
    });
  }

  /** The current settings. */
  values(): Impairment {
    return { ...this.settings };
  }

  /** Move the sliders to `next` (as a player would) and apply it. */
  set(next: Partial<Impairment>): void {
    SLIDERS.forEach((spec, i) => {
      const v = next[spec.key];
      if (v === undefined) return;
      const input = this.inputs[i]!;
      input.value = String(spec.key === 'loss' ? Math.round(v * 100) : v);
      input.dispatchEvent(new Event('input'));
    });
  }

  /** Call `listener` with the settings whenever a slider moves. */
  onChange(listener: (next: Impairment) => void): void {
    this.listener = listener;
  }
}
