/**
 * Exports run in a worker thread: the CSV/JSON of a 1-hour session is
 * seconds of CPU (decoding logs, replaying games for the outcome columns,
 * formatting text), and on the server's event loop that time would hold up
 * every game it relays. The worker opens the SQLite file read-only (WAL lets
 * it read while the server writes) and sends text back in batches; the
 * request handler only writes them out.
 *
 * Bounds: at most {@link MAX_EXPORT_WORKERS} exports run at once (more get
 * `429 rate-limited`); each holds at most {@link EXPORT_WINDOW} batches of
 * about {@link EXPORT_BATCH_BYTES} in flight, so a slow reader holds the
 * worker, not memory; a reader that takes no batch for
 * {@link EXPORT_STALL_MS} ends the export.
 */
import { Worker } from 'node:worker_threads';
import type { GameSources } from './games.ts';
import type { SkippedSession } from './export.ts';
import type { ReaderSource } from './store.ts';

/** What one export produces. */
export interface ExportJob {
  /** The store to read: the SQLite file (read-only), or Postgres (one connection). */
  readonly source: ReaderSource;
  /** `json` (sessions, participants, frames), `frames` (frames CSV) or `sessions` (sessions CSV). */
  readonly kind: 'json' | 'frames' | 'sessions';
  /** One session, or all (newest 1,000). */
  readonly session?: string | undefined;
  /** Where outcome columns find games. */
  readonly gameSources: GameSources;
}

/** Messages from the export worker. */
export type ExportWorkerMessage =
  | { readonly type: 'head'; readonly skipped: SkippedSession[] }
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'end'; readonly skipped: SkippedSession[] }
  | { readonly type: 'error'; readonly message: string };

/** Messages to the export worker: `n` more batches may be sent. */
export interface ExportCredit {
  readonly type: 'credit';
  readonly n: number;
}

/** Exports that may run at once. */
export const MAX_EXPORT_WORKERS = 2;
/** Batches a worker may have sent that the request has not written yet. */
export const EXPORT_WINDOW = 4;
/** Text a worker gathers before it sends a batch. */
export const EXPORT_BATCH_BYTES = 64 * 1024;
/** A reader that takes no batch for this long ends its export. */
export const EXPORT_STALL_MS = 60_000;

let running = 0;

/** Exports running now (for tests and the server's stats). */
export function exportsRunning(): number {
  return running;
}

/** Raised when {@link MAX_EXPORT_WORKERS} exports are already running. */
export class ExportBusyError extends Error {}

/**
 * Starts the worker thread: the built file next to this one, or, when run
 * from source, the TypeScript file through tsx's loader (registered inside
 * the worker, since a thread does not inherit the loader of its parent).
 */
function startWorker(job: ExportJob): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL(['.', 'export-worker.js'].join('/'), self), { workerData: job });
  const loader = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./export-worker.ts', self).href;
  const boot = `import(${JSON.stringify(loader)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData: job });
}

/**
 * One export running in a worker thread. `head` settles once the worker
 * knows whether the export can start (a single-session frames export whose
 * log is bad lists it in `skipped` before any text); iterate to get the text;
 * `cancel()` ends it early (the client went away).
 */
export class ExportStream implements AsyncIterable<string> {
  readonly head: Promise<SkippedSession[]>;
  /** Sessions left out, complete once iteration has ended. */
  skipped: SkippedSession[] = [];
  private readonly worker: Worker;
  private readonly queue: string[] = [];
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private headSettle!: { resolve: (s: SkippedSession[]) => void; reject: (e: Error) => void };
  private released = false;

  constructor(job: ExportJob) {
    if (running >= MAX_EXPORT_WORKERS) throw new ExportBusyError(`${MAX_EXPORT_WORKERS} exports are already running; try again when one has finished`);
    running++;
    this.head = new Promise((resolve, reject) => (this.headSettle = { resolve, reject }));
    this.head.catch(() => undefined);
    this.worker = startWorker(job);
    this.worker.on('message', (m: ExportWorkerMessage) => this.onMessage(m));
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => {
      this.release();
      if (!this.ended) this.fail(new Error(`export worker exited with code ${code} before the end`));
    });
  }

  private onMessage(m: ExportWorkerMessage): void {
    if (m.type === 'head') this.headSettle.resolve(m.skipped);
    else if (m.type === 'text') this.queue.push(m.text);
    else if (m.type === 'end') {
      this.skipped = m.skipped;
      this.ended = true;
      this.headSettle.resolve(m.skipped);
      void this.worker.terminate();
    } else this.fail(new Error(m.message));
    this.wake?.();
  }

  private fail(e: Error): void {
    if (this.ended) return;
    this.failure = e;
    this.ended = true;
    this.headSettle.reject(e);
    this.wake?.();
    void this.worker.terminate();
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    running--;
  }

  /** Stops the worker; iteration ends. */
  cancel(): void {
    if (!this.ended) {
      this.ended = true;
      this.headSettle.reject(new Error('export cancelled'));
    }
    this.wake?.();
    void this.worker.terminate();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    try {
      for (;;) {
        const text = this.queue.shift();
        if (text !== undefined) {
          this.worker.postMessage({ type: 'credit', n: 1 } satisfies ExportCredit);
          yield text;
          continue;
        }
        if (this.failure) throw this.failure;
        if (this.ended) return;
        await new Promise<void>((r) => {
          const timer = setTimeout(() => {
            this.fail(new Error(`export worker sent nothing for ${EXPORT_STALL_MS} ms`));
          }, EXPORT_STALL_MS);
          this.wake = () => {
            clearTimeout(timer);
            this.wake = undefined;
            r();
          };
        });
      }
    } finally {
      this.cancel();
    }
  }
}
