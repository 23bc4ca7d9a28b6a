#!/usr/bin/env node
// `npm run lint`: ESLint with typescript-eslint (type-aware: `any` and
// unchecked casts across module boundaries, floating and misused promises;
// see eslint.config.mjs), then knip for unused exports
// (scripts/lint/knip.json). The tooling is its own small package in
// scripts/lint, installed here on first use (typescript-eslint needs
// TypeScript < 6.1; the project builds with TypeScript 7).
import { execSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tools = join(root, 'scripts', 'lint');
const lock = readFileSync(join(tools, 'package-lock.json'));
const want = createHash('sha256').update(lock).digest('hex');
const stamp = join(tools, 'node_modules', '.netroll-lint-deps');
if (!existsSync(stamp) || readFileSync(stamp, 'utf8').trim() !== want) {
  console.log('netroll: installing the lint tooling (npm ci in scripts/lint) ...');
  execSync('npm ci --no-audit --no-fund', { cwd: tools, stdio: 'inherit' });
  writeFileSync(stamp, `${want}\n`);
}

const bin = (name) => join(tools, 'node_modules', '.bin', name);
const step = (cmd, args) => {
  console.log(`\n$ ${[cmd.slice(root.length), ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  return r.status === 0;
};
const eslint = step(bin('eslint'), ['--max-warnings', '0', ...process.argv.slice(2)]);
const knip = step(bin('knip'), ['--config', 'scripts/lint/knip.json', '--no-progress']);
process.exit(eslint && knip ? 0 : 1);
