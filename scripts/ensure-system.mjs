#!/usr/bin/env node
// Makes sure the system packages the tests need are present: Chromium for
// the browser tests (and, for the network tests, coturn; for the multi-node
// tests and `npm run cluster`, redis-server). Installs them with
// apt when running as root; otherwise names what to install and fails.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const needs = [
  { pkg: 'chromium', path: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' },
  { pkg: 'coturn', path: '/usr/bin/turnserver' },
  { pkg: 'redis-server', path: '/usr/bin/redis-server' },
];
const missing = needs.filter((n) => !existsSync(n.path));
if (missing.length > 0) {
  const names = missing.map((m) => m.pkg).join(' ');
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !existsSync('/usr/bin/apt-get')) {
    console.error(`netroll tests need: ${names}. Install them (Debian/Ubuntu: sudo apt-get install -y ${names}) and run again.`);
    process.exit(1);
  }
  console.log(`netroll: installing ${names} with apt-get ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execSync('apt-get update -qq', { stdio: 'inherit', env });
  execSync(`apt-get install -y -qq --no-install-recommends ${names}`, { stdio: 'inherit', env });
}
