/**
 * A seeded UDP impairment proxy, for putting latency and loss in front of a
 * TURN server (the kernel here has no `tc netem`).
 *
 * It listens on `listenHost:port`; every client address seen gets its own
 * upstream socket to the target, so the target sees one 5-tuple per client
 * and its replies go back to the right client. Each datagram, in either
 * direction, is dropped with probability `loss` (decided by a mulberry32
 * PRNG seeded with `seed`) or else delivered after `delayMs`.
 *
 * With TURN, a packet from peer A to peer B crosses the proxy twice (A→TURN
 * and TURN→B), so a per-pass delay d gives a one-way delay of 2d and an RTT
 * of 4d; a per-pass loss p gives an end-to-end loss of 1 − (1 − p)².
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

export interface UdpProxyOptions {
  /** Where to forward client datagrams. */
  targetHost: string;
  targetPort: number;
  /** Address to listen on. Default 127.0.0.1. */
  listenHost?: string;
  /** Port to listen on. Default 0 (any free port). */
  port?: number;
  /** Delay added to every datagram, each pass, ms. Default 0. */
  delayMs?: number;
  /** Probability of dropping a datagram, each pass, 0..1. Default 0. */
  loss?: number;
  /** PRNG seed for the drop decisions. Default 1. */
  seed?: number;
}

export interface UdpProxyStats {
  /** Distinct client addresses seen. */
  clients: number;
  forwarded: number;
  dropped: number;
}

export interface UdpProxy {
  readonly port: number;
  stats(): UdpProxyStats;
  /** Stop listening, close every upstream socket, drop whatever is still delayed. Idempotent. */
  close(): Promise<void>;
}

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function startUdpProxy(options: UdpProxyOptions): Promise<UdpProxy> {
  const delayMs = options.delayMs ?? 0;
  const loss = options.loss ?? 0;
  const random = mulberry32(options.seed ?? 1);
  const listenHost = options.listenHost ?? '127.0.0.1';
  const counters: UdpProxyStats = { clients: 0, forwarded: 0, dropped: 0 };
  const upstreams = new Map<string, Socket>();
  const pending = new Set<ReturnType<typeof setTimeout>>();
  let closed = false;

  /** Drop or deliver `msg` after the delay. */
  const pass = (deliver: () => void): void => {
    if (closed) return;
    if (loss > 0 && random() < loss) {
      counters.dropped++;
      return;
    }
    counters.forwarded++;
    if (delayMs <= 0) return deliver();
    const t = setTimeout(() => {
      pending.delete(t);
      if (!closed) deliver();
    }, delayMs);
    pending.add(t);
  };

  const listener = createSocket('udp4');
  const upstreamFor = (client: RemoteInfo): Socket => {
    const key = `${client.address}:${client.port}`;
    let up = upstreams.get(key);
    if (up) return up;
    up = createSocket('udp4');
    up.on('error', () => undefined); // ICMP errors from the target: datagrams are allowed to get lost
    up.on('message', (reply) => pass(() => listener.send(reply, client.port, client.address)));
    up.bind(0, '127.0.0.1');
    upstreams.set(key, up);
    counters.clients++;
    return up;
  };
  listener.on('error', () => undefined);
  listener.on('message', (msg, client) => {
    const up = upstreamFor(client);
    pass(() => up.send(msg, options.targetPort, options.targetHost));
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.bind(options.port ?? 0, listenHost, () => {
      listener.off('error', reject);
      resolve();
    });
  });

  let closing: Promise<void> | undefined;
  return {
    port: listener.address().port,
    stats: () => ({ ...counters }),
    close: () =>
      (closing ??= (async () => {
        closed = true;
        for (const t of pending) clearTimeout(t);
        pending.clear();
        const sockets = [listener, ...upstreams.values()];
        upstreams.clear();
        await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      })()),
  };
}
