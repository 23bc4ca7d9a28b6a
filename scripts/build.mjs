#!/usr/bin/env node
// `npm run build`: the library, the drop-in worker bundle and the .d.ts files.
import { execSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const run = (cmd) => execSync(cmd, { stdio: 'inherit' });
rmSync('dist', { recursive: true, force: true });
run('npx vite build --logLevel warn');
run('npx vite build --mode dropin --logLevel warn');
run('npx tsc -p tsconfig.build.json');

// Declarations keep the sources' `.ts` specifiers; published types import `.js`.
const walk = (dir) =>
  readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
for (const file of walk('dist/types').filter((f) => f.endsWith('.d.ts'))) {
  const text = readFileSync(file, 'utf8');
  const fixed = text.replace(/(from\s+|import\()(['"])(\.{1,2}\/[^'"]+)\.ts\2/g, '$1$2$3.js$2');
  if (fixed !== text) writeFileSync(file, fixed);
}
console.log('built dist/netroll.js, dist/worker.js, dist/python.js, dist/python-vite.js, dist/netroll-worker.js and dist/types/');
