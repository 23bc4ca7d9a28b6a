#!/usr/bin/env node
// Installs the npm dependencies when they are missing or stale, so that
// `npm start` and `npm test` work on a fresh clone. Plain Node: it runs
// before anything is installed.
import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`netroll needs Node.js >= 20.19 (this is ${process.versions.node}).`);
  process.exit(1);
}

const lock = existsSync('package-lock.json') ? readFileSync('package-lock.json') : null;
const want = createHash('sha256').update(lock ?? readFileSync('package.json')).digest('hex');
const stamp = 'node_modules/.netroll-deps';
const have = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';
if (have !== want) {
  const cmd = lock ? 'npm ci --no-audit --no-fund' : 'npm install --no-audit --no-fund';
  console.log(`netroll: installing dependencies (${cmd}) ...`);
  const env = { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' };
  execSync(cmd, { stdio: 'inherit', env });
  writeFileSync(stamp, want + '\n');
}
