/**
 * The page bundle leaves the engine out: built with Vite from the sources
 * (bench/bundle-size.ts), a page that runs its engine in a worker loads the
 * engine host only through the main-thread mode's dynamic import.
 */
import { describe, expect, it } from 'vitest';
import { buildBundlePage, classify, measureBundleSizes } from '../../bench/bundle-size.ts';

/** A method name only the engine carries (kept by minification: it is a property name). */
const ENGINE_MARKER = 'confirmedStateHash';

describe('bundle sizes', () => {
  it('the page bundle does not carry the engine; the worker and the lazy main-thread chunk do', async () => {
    const { page, worker, lazy } = classify(await buildBundlePage());
    expect(page.length).toBeGreaterThan(0);
    expect(worker.length).toBeGreaterThan(0);
    expect(lazy.length).toBeGreaterThan(0);
    const text = (files: typeof page) => files.map((f) => f.code).join('\n');
    expect(text(page)).not.toContain(ENGINE_MARKER);
    expect(text(worker)).toContain(ENGINE_MARKER);
    expect(text(lazy)).toContain(ENGINE_MARKER);
  }, 120_000);

  it('reports gzip sizes of the page and worker bundles', async () => {
    const sizes = await measureBundleSizes();
    console.log(`bundle sizes (gzip): ${JSON.stringify(sizes)}`);
    expect(sizes.pageBundleGzipBytes).toBeGreaterThan(1000);
    expect(sizes.workerBundleGzipBytes).toBeGreaterThan(1000);
    expect(sizes.mainThreadEngineGzipBytes).toBeGreaterThan(1000);
  }, 120_000);
});
