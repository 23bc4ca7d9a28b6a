import { defineConfig } from 'vite';

// Library build of the pure core for now; later stages add the worker bundle
// and the demo.
export default defineConfig({
  build: {
    target: 'es2022',
    outDir: 'dist',
    sourcemap: true,
    lib: {
      entry: { netroll: 'src/index.ts' },
      formats: ['es'],
    },
  },
});
