/**
 * Per-IP budgets: what one address may use over all its connections, so a
 * client cannot reset its limits by reconnecting or spread a flood over many
 * sockets. The table is bounded: entries of addresses with no connection,
 * no upload in flight and full buckets are forgotten by {@link IpBudgets.prune};
 * at most `maxTrackedIps` entries exist at once.
 */
import type { IncomingMessage } from 'node:http';
import type { AbuseLimits, RateLimit } from './config.ts';
import { LeasedBucket, type SharedIpBuckets } from './cluster/ip-leases.ts';
import { TokenBucket } from './rate-limit.ts';

/** Longest wait for the cluster-wide join budget before failing open, ms (a slow Redis must not hold joins up). */
const SHARED_TAKE_WAIT_MS = 250;

/** What one address has in use and left. */
interface IpEntry {
  connections: number;
  uploads: number;
  readonly messages: TokenBucket;
  readonly joins: TokenBucket;
  readonly relayBytes: TokenBucket;
  /** In a cluster: this node's leases on the address's cluster-wide buckets (made on first use). */
  leases?: Partial<Record<IpBucket, LeasedBucket>>;
}

/** The budget kinds that are token buckets. */
export type IpBucket = 'messages' | 'joins' | 'relayBytes';

/**
 * Per-address connection counts, upload counts and token buckets. In a
 * cluster ({@link IpBudgets.share}) the token buckets are also taken from
 * the address's cluster-wide buckets (see cluster/ip-leases.ts); connection
 * counts are shared by app.ts; upload counts stay per node (they bound this
 * node's memory for bodies being received).
 */
export class IpBudgets {
  readonly #entries = new Map<string, IpEntry>();
  #shared: SharedIpBuckets | undefined;

  constructor(
    private readonly limits: AbuseLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Takes the token buckets from `buckets` too (shared by every node of a
   * cluster), on top of this node's own (`buckets` reports its own failures).
   */
  share(buckets: SharedIpBuckets): void {
    this.#shared = buckets;
  }

  /** Whether the token buckets are shared with other nodes ({@link share}). */
  get shared(): boolean {
    return this.#shared !== undefined;
  }

  /** Addresses tracked right now. */
  get size(): number {
    return this.#entries.size;
  }

  /** The entry of `ip`, made when absent; undefined when the table is full (after pruning). */
  #entry(ip: string): IpEntry | undefined {
    let e = this.#entries.get(ip);
    if (e) return e;
    if (this.#entries.size >= this.limits.maxTrackedIps) {
      this.prune();
      if (this.#entries.size >= this.limits.maxTrackedIps) return undefined;
    }
    const t = this.now();
    e = {
      connections: 0,
      uploads: 0,
      messages: new TokenBucket(this.limits.messagesPerIp, t),
      joins: new TokenBucket(this.limits.joinsPerIp, t),
      relayBytes: new TokenBucket(this.limits.relayBytesPerIp, t),
    };
    this.#entries.set(ip, e);
    return e;
  }

  /** Whether `ip` may open one more connection (checked at the handshake). */
  mayConnect(ip: string): boolean {
    const e = this.#entry(ip);
    return e !== undefined && e.connections < this.limits.connectionsPerIp;
  }

  /** Counts an open connection of `ip`; false when over budget (the caller closes it). */
  connected(ip: string): boolean {
    const e = this.#entry(ip);
    if (!e || e.connections >= this.limits.connectionsPerIp) return false;
    e.connections++;
    return true;
  }

  /** Counts a closed connection of `ip`. */
  disconnected(ip: string): void {
    const e = this.#entries.get(ip);
    if (e && e.connections > 0) e.connections--;
  }

  /** Takes `amount` from `ip`'s `bucket`; false when there is not enough. */
  take(ip: string, bucket: IpBucket, amount = 1): boolean {
    const e = this.#entry(ip);
    if (e === undefined || !e[bucket].take(this.now(), amount)) return false;
    // In a cluster, the busy buckets are also spent from leases on the cluster-wide ones; joins are checked exactly by {@link takeShared}.
    return this.#shared === undefined || bucket === 'joins' || this.#lease(ip, e, bucket).take(amount, this.now());
  }

  /**
   * In a cluster: takes `amount` from `ip`'s cluster-wide `bucket` itself
   * (one Redis round trip, no lease: for rare messages such as joins).
   * True on a single node, and when the store does not answer within
   * `maxWaitMs` (fail open: this node's own bucket, {@link take}, still applies).
   */
  async takeShared(ip: string, bucket: IpBucket, amount = 1, maxWaitMs = SHARED_TAKE_WAIT_MS): Promise<boolean> {
    const shared = this.#shared;
    if (shared === undefined) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<number>((resolve) => {
      timer = setTimeout(() => resolve(amount), maxWaitMs);
    });
    try {
      const got = await Promise.race([shared.lease(ip, bucket, this.#limit(bucket), amount).catch(() => amount), late]);
      return got >= amount;
    } finally {
      clearTimeout(timer);
    }
  }

  #limit(bucket: IpBucket): RateLimit {
    return bucket === 'messages' ? this.limits.messagesPerIp : bucket === 'joins' ? this.limits.joinsPerIp : this.limits.relayBytesPerIp;
  }

  #lease(ip: string, e: IpEntry, bucket: IpBucket): LeasedBucket {
    const leases = (e.leases ??= {});
    let lease = leases[bucket];
    if (lease) return lease;
    const shared = this.#shared!;
    const limit = this.#limit(bucket);
    lease = new LeasedBucket(limit, (want) => shared.lease(ip, bucket, limit, want), this.now);
    leases[bucket] = lease;
    return lease;
  }

  /** Starts an upload of `ip` when it has fewer than `uploadsPerIp` in flight; false otherwise. */
  beginUpload(ip: string): boolean {
    const e = this.#entry(ip);
    if (!e || e.uploads >= this.limits.uploadsPerIp) return false;
    e.uploads++;
    return true;
  }

  /** Ends an upload started with {@link beginUpload}. */
  endUpload(ip: string): void {
    const e = this.#entries.get(ip);
    if (e && e.uploads > 0) e.uploads--;
  }

  /** Forgets idle addresses (no connection, no upload, full buckets). */
  prune(): void {
    const t = this.now();
    for (const [ip, e] of this.#entries) {
      if (e.connections === 0 && e.uploads === 0 && e.messages.full(t) && e.joins.full(t) && e.relayBytes.full(t) && !asking(e)) this.#entries.delete(ip);
    }
  }
}

/** The address a request came from (the TCP peer; proxies are not trusted). */
export function clientIp(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

/** Whether one of `e`'s leases waits for the shared store (its answer must find the entry). */
function asking(e: IpEntry): boolean {
  return e.leases !== undefined && Object.values(e.leases).some((l) => l.asking);
}
