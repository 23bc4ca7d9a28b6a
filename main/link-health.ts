/**
 * Link health: the one link-level RTT estimator. Pings travel on the link's
 * reliable control channel (never on the inputs channel, which carries only
 * engine packets), each answered by the remote link on receipt. The monitor
 * keeps a sliding window of RTT samples and classifies the link `ok` /
 * `warning` / `critical` by their median: the control channel is reliable,
 * so a ping whose packet was lost arrives late (after an SCTP
 * retransmission) instead of never, and the median keeps such outliers from
 * raising the level on a lossy but fast link. Pings without a pong within
 * `pongTimeoutMs` count as lost (on a reliable channel: stalls of that
 * length, not single lost packets).
 *
 * No WebRTC here: the monitor is fed sequence numbers and a clock, so it is
 * unit-tested in Node.
 */
import type { HealthLevel } from '../src/contracts/vocabulary.ts';
import { ErrorCode, NetrollError } from '../src/contracts/errors.ts';

/** The health layer's settings. */
export interface HealthConfig {
  /** Median RTT from which the link is `warning`, ms. Default 150. */
  warnRttMs?: number;
  /** Median RTT from which the link is `critical`, ms. Default 300. */
  criticalRttMs?: number;
  /** Ping period, ms. Default 200. */
  pingIntervalMs?: number;
  /** RTT samples in the window (the newest ones). Default 10. */
  rttWindow?: number;
  /** A ping without a pong after this long is lost, and an open link silent this long since its last pong is `critical`, ms. Default 1,000. */
  pongTimeoutMs?: number;
}

/** A link's health right now. */
export interface LinkHealth {
  /** Median RTT over the window, ms (0 before the first pong). */
  readonly rttMs: number;
  /** The window's samples, oldest first. */
  readonly samples: readonly number[];
  /** Fraction of recent pings that got no pong within `pongTimeoutMs` (the channel is reliable: these are stalls, not single lost packets). */
  readonly loss: number;
  /** `critical` from `criticalRttMs` (or when pongs stopped), `warning` from `warnRttMs`, else `ok`. */
  readonly level: HealthLevel;
  /** Time since the last pong, ms (Infinity before the first). */
  readonly sincePongMs: number;
}

/** Defaults of {@link HealthConfig}. */
export const HEALTH_DEFAULTS: Readonly<Required<HealthConfig>> = {
  warnRttMs: 150,
  criticalRttMs: 300,
  pingIntervalMs: 200,
  rttWindow: 10,
  pongTimeoutMs: 1000,
};

/**
 * Check a {@link HealthConfig} and fill in the defaults.
 *
 * @throws NetrollError `invalid-option` for a non-positive or non-finite
 *   value, a window that is not a positive integer, or `warnRttMs` above
 *   `criticalRttMs`.
 */
export function healthConfig(config: HealthConfig = {}): Required<HealthConfig> {
  const c = { ...HEALTH_DEFAULTS, ...config };
  for (const k of ['warnRttMs', 'criticalRttMs', 'pingIntervalMs', 'pongTimeoutMs'] as const) {
    if (!(Number.isFinite(c[k]) && c[k] > 0)) throw new NetrollError(ErrorCode.InvalidOption, `health.${k} must be a positive number of ms, got ${c[k]}`);
  }
  if (!(Number.isInteger(c.rttWindow) && c.rttWindow >= 1)) throw new NetrollError(ErrorCode.InvalidOption, `health.rttWindow must be a positive integer, got ${c.rttWindow}`);
  if (c.warnRttMs > c.criticalRttMs) {
    throw new NetrollError(ErrorCode.InvalidOption, `health.warnRttMs (${c.warnRttMs}) must not be above health.criticalRttMs (${c.criticalRttMs})`);
  }
  return c;
}

/**
 * The health level: `critical` when the (median) RTT reaches `criticalRttMs`, or
 * when an open link that has answered before has been silent for
 * `pongTimeoutMs`; `warning` from `warnRttMs`; else `ok`.
 */
export function classifyHealth(
  rttMs: number,
  sincePongMs: number,
  open: boolean,
  config: Pick<Required<HealthConfig>, 'warnRttMs' | 'criticalRttMs' | 'pongTimeoutMs'>,
): HealthLevel {
  if (rttMs >= config.criticalRttMs) return 'critical';
  if (open && Number.isFinite(sincePongMs) && sincePongMs > config.pongTimeoutMs) return 'critical';
  if (rttMs >= config.warnRttMs) return 'warning';
  return 'ok';
}

/** Link-level messages on the control channel: `[kind u8][seq u32]` for a ping or a pong, `[kind u8][bytes…]` for data. */
export const LinkMessage = {
  Ping: 1,
  Pong: 2,
  /** An application control message: the bytes after the kind byte. */
  Data: 3,
} as const;

/** A decoded control-channel message. */
export type DecodedLinkMessage =
  | { readonly kind: 'ping' | 'pong'; readonly seq: number }
  | { readonly kind: 'data'; readonly payload: ArrayBuffer }
  | { readonly kind: 'invalid' };

/** Encode a ping or a pong. */
export function encodePing(kind: 'ping' | 'pong', seq: number): ArrayBuffer {
  const buf = new ArrayBuffer(5);
  const view = new DataView(buf);
  view.setUint8(0, kind === 'ping' ? LinkMessage.Ping : LinkMessage.Pong);
  view.setUint32(1, seq >>> 0);
  return buf;
}

/** Frame an application control message. */
export function encodeData(payload: ArrayBuffer): ArrayBuffer {
  const out = new Uint8Array(payload.byteLength + 1);
  out[0] = LinkMessage.Data;
  out.set(new Uint8Array(payload), 1);
  return out.buffer;
}

/** Decode a control-channel message. Never throws. */
export function decodeLinkMessage(buf: ArrayBuffer): DecodedLinkMessage {
  if (buf.byteLength < 1) return { kind: 'invalid' };
  const view = new DataView(buf);
  const kind = view.getUint8(0);
  if ((kind === LinkMessage.Ping || kind === LinkMessage.Pong) && buf.byteLength === 5) {
    return { kind: kind === LinkMessage.Ping ? 'ping' : 'pong', seq: view.getUint32(1) };
  }
  if (kind === LinkMessage.Data) return { kind: 'data', payload: buf.slice(1) };
  return { kind: 'invalid' };
}

/** The median of `values` (0 for none). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The RTT estimator of one link: hands out ping sequence numbers, matches
 * pongs, keeps the RTT window and the ping outcomes (for loss).
 */
export class HealthMonitor {
  readonly config: Required<HealthConfig>;
  private seq = 0;
  private readonly pingsOut = new Map<number, number>();
  private readonly rtts: number[] = [];
  private readonly outcomes: boolean[] = [];
  private lastPongAt = -Infinity;

  constructor(
    config: HealthConfig = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.config = healthConfig(config);
  }

  /** Count pings unanswered for `pongTimeoutMs` as lost, then start a new ping: returns its sequence number. */
  nextPing(): number {
    this.expire();
    const seq = this.seq;
    this.pingsOut.set(seq, this.now());
    this.seq = (this.seq + 1) >>> 0;
    // at most one window of outcomes' worth of pings is waiting
    if (this.pingsOut.size > this.config.rttWindow * 3) {
      const oldest = this.pingsOut.keys().next().value;
      if (oldest !== undefined) this.pingsOut.delete(oldest);
    }
    return seq;
  }

  /** Count pings unanswered for `pongTimeoutMs` as lost. */
  expire(): void {
    const t = this.now();
    for (const [seq, sent] of this.pingsOut) {
      if (t - sent > this.config.pongTimeoutMs) {
        this.pingsOut.delete(seq);
        this.record(false);
      }
    }
  }

  /** A pong arrived: returns the RTT sample, or null for a pong of no ping in flight. */
  pong(seq: number): number | null {
    const sent = this.pingsOut.get(seq);
    if (sent === undefined) return null;
    this.pingsOut.delete(seq);
    const t = this.now();
    const rtt = t - sent;
    this.lastPongAt = t;
    this.rtts.push(rtt);
    if (this.rtts.length > this.config.rttWindow) this.rtts.shift();
    this.record(true);
    return rtt;
  }

  /** The health now; `open` says whether the link's channels are open (a silent open link is critical). */
  health(open: boolean): LinkHealth {
    const rttMs = median(this.rtts);
    const losses = this.outcomes.filter((ok) => !ok).length;
    const loss = this.outcomes.length ? losses / this.outcomes.length : 0;
    const sincePongMs = this.now() - this.lastPongAt;
    return { rttMs, samples: this.rtts.slice(), loss, level: classifyHealth(rttMs, sincePongMs, open, this.config), sincePongMs };
  }

  private record(ok: boolean): void {
    this.outcomes.push(ok);
    if (this.outcomes.length > this.config.rttWindow * 3) this.outcomes.shift();
  }
}
