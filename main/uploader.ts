/**
 * Report uploads with retry: each report is sent until the server
 * acknowledges it, with bounded exponential backoff. Plain `fetch`, so it runs
 * on a page, in a worker or in Node.
 */
import { type ReportAck, reportAckSchema, type SessionReport } from '../src/research/report.ts';

export interface UploaderOptions {
  /** Base URL of the netroll server, or a function giving it at each attempt (e.g. the cluster node connected now). */
  server: string | (() => string);
  /** First retry delay, ms (doubles up to `maxDelayMs`, with jitter). Default 500. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Give up after this long, ms. Default 10 minutes. */
  giveUpAfterMs?: number;
  /** fetch to use (tests). */
  fetch?: typeof fetch;
  /** Called when the server answered a report: acknowledged (`ok: true`) or refused for good. */
  onAnswer?: (report: SessionReport, ack: ReportAck) => void;
}

/** Where a session's research report uploads stand: sent, acknowledged, pending, last error. */
export interface UploadStatus {
  /** Uploads the server acknowledged as accepted. */
  readonly acked: number;
  /** HTTP attempts made so far, retries included. */
  readonly attempts: number;
  /** True while a report is still queued for upload. */
  readonly pending: boolean;
  /** Why the latest attempt failed (the server's error, the HTTP status or the exception message); null after a success. */
  readonly lastError: string | null;
  /** The server's most recent accepting acknowledgement, or null before the first. */
  readonly lastAck: ReportAck | null;
}

/**
 * Uploads reports in order, one at a time, retrying each until the server
 * acknowledges it (network errors, 5xx, 408 and 429 are retried; other 4xx
 * are final: the report itself is wrong). A newer queued report replaces an
 * older one that is still waiting (reports are cumulative), except that a
 * `final` report is never replaced by a non-final one.
 */
export class ReportUploader {
  private queue: SessionReport[] = [];
  private running: Promise<void> | null = null;
  private status: { acked: number; attempts: number; lastError: string | null; lastAck: ReportAck | null } = {
    acked: 0,
    attempts: 0,
    lastError: null,
    lastAck: null,
  };
  private stopped = false;

  constructor(private readonly options: UploaderOptions) {}

  enqueue(report: SessionReport): void {
    const waiting = this.queue.at(-1);
    if (waiting && this.queue.length > 1 && !(waiting.kind === 'final' && report.kind !== 'final')) this.queue.pop();
    this.queue.push(report);
    this.running ??= this.drain().finally(() => (this.running = null));
  }

  /** Wait until everything queued is acknowledged (or `timeoutMs` passes). Returns true when all were. */
  async flush(timeoutMs = 5000): Promise<boolean> {
    const done = this.running ?? Promise.resolve();
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs));
    return (await Promise.race([done.then(() => 'done' as const), timeout])) === 'done' && this.queue.length === 0;
  }

  get state(): UploadStatus {
    return { ...this.status, pending: this.queue.length > 0 };
  }

  /** The newest queued report, for a last-chance beacon when the page goes away. */
  latest(): SessionReport | undefined {
    return this.queue.at(-1);
  }

  stop(): void {
    this.stopped = true;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.stopped) {
      const report = this.queue[0]!;
      const ok = await this.send(report);
      if (ok || this.queue[0] === report) this.queue.shift();
    }
  }

  private async send(report: SessionReport): Promise<boolean> {
    const { server, baseDelayMs = 500, maxDelayMs = 8000, giveUpAfterMs = 10 * 60_000 } = this.options;
    const doFetch = this.options.fetch ?? fetch;
    const body = JSON.stringify(report);
    const started = Date.now();
    for (let attempt = 0; !this.stopped; attempt++) {
      this.status.attempts++;
      try {
        // Who uploads travels in headers, so the server checks it before reading the body.
        const headers = {
          'content-type': 'application/json',
          authorization: `Bearer ${report.reportToken}`,
          'x-netroll-session': report.sessionId,
          'x-netroll-player': String(report.playerIndex),
        };
        const base = typeof server === 'function' ? server() : server;
        const res = await doFetch(`${base}/ingest/report`, { method: 'POST', headers, body });
        // the server's answer is checked with the contract's schema, like every server message
        const parsed = reportAckSchema.safeParse(await res.json().catch(() => null));
        const ack = parsed.success ? parsed.data : null;
        if (res.ok && ack?.ok) {
          this.status.acked++;
          this.status.lastAck = ack;
          this.status.lastError = null;
          this.options.onAnswer?.(report, ack);
          return true;
        }
        this.status.lastError = ack && !ack.ok ? `${ack.error.code}: ${ack.error.message}` : `HTTP ${res.status}${parsed.success ? '' : ' (no valid acknowledgement)'}`;
        if (res.status < 500 && res.status !== 408 && res.status !== 429) {
          if (ack && !ack.ok) this.options.onAnswer?.(report, ack);
          return false; // the report is wrong: retrying won't help
        }
      } catch (e) {
        this.status.lastError = e instanceof Error ? e.message : String(e);
      }
      if (Date.now() - started > giveUpAfterMs) return false;
      // Bounded exponential backoff with jitter; a newer report may replace this one meanwhile.
      const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(attempt, 10)) * (0.75 + Math.random() * 0.5);
      await new Promise((r) => setTimeout(r, delay));
      if (this.queue[0] !== report) return false;
    }
    return false;
  }
}
