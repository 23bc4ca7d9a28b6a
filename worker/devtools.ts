/**
 * DevTools timings. Rollbacks (and, with `profile: 'detailed'`, every step,
 * save, load, hash and re-simulation) become a `performance.measure` named
 * for a person (`rollback 6f`, `step f1234`) with `detail.devtools`, so
 * Chrome draws them on a custom "netroll" track in the Performance panel.
 * The one span per tick goes to `console.timeStamp` with the same track
 * (Chrome's cheap extensibility API: no buffered entry, no detail object to
 * clone), so the default profile costs little per frame.
 * Buffered entries are cleared every few seconds (recordings already hold
 * them), so a long session does not grow the timeline buffer.
 */
import type { TraceSpan } from '../src/engine/engine.ts';

const TRACK = 'netroll';
const CLEAR_EVERY_TICKS = 600;
const COLORS: Record<TraceSpan['name'], string> = {
  tick: 'primary-light',
  rollback: 'error',
  resimulate: 'warning',
  load: 'tertiary',
  save: 'secondary',
  step: 'primary',
  hash: 'tertiary-dark',
};

/** The label a span gets in DevTools. */
export function spanName(span: TraceSpan): string {
  switch (span.name) {
    case 'rollback':
      return `rollback ${span.depth}f`;
    case 'resimulate':
      return `resimulate ${span.depth}f`;
    default:
      return `${span.name} f${span.frame}`;
  }
}

type TimeStamp = (label: string, start?: number, end?: number, track?: string, group?: string, color?: string) => void;

export class DevtoolsTrack {
  private readonly supported = typeof performance !== 'undefined' && typeof performance.measure === 'function';
  private readonly timeStamp: TimeStamp | undefined =
    typeof console !== 'undefined' && typeof console.timeStamp === 'function' ? (console.timeStamp as TimeStamp).bind(console) : undefined;
  private readonly names = new Set<string>();

  measure(span: TraceSpan): void {
    if (span.name === 'tick') {
      this.timeStamp?.('tick', span.start, span.end, TRACK, undefined, COLORS.tick);
      return;
    }
    if (!this.supported) return;
    const name = spanName(span);
    this.names.add(name);
    performance.measure(name, {
      start: span.start,
      end: Math.max(span.end, span.start),
      detail: {
        devtools: {
          dataType: 'track-entry',
          track: TRACK,
          color: COLORS[span.name],
          tooltipText: name,
          properties: [
            ['frame', String(span.frame)],
            ...(span.depth !== undefined ? [['depth', String(span.depth)]] : []),
          ],
        },
        netroll: { kind: span.name, frame: span.frame, depth: span.depth },
      },
    });
  }

  /** Buffered measures this track made. */
  entries(): { name: string; start: number; duration: number; detail: unknown }[] {
    if (!this.supported) return [];
    return performance
      .getEntriesByType('measure')
      .filter((e) => this.names.has(e.name))
      .map((e) => ({ name: e.name, start: e.startTime, duration: e.duration, detail: (e as { detail?: unknown }).detail }));
  }

  /** Clear buffered measures every CLEAR_EVERY_TICKS ticks. */
  maybeClear(ticks: number): void {
    if (!this.supported || ticks % CLEAR_EVERY_TICKS !== 0) return;
    for (const name of this.names) performance.clearMeasures(name);
    this.names.clear();
  }
}
