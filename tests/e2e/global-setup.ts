/**
 * Runs once before the end-to-end files: the demo tests start the demo with
 * `npm start`, whose dependency check reinstalls node_modules when its stamp
 * does not match the lockfile. Under a running suite that would pull
 * vitest's own files away, so a stale stamp stops the suite here instead,
 * with what to run (`npm test` refreshes it first).
 */
import { depsStamp } from '../../scripts/deps-stamp.mjs';

/** Throws unless node_modules in project directory `dir` carries the stamp of its lockfile. */
export function checkDepsStamp(dir = '.'): void {
  const { want, have } = depsStamp(dir);
  if (have !== want) {
    throw new Error(
      'node_modules was not installed by scripts/ensure-deps.mjs for this lockfile (its stamp node_modules/.netroll-deps is missing or stale), ' +
        'so the demo tests\' `npm start` would reinstall it under the running suite. Run `node scripts/ensure-deps.mjs` first (`npm test` does).',
    );
  }
}

export default function setup(): void {
  checkDepsStamp();
}
