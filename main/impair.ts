/**
 * Outgoing impairment for a transport: added latency, jitter and loss on
 * this peer's packets, changeable at runtime (demo controls, experiments).
 * Decisions use a seeded PRNG so a run can be repeated.
 */
import type { PacketTransport, PeerStatus } from './transport.ts';

export interface Impairment {
  /** Added one-way delay, ms. */
  latencyMs: number;
  /** Uniform jitter, ± ms. */
  jitterMs: number;
  /** Drop probability, 0..1. */
  loss: number;
}

export interface ImpairedTransport extends PacketTransport {
  /** Current settings (mutate through `set`). */
  readonly impairment: Readonly<Impairment>;
  set(next: Partial<Impairment>): void;
  /** Packets dropped and delayed so far. */
  readonly counters: { dropped: number; delayed: number };
}

export function impairTransport(inner: PacketTransport, initial: Partial<Impairment> = {}, seed = 1): ImpairedTransport {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const settings: Impairment = { latencyMs: 0, jitterMs: 0, loss: 0, ...initial };
  const counters = { dropped: 0, delayed: 0 };
  const timers = new Set<ReturnType<typeof setTimeout>>();
  return {
    impairment: settings,
    counters,
    set(next) {
      for (const [k, v] of Object.entries(next) as [keyof Impairment, number][]) {
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (k === 'loss' && v > 1)) {
          throw new RangeError(`${k} must be a finite number ${k === 'loss' ? 'in 0..1' : '>= 0'}, got ${v}`);
        }
        settings[k] = v;
      }
    },
    send(peer, packet) {
      if (settings.loss > 0 && random() < settings.loss) {
        counters.dropped++;
        return;
      }
      const delay = settings.latencyMs + (random() * 2 - 1) * settings.jitterMs;
      if (delay <= 0) return inner.send(peer, packet);
      counters.delayed++;
      const timer = setTimeout(() => {
        timers.delete(timer);
        inner.send(peer, packet);
      }, delay);
      timers.add(timer);
    },
    onPacket: (handler) => inner.onPacket(handler),
    onStatus: (handler: (peer: number, status: PeerStatus) => void) => inner.onStatus?.(handler),
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      inner.close?.();
    },
  };
}
