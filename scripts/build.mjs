#!/usr/bin/env node
// `npm run build`: the page library (one file per entry point), the drop-in
// worker bundle, the .d.ts files, and the server package's bundle (server/dist).
import { execSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const run = (cmd) => execSync(cmd, { stdio: 'inherit' });
rmSync('dist', { recursive: true, force: true });
run('npx vite build --logLevel warn');
run('npx vite build --mode dropin --logLevel warn');
run('npx vite build --mode admin-watch --logLevel warn');
run('npx tsc -p tsconfig.build.json');
run('npx vite build --config server/vite.config.ts --logLevel warn');

// Declarations keep the sources' `.ts` specifiers; published types import `.js`.
const walk = (dir) =>
  readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
for (const file of walk('dist/types').filter((f) => f.endsWith('.d.ts'))) {
  const text = readFileSync(file, 'utf8');
  const fixed = text.replace(/(from\s+|import\()(['"])(\.{1,2}\/[^'"]+)\.ts\2/g, '$1$2$3.js$2');
  if (fixed !== text) writeFileSync(file, fixed);
}
console.log('built dist/ (netroll.js, worker.js, core.js, testing.js, python.js, python-vite.js, netroll-worker.js, types/) server/dist/ and server/admin/watch-app/ (the dashboard\'s viewer page)');
