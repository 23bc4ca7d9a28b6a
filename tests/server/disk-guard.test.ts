/** The research store's disk floor, alone: free space read at most once a second, writes counted twice, refusals counted. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DISK_CHECK_EVERY_MS, DiskGuard, statfsFreeBytes } from '../../server/research/disk-guard.ts';

const MiB = 1024 * 1024;

afterEach(() => {
  vi.restoreAllMocks();
});

function guard(floor: number, free: { bytes: number; reads: number }, clock: { t: number }): DiskGuard {
  return new DiskGuard(
    '/data',
    floor,
    () => {
      free.reads++;
      return free.bytes;
    },
    () => clock.t,
  );
}

describe('DiskGuard', () => {
  it('allows an upload while storing it twice keeps the floor free, refuses and counts it past that', () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const free = { bytes: 300 * MiB, reads: 0 };
    const g = guard(256 * MiB, free, { t: 0 });
    expect(g.allows(22 * MiB)).toBe(true); // 300 − 44 = 256: exactly the floor
    expect(g.allows(22 * MiB + 1)).toBe(false);
    expect(g.allows(40 * MiB)).toBe(false);
    expect(g.refused).toBe(2);
  });

  it('reads the free space at most once a second', () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const free = { bytes: 1000 * MiB, reads: 0 };
    const clock = { t: 0 };
    const g = guard(256 * MiB, free, clock);
    for (let i = 0; i < 50; i++) g.allows(MiB);
    expect(free.reads).toBe(1);
    free.bytes = 100 * MiB; // the disk filled up meanwhile
    clock.t = DISK_CHECK_EVERY_MS - 1;
    expect(g.allows(MiB)).toBe(true); // not read again yet
    clock.t = DISK_CHECK_EVERY_MS;
    expect(g.allows(MiB)).toBe(false);
    expect(free.reads).toBe(2);
    free.bytes = 2000 * MiB; // an operator freed space
    clock.t = 2 * DISK_CHECK_EVERY_MS;
    expect(g.allows(MiB)).toBe(true);
  });

  it('logs a refusal at most once a minute, with the free space and the floor', () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const clock = { t: 0 };
    const g = guard(256 * MiB, { bytes: 10 * MiB, reads: 0 }, clock);
    for (let i = 0; i < 5; i++) g.allows(MiB);
    expect(log).toHaveBeenCalledTimes(1);
    expect(String(log.mock.calls[0]![0])).toMatch(/storage-full.*10\.0 MiB free on \/data, the floor is 256\.0 MiB/);
    clock.t = 60_000;
    g.allows(MiB);
    expect(log).toHaveBeenCalledTimes(2);
    expect(g.refused).toBe(6);
  });

  it('a floor of 0 is off: nothing is read, everything allowed', () => {
    const free = { bytes: 0, reads: 0 };
    const g = guard(0, free, { t: 0 });
    expect(g.allows(48 * MiB)).toBe(true);
    expect(free.reads).toBe(0);
    expect(g.refused).toBe(0);
  });

  it('when the free space cannot be read, uploads go through and the failure is logged once', () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const clock = { t: 0 };
    const g = new DiskGuard('/gone', 256 * MiB, () => { throw new Error('ENOENT'); }, () => clock.t);
    expect(g.allows(MiB)).toBe(true);
    clock.t = 5 * DISK_CHECK_EVERY_MS;
    expect(g.allows(MiB)).toBe(true);
    expect(log).toHaveBeenCalledTimes(1);
    expect(String(log.mock.calls[0]![0])).toMatch(/cannot read the free space of \/gone/);
  });

  it('statfsFreeBytes reads a real directory: a positive whole number of bytes; a missing one throws', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netroll-disk-'));
    try {
      const bytes = statfsFreeBytes(dir);
      expect(Number.isInteger(bytes)).toBe(true);
      expect(bytes).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() => statfsFreeBytes(join(dir, 'missing'))).toThrow();
  });
});
