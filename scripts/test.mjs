#!/usr/bin/env node
// `npm test`: every test. Installs what is missing (npm packages; Chromium
// and coturn via apt when root), type-checks, lints, builds, checks the
// public API reports, then runs the unit,
// browser and end-to-end suites. The end-to-end suite runs inside a private
// network namespace when this user can make one (root with `unshare`), so
// WebRTC uses real host candidates on a veth pair and no packet leaves the
// machine; otherwise it runs on this host with Chromium's mDNS hiding off.
import { execFileSync, spawnSync } from 'node:child_process';

const step = (cmd, args, opts = {}) => {
  console.log(`\n$ ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

step('node', ['scripts/ensure-deps.mjs']);
step('node', ['scripts/ensure-system.mjs']);
step('npm', ['run', '--silent', 'typecheck']);
step('node', ['scripts/lint.mjs']);
step('node', ['scripts/build.mjs']);
step('node', ['scripts/api-report.mjs', '--strict-members']);
step('npx', ['vitest', 'run']);

let canNamespace = false;
try {
  if (process.getuid?.() === 0) {
    execFileSync('unshare', ['-n', 'true'], { stdio: 'ignore' });
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
    canNamespace = true;
  }
} catch {
  canNamespace = false;
}
const e2e = ['npx', 'vitest', 'run', '--config', 'vitest.e2e.config.ts'];
if (canNamespace) step('unshare', ['-n', 'scripts/netns.sh', ...e2e]);
else {
  console.log('\nnetroll: cannot make a network namespace here (needs root + unshare + iproute2); running the end-to-end tests on this host.');
  step(e2e[0], e2e.slice(1));
}
