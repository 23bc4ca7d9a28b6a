/**
 * Per-IP budgets: what one address may use over all its connections, so a
 * client cannot reset its limits by reconnecting or spread a flood over many
 * sockets. The table is bounded: entries of addresses with no connection,
 * no upload in flight and full buckets are forgotten by {@link IpBudgets.prune};
 * at most `maxTrackedIps` entries exist at once.
 */
import type { IncomingMessage } from 'node:http';
import type { AbuseLimits } from './config.ts';
import { TokenBucket } from './rate-limit.ts';

/** What one address has in use and left. */
interface IpEntry {
  connections: number;
  uploads: number;
  readonly messages: TokenBucket;
  readonly joins: TokenBucket;
  readonly relayBytes: TokenBucket;
}

/** The budget kinds that are token buckets. */
export type IpBucket = 'messages' | 'joins' | 'relayBytes';

/** Per-address connection counts, upload counts and token buckets. */
export class IpBudgets {
  readonly #entries = new Map<string, IpEntry>();

  constructor(
    private readonly limits: AbuseLimits,
    private readonly now: () => number = Date.now,
  ) {}

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
    return e !== undefined && e[bucket].take(this.now(), amount);
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
      if (e.connections === 0 && e.uploads === 0 && e.messages.full(t) && e.joins.full(t) && e.relayBytes.full(t)) this.#entries.delete(ip);
    }
  }
}

/** The address a request came from (the TCP peer; proxies are not trusted). */
export function clientIp(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}
