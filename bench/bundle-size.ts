/**
 * Bundle sizes a netroll page ships, for `npm run bench -- --json`.
 *
 * Builds bench/bundle-page (a page that joins a game, captures input and
 * smooths, with its engine in a module worker built from `netroll/worker`)
 * with Vite from this repository's sources, minified, and gzips each output:
 *
 * - `pageBundleGzipBytes`: the page's entry chunk plus every chunk it imports
 *   statically (what loads before the page runs);
 * - `workerBundleGzipBytes`: the worker's bundle (engine, game, comlink);
 * - `mainThreadEngineGzipBytes`: the chunks loaded only by dynamic import
 *   (the main-thread engine mode, `engine: { mainThread }`), not part of the
 *   page bundle;
 * - `dropinBundleGzipBytes`: dist/netroll-worker.js when it is built.
 *
 * Sizes are gzip level 9 of the minified files (source maps excluded).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Rolldown } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The figures {@link measureBundleSizes} reports. */
export interface BundleSizes {
  /** Gzip bytes of the page's entry chunk and its static imports. */
  pageBundleGzipBytes: number;
  /** Gzip bytes of the engine worker's bundle. */
  workerBundleGzipBytes: number;
  /** Gzip bytes of the chunks only reachable by dynamic import (the main-thread engine). */
  mainThreadEngineGzipBytes: number;
  /** Gzip bytes of the drop-in worker bundle, when dist/netroll-worker.js exists. */
  dropinBundleGzipBytes?: number;
}

/** One built file: its name, text and which chunks it imports. */
export interface BuiltFile {
  fileName: string;
  code: string;
  isEntry: boolean;
  imports: readonly string[];
  dynamicImports: readonly string[];
}

const gz = (text: string): number => gzipSync(text, { level: 9 }).length;

/** Build bench/bundle-page with Vite (nothing written to disk) and return its JavaScript outputs. */
export async function buildBundlePage(): Promise<BuiltFile[]> {
  const alias = [
    { find: /^netroll$/, replacement: `${root}main/index.ts` },
    { find: /^netroll\/worker$/, replacement: `${root}worker/index.ts` },
    { find: /^netroll\/core$/, replacement: `${root}src/index.ts` },
  ];
  const result = await build({
    configFile: false,
    root: `${root}bench/bundle-page`,
    logLevel: 'silent',
    resolve: { alias },
    worker: { format: 'es' },
    build: { target: 'es2022', write: false, sourcemap: false, modulePreload: false, minify: true },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[];
  const files: BuiltFile[] = [];
  for (const out of outputs) {
    for (const item of out.output) {
      if (!item.fileName.endsWith('.js')) continue;
      if (item.type === 'chunk') {
        files.push({ fileName: item.fileName, code: item.code, isEntry: item.isEntry, imports: item.imports, dynamicImports: item.dynamicImports });
      } else {
        // The worker, emitted by Vite as an asset of the page build.
        const code = typeof item.source === 'string' ? item.source : new TextDecoder().decode(item.source);
        files.push({ fileName: item.fileName, code, isEntry: false, imports: [], dynamicImports: [] });
      }
    }
  }
  return files;
}

/** Split the page build into the page bundle, the worker and the lazily loaded chunks. */
export function classify(files: readonly BuiltFile[]): { page: BuiltFile[]; worker: BuiltFile[]; lazy: BuiltFile[] } {
  const byName = new Map(files.map((f) => [f.fileName, f]));
  const page = new Set<BuiltFile>();
  const visit = (f: BuiltFile): void => {
    if (page.has(f)) return;
    page.add(f);
    for (const name of f.imports) {
      const next = byName.get(name);
      if (next) visit(next);
    }
  };
  for (const f of files) if (f.isEntry) visit(f);
  const worker = files.filter((f) => !page.has(f) && /worker/i.test(f.fileName) && f.dynamicImports.length === 0 && !f.isEntry && !hasImporter(files, f));
  const lazy = files.filter((f) => !page.has(f) && !worker.includes(f));
  return { page: [...page], worker, lazy };
}

function hasImporter(files: readonly BuiltFile[], target: BuiltFile): boolean {
  return files.some((f) => f.imports.includes(target.fileName) || f.dynamicImports.includes(target.fileName));
}

/** Build the page and weigh it (see the module comment). */
export async function measureBundleSizes(): Promise<BundleSizes> {
  const { page, worker, lazy } = classify(await buildBundlePage());
  if (page.length === 0 || worker.length === 0) throw new Error('bundle-size: the page build has no entry chunk or no worker bundle');
  const sum = (fs: readonly BuiltFile[]): number => fs.reduce((n, f) => n + gz(f.code), 0);
  const sizes: BundleSizes = {
    pageBundleGzipBytes: sum(page),
    workerBundleGzipBytes: sum(worker),
    mainThreadEngineGzipBytes: sum(lazy),
  };
  const dropin = `${root}dist/netroll-worker.js`;
  if (existsSync(dropin)) sizes.dropinBundleGzipBytes = gz(readFileSync(dropin, 'utf8'));
  return sizes;
}
