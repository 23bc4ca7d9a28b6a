/**
 * The export worker thread (see export-job.ts): reads the research store
 * read-only and sends the export's text in batches, never more than the
 * credit the request handler has given it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { EXPORT_BATCH_BYTES, EXPORT_WINDOW, type ExportCredit, type ExportJob, type ExportWorkerMessage } from './export-job.ts';
import { exportJsonChunks, framesCsvChunks, type SkippedSession, sessionsCsvChunks } from './export.ts';
import { exportResolver } from './games.ts';
import { EVERY_SESSION, SqlResearchStore } from './store.ts';

const port = parentPort!;
const job = workerData as ExportJob;
let credit = EXPORT_WINDOW;
let wake: (() => void) | undefined;
port.on('message', (m: ExportCredit) => {
  if (m.type === 'credit') credit += m.n;
  wake?.();
});
const post = (m: ExportWorkerMessage): void => port.postMessage(m);

async function send(text: string): Promise<void> {
  while (credit <= 0) await new Promise<void>((r) => (wake = r));
  wake = undefined;
  credit--;
  post({ type: 'text', text });
}

async function run(): Promise<void> {
  const store = await SqlResearchStore.openReader(job.source);
  try {
    const skipped: SkippedSession[] = [];
    let chunks: AsyncIterator<string>;
    if (job.kind === 'sessions') chunks = sessionsCsvChunks(store, job.session);
    else {
      const specs = (job.session ? [await store.session(job.session)] : await store.sessions(EVERY_SESSION)).map((s) => s?.game ?? null);
      const resolveGame = await exportResolver(specs, job.gameSources, (m) => console.error(`netroll export: outcome columns left empty: ${m}`));
      chunks = job.kind === 'json' ? exportJsonChunks(store, job.session, skipped, resolveGame) : framesCsvChunks(store, job.session, skipped, resolveGame);
    }
    let batch = '';
    // A single-session frames export learns whether its log is bad from its first rows.
    const headAfter = job.kind === 'frames' ? 2 : 0;
    let pulled = 0;
    if (headAfter === 0) post({ type: 'head', skipped: [...skipped] });
    for (let r = await chunks.next(); !r.done; r = await chunks.next()) {
      batch += r.value;
      if (++pulled === headAfter) post({ type: 'head', skipped: [...skipped] });
      if (batch.length >= EXPORT_BATCH_BYTES) {
        await send(batch);
        batch = '';
      }
    }
    if (pulled < headAfter) post({ type: 'head', skipped: [...skipped] });
    if (batch) await send(batch);
    post({ type: 'end', skipped });
  } finally {
    await store.close();
  }
}

run().catch((e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) }));
