#!/usr/bin/env node
// Installs the npm dependencies when they are missing or stale, so that
// `npm start` and `npm test` work on a fresh clone. Plain Node: it runs
// before anything is installed.
import { execSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { depsStamp, STAMP } from './deps-stamp.mjs';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`netroll needs Node.js >= 20.19 (this is ${process.versions.node}).`);
  process.exit(1);
}

const { want, have, lock } = depsStamp();
if (have !== want) {
  const cmd = lock ? 'npm ci --no-audit --no-fund' : 'npm install --no-audit --no-fund';
  console.log(`netroll: installing dependencies (${cmd}) ...`);
  const env = { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' };
  execSync(cmd, { stdio: 'inherit', env });
  writeFileSync(STAMP, want + '\n');
}
