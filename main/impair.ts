/**
 * Outgoing impairment for a transport: added latency, jitter, loss (and,
 * optionally, duplication and reordering) on this peer's packets, changeable
 * at runtime (demo controls, experiments). The inner transport's reliable
 * channel and engine channels pass through unimpaired. Bound: at most
 * MAX_DELAYED_PACKETS (4,096) packets wait out their delay; more are
 * dropped and counted. Decisions come from the seeded
 * impairment model of src/sim, so a run can be repeated.
 */
import { ErrorCode, NetrollError } from '../src/contracts/errors.ts';
import { checkConditions, ImpairmentModel, type LinkConditions, MAX_DELAYED_PACKETS } from '../src/sim/impairment.ts';
import type { PacketTransport, PeerStatus } from './transport.ts';

/** Latency, jitter and loss added to outgoing packets. */
export interface Impairment {
  /** Added one-way delay, ms. */
  latencyMs: number;
  /** Uniform jitter, ± ms. */
  jitterMs: number;
  /** Drop probability, 0..1. */
  loss: number;
  /** Duplication probability, 0..1. Default 0. */
  dup?: number;
  /** Probability a packet is held back (reordered), 0..1. Default 0. */
  reorder?: number;
}

/** A transport wrapped by {@link impairTransport}; `set()` changes the impairment at run time. */
export interface ImpairedTransport extends PacketTransport {
  /** Current settings (mutate through `set`). */
  readonly impairment: Readonly<Impairment>;
  /** Change the given settings (others keep their values); validated first, so a bad value changes nothing. */
  set(next: Partial<Impairment>): void;
  /** Packets dropped and delayed so far. */
  readonly counters: { dropped: number; delayed: number };
}

/**
 * Wrap `inner` so this peer's outgoing packets are impaired.
 * @throws NetrollError `invalid-option` (also from `set`) for a setting that
 *   is not a finite number >= 0, or a probability above 1; nothing changes then.
 */
export function impairTransport(inner: PacketTransport, initial: Partial<Impairment> = {}, seed = 1): ImpairedTransport {
  const model = new ImpairmentModel(seed);
  const settings: Impairment = { latencyMs: 0, jitterMs: 0, loss: 0 };
  const counters = { dropped: 0, delayed: 0 };
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const set = (next: Partial<Impairment>) => {
    try {
      checkConditions(next);
    } catch (e) {
      throw new NetrollError(ErrorCode.InvalidOption, e instanceof Error ? e.message : String(e), { cause: e });
    }
    for (const [k, v] of Object.entries(next) as [keyof Impairment, number | undefined][]) if (v !== undefined) settings[k] = v;
  };
  set(initial);
  const conditions = (): LinkConditions => ({ ...settings, dup: settings.dup ?? 0, reorder: settings.reorder ?? 0 });
  return {
    impairment: settings,
    counters,
    set,
    send(peer, packet) {
      const fate = model.fate(conditions());
      if (!fate.delivered) {
        counters.dropped++;
        return;
      }
      // The inner transport may take ownership of a packet: a duplicate is its own copy, made before any send.
      const copies = fate.delays.map((_, i) => (i === 0 ? packet : packet.slice(0)));
      fate.delays.forEach((delay, i) => {
        const bytes = copies[i]!;
        if (delay <= 0) return inner.send(peer, bytes);
        if (timers.size >= MAX_DELAYED_PACKETS) {
          counters.dropped++;
          return;
        }
        counters.delayed++;
        const timer = setTimeout(() => {
          timers.delete(timer);
          inner.send(peer, bytes);
        }, delay);
        timers.add(timer);
      });
    },
    onPacket: (handler) => inner.onPacket(handler),
    // The reliable channel (resync chunks, pauses, Hellos, state transfers) passes through unimpaired: it is reliable and ordered by contract.
    ...(inner.sendReliable ? { sendReliable: (peer: number, packet: ArrayBuffer) => inner.sendReliable!(peer, packet) } : {}),
    ...(inner.onReliable ? { onReliable: (handler: (peer: number, packet: ArrayBuffer) => void) => inner.onReliable!(handler) } : {}),
    onStatus: (handler: (peer: number, status: PeerStatus) => void) => inner.onStatus?.(handler),
    // The channels the inner transport hands to the engine (if any) pass through: what the engine sends on them
    // is impaired there (`MeshTransport.impairEngineChannels`), not here.
    engineChannels: () => inner.engineChannels?.() ?? null,
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      inner.close?.();
    },
  };
}
