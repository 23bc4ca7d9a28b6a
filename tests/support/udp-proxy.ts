/**
 * A seeded UDP impairment proxy, for putting latency and loss in front of a
 * TURN server (the kernel here has no `tc netem`).
 *
 * It listens on `listenHost:port`; every client address seen gets its own
 * upstream socket to the target, so the target sees one 5-tuple per client
 * and its replies go back to the right client. Each datagram, in either
 * direction, meets the shared seeded impairment model (src/sim/impairment.ts):
 * dropped with probability `loss`, else delivered after `latencyMs` ±
 * `jitterMs` (duplicated or held back when `dup` / `reorder` say so).
 *
 * With TURN, a packet from peer A to peer B crosses the proxy twice (A→TURN
 * and TURN→B), so a per-pass latency d gives a one-way delay of 2d and an RTT
 * of 4d; a per-pass loss p gives an end-to-end loss of 1 − (1 − p)².
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { ImpairmentModel, type LinkConditions, linkConditions } from '../../src/sim/impairment.ts';

/** Where to listen and forward, and the impairment of each pass (defaults: none). */
export interface UdpProxyOptions extends Partial<LinkConditions> {
  /** Where to forward client datagrams. */
  targetHost: string;
  targetPort: number;
  /** Address to listen on. Default 127.0.0.1. */
  listenHost?: string;
  /** Port to listen on. Default 0 (any free port). */
  port?: number;
  /** Seed of the impairment decisions. Default 1. */
  seed?: number;
}

export interface UdpProxyStats {
  /** Distinct client addresses seen. */
  clients: number;
  forwarded: number;
  dropped: number;
  /** Datagrams dropped (either direction) while the proxy was cut ({@link UdpProxy.cut}). */
  cutDropped: number;
}

export interface UdpProxy {
  readonly port: number;
  stats(): UdpProxyStats;
  /** Cut (`true`) or restore (`false`) the path: while cut, every datagram in either direction is dropped. */
  cut(on: boolean): void;
  /** Stop listening, close every upstream socket, drop whatever is still delayed. Idempotent. */
  close(): Promise<void>;
}

export async function startUdpProxy(options: UdpProxyOptions): Promise<UdpProxy> {
  const { targetHost, targetPort, listenHost = '127.0.0.1', port, seed = 1, ...impairment } = options;
  const conditions = linkConditions(impairment);
  const model = new ImpairmentModel(seed);
  const counters: UdpProxyStats = { clients: 0, forwarded: 0, dropped: 0, cutDropped: 0 };
  let isCut = false;
  const upstreams = new Map<string, Socket>();
  const pending = new Set<ReturnType<typeof setTimeout>>();
  let closed = false;

  /** Drop the datagram, or deliver it (once or twice) after the model's delays. */
  const pass = (deliver: () => void): void => {
    if (closed) return;
    if (isCut) {
      counters.cutDropped++;
      return;
    }
    const fate = model.fate(conditions);
    if (!fate.delivered) {
      counters.dropped++;
      return;
    }
    counters.forwarded++;
    for (const delay of fate.delays) {
      if (delay <= 0) {
        deliver();
        continue;
      }
      const t = setTimeout(() => {
        pending.delete(t);
        if (!closed) deliver();
      }, delay);
      pending.add(t);
    }
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
    pass(() => up.send(msg, targetPort, targetHost));
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.bind(port ?? 0, listenHost, () => {
      listener.off('error', reject);
      resolve();
    });
  });

  let closing: Promise<void> | undefined;
  return {
    port: listener.address().port,
    stats: () => ({ ...counters }),
    cut: (on) => {
      isCut = on;
    },
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
