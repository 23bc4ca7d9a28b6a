import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { pyodideAssets } from './python/vite.ts';

/**
 * The page library's entry points: output file name → source. package.json's
 * `exports` maps `netroll`, `netroll/worker`, `netroll/core` and
 * `netroll/testing` onto these files (and their .d.ts under dist/types).
 */
export const LIBRARY_ENTRIES: Readonly<Record<string, string>> = {
  netroll: 'main/index.ts',
  worker: 'worker/index.ts',
  core: 'src/index.ts',
  testing: 'main/testing.ts',
  python: 'python/index.ts',
  'python-vite': 'python/vite.ts',
};
/** The page library's runtime dependencies, left as imports in dist/. */
export const LIBRARY_EXTERNALS: readonly (string | RegExp)[] = ['comlink', 'socket.io-client', 'pyodide', 'vite', /^node:/];

/**
 * Builds (all into dist/):
 * - `vite build` — the ESM library, one file per entry point (see
 *   LIBRARY_ENTRIES), with comlink and socket.io-client left external and
 *   everything else (zod included) bundled in.
 *   `netroll/python` (python/index.ts: Python games through Pyodide, an
 *   optional peer) and `netroll/python/vite` (python/vite.ts: the Vite plugin
 *   serving Pyodide's files) are entries too.
 * - `vite build --mode dropin` — the drop-in worker bundle
 *   `dist/netroll-worker.js`: one self-contained file (comlink and the engine
 *   inlined) that loads the user's game module by URL.
 * - `vite build --mode study` — the example study (examples/study) into
 *   `dist/demo/study/`, served by `npm start` at `/study/` (built after the
 *   demo, whose build empties `dist/demo/`).
 * - `vite build --mode demo` — the demo page (demo/index.html, its module
 *   worker and uPlot) into `dist/demo/`, served by `npm start`
 *   (scripts/start.ts builds it when its sources changed). `vite --mode demo`
 *   serves it for development, proxying socket.io to a netroll server on
 *   `NETROLL_SERVER` (default http://localhost:8080).
 * - `vite build --mode admin-watch` — the dashboard's viewer page
 *   (server/admin/watch) into `server/admin/watch-app/`, served at `/admin/watch`.
 * Types come from `tsc -p tsconfig.build.json` (see scripts/build.mjs).
 */
export default defineConfig(({ mode }) => {
  if (mode === 'demo') {
    return {
      root: fileURLToPath(new URL('./demo', import.meta.url)),
      base: './',
      publicDir: false,
      worker: { format: 'es' },
      // The Pyodide runtime for `?game=py-slime`, served from this origin (dist/demo/pyodide/).
      plugins: [pyodideAssets()],
      server: {
        proxy: {
          '/socket.io': { target: process.env.NETROLL_SERVER ?? 'http://localhost:8080', ws: true },
          '/healthz': { target: process.env.NETROLL_SERVER ?? 'http://localhost:8080' },
        },
      },
      build: {
        target: 'es2022',
        outDir: fileURLToPath(new URL('./dist/demo', import.meta.url)),
        emptyOutDir: true,
        sourcemap: true,
        chunkSizeWarningLimit: 1024,
      },
    };
  }
  if (mode === 'study') {
    return {
      root: fileURLToPath(new URL('./examples/study', import.meta.url)),
      base: './',
      publicDir: false,
      worker: { format: 'es' },
      build: {
        target: 'es2022',
        outDir: fileURLToPath(new URL('./dist/demo/study', import.meta.url)),
        emptyOutDir: true,
        sourcemap: true,
      },
    };
  }
  if (mode === 'admin-watch') {
    // The dashboard's viewer page (server/admin/watch), served by the server at /admin/watch.
    return {
      root: fileURLToPath(new URL('./server/admin/watch', import.meta.url)),
      base: '/admin/watch/',
      publicDir: false,
      worker: { format: 'es' },
      build: {
        target: 'es2022',
        outDir: fileURLToPath(new URL('./server/admin/watch-app', import.meta.url)),
        assetsDir: '',
        emptyOutDir: true,
        chunkSizeWarningLimit: 1024,
      },
    };
  }
  if (mode === 'dropin') {
    return {
      build: {
        target: 'es2022',
        outDir: 'dist',
        emptyOutDir: false,
        sourcemap: true,
        copyPublicDir: false,
        lib: { entry: 'worker/dropin.ts', formats: ['es'], fileName: () => 'netroll-worker.js' },
        rolldownOptions: { output: { codeSplitting: false } },
      },
    };
  }
  return {
    build: {
      target: 'es2022',
      outDir: 'dist',
      emptyOutDir: false,
      sourcemap: true,
      copyPublicDir: false,
      lib: { entry: { ...LIBRARY_ENTRIES }, formats: ['es'] },
      rolldownOptions: { external: [...LIBRARY_EXTERNALS] },
    },
  };
});
