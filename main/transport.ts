/**
 * Packet transports: anything that sends and receives raw packets (as
 * ArrayBuffers) per peer. A DataChannel link, the server relay, or the
 * in-page memory network below (for tests and demos).
 */

/** Connection status of one peer, as a transport sees it. */
export type PeerStatus = 'connecting' | 'connected' | 'interrupted' | 'disconnected';

export interface PacketTransport {
  /** Send one packet to `peer`. The transport may take ownership of `packet`. */
  send(peer: number, packet: ArrayBuffer): void;
  /** Set the handler for incoming packets (one handler; a later call replaces it). */
  onPacket(handler: (peer: number, packet: ArrayBuffer) => void): void;
  /** Optional: peer status changes. */
  onStatus?(handler: (peer: number, status: PeerStatus) => void): void;
  close?(): void;
}

/** Impairment of the in-page memory network (one-way, per packet). */
export interface MemoryLinkOptions {
  latencyMs?: number;
  jitterMs?: number;
  /** 0..1 */
  loss?: number;
  /** PRNG seed for loss/jitter. */
  seed?: number;
}

/** mulberry32: a tiny seeded PRNG for impairment decisions (not game state). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * An in-page network for `players` peers: returns one transport per player.
 * Packets are copied and delivered with `setTimeout` after latency ± jitter
 * unless lost — on the page's main thread, like a real DataChannel.
 */
export function createMemoryNetwork(players: number, options: MemoryLinkOptions = {}): PacketTransport[] {
  const random = prng(options.seed ?? 1);
  const handlers: ((peer: number, packet: ArrayBuffer) => void)[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let closed = false;
  const latency = options.latencyMs ?? 0;
  const jitter = options.jitterMs ?? 0;
  const loss = options.loss ?? 0;
  return Array.from({ length: players }, (_, from) => ({
    send(to: number, packet: ArrayBuffer) {
      if (closed || to < 0 || to >= players || to === from) return;
      if (loss > 0 && random() < loss) return;
      const copy = packet.slice(0);
      const delay = Math.max(0, latency + (random() * 2 - 1) * jitter);
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!closed) handlers[to]?.(from, copy);
      }, delay);
      timers.add(timer);
    },
    onPacket(handler: (peer: number, packet: ArrayBuffer) => void) {
      handlers[from] = handler;
    },
    close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  }));
}
