// Whether node_modules matches the lockfile: the hash scripts/ensure-deps.mjs
// writes after installing, and the one the lockfile has now. Plain Node: it
// runs before anything is installed.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where ensure-deps.mjs records the lockfile hash node_modules was installed from. */
export const STAMP = 'node_modules/.netroll-deps';

/** In project directory `dir`: `want`, the hash of package-lock.json (or package.json without one); `have`, the stamp's ('' when missing). */
export function depsStamp(dir = '.') {
  const lockPath = join(dir, 'package-lock.json');
  const lock = existsSync(lockPath) ? readFileSync(lockPath) : null;
  const want = createHash('sha256').update(lock ?? readFileSync(join(dir, 'package.json'))).digest('hex');
  const stamp = join(dir, STAMP);
  const have = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';
  return { want, have, lock: lock !== null };
}
