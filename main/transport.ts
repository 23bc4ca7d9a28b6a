/**
 * Packet transports: anything that sends and receives raw packets (as
 * ArrayBuffers) per peer. A DataChannel link, the server relay, or the
 * in-page memory network below (for tests and demos).
 */
import { ImpairmentModel, linkConditions } from '../src/sim/impairment.ts';

import type { PeerStatus } from '../src/contracts/vocabulary.ts';

export type { PeerStatus } from '../src/contracts/vocabulary.ts';

/** Carries raw packets between peers: a DataChannel mesh, the server relay, or an in-memory network. */
export interface PacketTransport {
  /** Send one packet to `peer`. The transport may take ownership of `packet`. */
  send(peer: number, packet: ArrayBuffer): void;
  /** Set the handler for incoming packets (one handler; a later call replaces it). */
  onPacket(handler: (peer: number, packet: ArrayBuffer) => void): void;
  /**
   * Optional: send one message on `peer`'s reliable, ordered channel (the
   * engine's resync chunks; port packets marked `reliable: true`). A
   * transport without it cannot carry `desyncPolicy: 'resync'` snapshots.
   */
  sendReliable?(peer: number, packet: ArrayBuffer): void;
  /** Optional: set the handler for messages from a peer's reliable channel. */
  onReliable?(handler: (peer: number, packet: ArrayBuffer) => void): void;
  /** Optional: peer status changes. */
  onStatus?(handler: (peer: number, status: PeerStatus) => void): void;
  /**
   * Optional: a port on which the transport hands the engine its peers'
   * channels, so the engine's thread sends and receives on them itself
   * (see main/engine-channels.ts): a `MessagePort`, typed `unknown` because
   * this module runs in Node too. The session passes it to the engine host
   * once; null (or anything but a MessagePort) when there is none.
   */
  engineChannels?(): unknown;
  /** Optional: stop sending and delivering packets and release what the transport holds. */
  close?(): void;
}

/** Impairment of the in-page memory network (one-way, per packet; see src/sim/impairment.ts). */
export interface MemoryLinkOptions {
  /** One-way base delay, ms. Default 0. */
  latencyMs?: number;
  /** Uniform jitter added to the delay, ±ms. Default 0. */
  jitterMs?: number;
  /** 0..1 */
  loss?: number;
  /** Duplication probability, 0..1. */
  dup?: number;
  /** Probability a packet is held back (reordered), 0..1. */
  reorder?: number;
  /** PRNG seed for the impairment decisions. */
  seed?: number;
}

/**
 * An in-page network for `players` peers: returns one transport per player.
 * Packets are copied and delivered with `setTimeout` after latency ± jitter
 * unless lost (the shared seeded impairment model decides) — on the page's
 * main thread, like a DataChannel kept on the page (`mesh.channelsInEngine: false`).
 */
export function createMemoryNetwork(players: number, options: MemoryLinkOptions = {}): PacketTransport[] {
  const { seed = 1, ...impairment } = options;
  const model = new ImpairmentModel(seed);
  const conditions = linkConditions(impairment);
  const handlers: ((peer: number, packet: ArrayBuffer) => void)[] = [];
  const reliableHandlers: ((peer: number, packet: ArrayBuffer) => void)[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let closed = false;
  return Array.from({ length: players }, (_, from) => ({
    send(to: number, packet: ArrayBuffer) {
      if (closed || to < 0 || to >= players || to === from) return;
      const fate = model.fate(conditions);
      if (!fate.delivered) return;
      for (const delay of fate.delays) {
        const copy = packet.slice(0);
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!closed) handlers[to]?.(from, copy);
        }, delay);
        timers.add(timer);
      }
    },
    onPacket(handler: (peer: number, packet: ArrayBuffer) => void) {
      handlers[from] = handler;
    },
    /** Reliable and ordered: never lost, delivered after the base latency (no jitter, so in order). */
    sendReliable(to: number, packet: ArrayBuffer) {
      if (closed || to < 0 || to >= players || to === from) return;
      const copy = packet.slice(0);
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!closed) reliableHandlers[to]?.(from, copy);
      }, conditions.latencyMs);
      timers.add(timer);
    },
    onReliable(handler: (peer: number, packet: ArrayBuffer) => void) {
      reliableHandlers[from] = handler;
    },
    close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  }));
}
