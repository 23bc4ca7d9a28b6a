import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { pyodideAssets } from './python/vite.ts';

/**
 * Builds (all into dist/):
 * - `vite build` — the ESM library: `netroll` (main/index.ts: Session API +
 *   pure core), `netroll/worker` (worker/index.ts: `hostEngine`),
 *   `netroll/python` (python/index.ts: Python games through Pyodide, an
 *   optional peer) and `netroll/python/vite` (python/vite.ts: the plugin
 *   serving Pyodide's files), with dependencies left external.
 * - `vite build --mode dropin` — the drop-in worker bundle
 *   `dist/netroll-worker.js`: one self-contained file (comlink and the engine
 *   inlined) that loads the user's game module by URL.
 * - `vite build --mode demo` — the demo page (demo/index.html, its module
 *   worker and uPlot) into `dist/demo/`, served by `npm start`
 *   (scripts/start.ts builds it when its sources changed). `vite --mode demo`
 *   serves it for development, proxying socket.io to a netroll server on
 *   `NETROLL_SERVER` (default http://localhost:8080).
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
      lib: {
        // `netroll/python` (browser and Node) and `netroll/python/vite` (the Vite plugin, Node).
        entry: { netroll: 'main/index.ts', worker: 'worker/index.ts', python: 'python/index.ts', 'python-vite': 'python/vite.ts' },
        formats: ['es'],
      },
      rolldownOptions: { external: ['comlink', 'socket.io-client', 'pyodide', 'vite', /^node:/] },
    },
  };
});
