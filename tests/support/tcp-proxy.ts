/**
 * A cuttable TCP proxy, for putting one page's server connection (socket.io
 * signaling and relay, research uploads) behind a switch.
 *
 * Each accepted connection gets its own upstream connection to the target;
 * bytes are forwarded both ways as they come. While the proxy is cut, the
 * path behaves like a network that silently drops everything (no reset, no
 * close is seen by either end):
 * - nothing is read from either side, so nothing is forwarded: the bytes wait
 *   in the sockets' buffers, as a real path's would in TCP retransmissions,
 *   and flow again when the cut ends (if neither end gave up meanwhile);
 * - a connection accepted during the cut gets no upstream connection until
 *   the cut ends (like a SYN that is not answered);
 * - an end or error on one side is passed on only once the cut is over.
 * Either end finds out only by its own timeouts (socket.io's heartbeat).
 *
 * Bounds: at most `maxConnections` (default 64) connections at once, more are
 * refused; bytes held during a cut are bounded by the kernel's socket buffers
 * (nothing is read into this process while cut).
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** Where to listen and forward. */
export interface TcpProxyOptions {
  /** Where to forward connections. */
  targetHost: string;
  targetPort: number;
  /** Address to listen on. Default 127.0.0.1. */
  listenHost?: string;
  /** Most connections at once (more are refused). Default 64. */
  maxConnections?: number;
}

/** Counters of a {@link TcpProxy}. */
export interface TcpProxyStats {
  /** Connections accepted so far. */
  accepted: number;
  /** Connections open now. */
  open: number;
  /** Connections accepted while the proxy was cut. */
  acceptedWhileCut: number;
  /** Bytes forwarded, both directions together. */
  bytes: number;
}

/** A running cuttable TCP proxy. */
export interface TcpProxy {
  readonly port: number;
  stats(): TcpProxyStats;
  /** Cut (`true`) or restore (`false`) the path (see the module comment). */
  cut(on: boolean): void;
  /** Stop listening and destroy every connection. Idempotent. */
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket | null;
  /** One side ended or failed while cut: passed on to the other when the cut ends. */
  pendingEnd: 'client' | 'upstream' | null;
}

export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const { targetHost, targetPort, listenHost = '127.0.0.1', maxConnections = 64 } = options;
  const counters = { accepted: 0, acceptedWhileCut: 0, bytes: 0 };
  const pairs = new Set<Pair>();
  let isCut = false;
  let closed = false;

  const destroy = (p: Pair) => {
    p.client.destroy();
    p.upstream?.destroy();
    pairs.delete(p);
  };

  /** One side ended (or failed): the other is ended after what it still has to write (once the cut is over). */
  const ended = (p: Pair, from: 'client' | 'upstream') => {
    if (!pairs.has(p)) return;
    if (isCut) {
      p.pendingEnd ??= from;
      return;
    }
    const other = from === 'client' ? p.upstream : p.client;
    pairs.delete(p);
    if (other) other.end(() => other.destroy());
    (from === 'client' ? p.client : p.upstream)?.destroy();
  };

  const connectUpstream = (p: Pair) => {
    const up = createConnection({ host: targetHost, port: targetPort });
    p.upstream = up;
    up.on('data', (chunk: Buffer) => {
      counters.bytes += chunk.length;
      p.client.write(chunk);
    });
    for (const e of ['end', 'error', 'close']) up.on(e, () => ended(p, 'upstream'));
    p.client.on('data', (chunk: Buffer) => {
      counters.bytes += chunk.length;
      up.write(chunk);
    });
    p.client.resume();
  };

  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    if (closed || pairs.size >= maxConnections) {
      client.destroy();
      return;
    }
    counters.accepted++;
    const p: Pair = { client, upstream: null, pendingEnd: null };
    pairs.add(p);
    for (const e of ['end', 'error', 'close']) client.on(e, () => ended(p, 'client'));
    if (isCut) counters.acceptedWhileCut++;
    else connectUpstream(p);
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, listenHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  let closing: Promise<void> | undefined;
  return {
    port,
    stats: () => ({ ...counters, open: pairs.size }),
    cut(on) {
      if (closed || on === isCut) return;
      isCut = on;
      for (const p of [...pairs]) {
        if (on) {
          p.client.pause();
          p.upstream?.pause();
        } else if (p.pendingEnd) {
          ended(p, p.pendingEnd);
        } else if (p.upstream === null) {
          connectUpstream(p);
        } else {
          p.client.resume();
          p.upstream.resume();
        }
      }
    },
    close: () =>
      (closing ??= (async () => {
        closed = true;
        for (const p of [...pairs]) destroy(p);
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })()),
  };
}
