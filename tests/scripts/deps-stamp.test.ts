import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { depsStamp, STAMP } from '../../scripts/deps-stamp.mjs';
import { checkDepsStamp } from '../e2e/global-setup.ts';

const dirs: string[] = [];
function project(lock: string | null): string {
  const dir = mkdtempSync(join(tmpdir(), 'netroll-deps-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'package.json'), '{"name":"x"}');
  if (lock !== null) writeFileSync(join(dir, 'package-lock.json'), lock);
  mkdirSync(join(dir, 'node_modules'));
  return dir;
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the dependency stamp', () => {
  it('matches after the stamp of the lockfile is written, and not before', () => {
    const dir = project('{"lockfileVersion":3}');
    const before = depsStamp(dir);
    expect(before.have).toBe('');
    expect(before.lock).toBe(true);
    expect(() => checkDepsStamp(dir)).toThrow(/npm start.*reinstall/);
    writeFileSync(join(dir, STAMP), `${before.want}\n`);
    expect(depsStamp(dir).have).toBe(before.want);
    expect(() => checkDepsStamp(dir)).not.toThrow();
  });

  it('goes stale when the lockfile changes', () => {
    const dir = project('{"lockfileVersion":3}');
    writeFileSync(join(dir, STAMP), `${depsStamp(dir).want}\n`);
    writeFileSync(join(dir, 'package-lock.json'), '{"lockfileVersion":3,"packages":{}}');
    const s = depsStamp(dir);
    expect(s.have).not.toBe(s.want);
    expect(() => checkDepsStamp(dir)).toThrow(/ensure-deps/);
  });

  it('hashes package.json when there is no lockfile', () => {
    const dir = project(null);
    const s = depsStamp(dir);
    expect(s.lock).toBe(false);
    writeFileSync(join(dir, 'package.json'), '{"name":"y"}');
    expect(depsStamp(dir).want).not.toBe(s.want);
  });
});
