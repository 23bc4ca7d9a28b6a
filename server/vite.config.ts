import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * `vite build --config server/vite.config.ts`: the server package's
 * self-contained build. The pure code the server shares with the page
 * library (`../src`: signaling and report schemas, input log, games, parity)
 * is bundled in; the server's own npm dependencies and Node's built-ins stay
 * imports. Outputs dist/index.js (the library), dist/cli.js (`netroll serve`),
 * dist/export-worker.js (the export thread)
 * and dist/research-cli.js (`netroll export|replay|sessions`), side by side
 * with their shared chunks, so `new URL('../admin/', import.meta.url)` finds
 * the dashboard's files in the package.
 */
const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const dependencies = ['socket.io', 'better-sqlite3', 'pg', 'zod', 'uplot', 'ioredis', '@socket.io/redis-adapter'];

export default defineConfig({
  root: here('.'),
  publicDir: false,
  logLevel: 'warn',
  build: {
    ssr: true,
    target: 'node20',
    outDir: here('./dist'),
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    rolldownOptions: {
      input: { index: here('./index.ts'), cli: here('./cli.ts'), 'research-cli': here('./research/cli.ts'), 'export-worker': here('./research/export-worker.ts') },
      external: (id: string) => id.startsWith('node:') || dependencies.some((d) => id === d || id.startsWith(`${d}/`)),
      output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
    },
  },
});
