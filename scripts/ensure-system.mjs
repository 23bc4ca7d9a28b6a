#!/usr/bin/env node
// Makes sure the system packages the tests need are present: Chromium for
// the browser tests (and, for the network tests, coturn; for the multi-node
// tests and `npm run cluster`, redis-server; for the research store tests on
// Postgres, postgresql). Installs them with apt when running as root;
// otherwise names what to install and fails.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Whether Postgres's server binaries are there (as harness/postgres.ts looks for them). */
function postgresPresent() {
  if (process.env.NETROLL_PG_BIN) return existsSync(join(process.env.NETROLL_PG_BIN, 'postgres'));
  const root = '/usr/lib/postgresql';
  if (existsSync(root) && readdirSync(root).some((v) => existsSync(join(root, v, 'bin', 'postgres')) && existsSync(join(root, v, 'bin', 'initdb')))) return true;
  return (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, 'postgres')) && existsSync(join(d, 'initdb')));
}

const needs = [
  { pkg: 'chromium', present: () => existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium') },
  { pkg: 'coturn', present: () => existsSync('/usr/bin/turnserver') },
  { pkg: 'redis-server', present: () => existsSync('/usr/bin/redis-server') },
  { pkg: 'postgresql', present: postgresPresent },
];
const missing = needs.filter((n) => !n.present());
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
