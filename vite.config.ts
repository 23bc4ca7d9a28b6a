import { defineConfig } from 'vite';

/**
 * Builds (all into dist/):
 * - `vite build` — the ESM library: `netroll` (main/index.ts: Session API +
 *   pure core) and `netroll/worker` (worker/index.ts: `hostEngine`), with
 *   dependencies left external.
 * - `vite build --mode dropin` — the drop-in worker bundle
 *   `dist/netroll-worker.js`: one self-contained file (comlink and the engine
 *   inlined) that loads the user's game module by URL.
 * Types come from `tsc -p tsconfig.build.json` (see scripts/build.mjs).
 */
export default defineConfig(({ mode }) => {
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
        entry: { netroll: 'main/index.ts', worker: 'worker/index.ts' },
        formats: ['es'],
      },
      rolldownOptions: { external: ['comlink', 'socket.io-client'] },
    },
  };
});
