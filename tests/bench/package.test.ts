/**
 * The packages as a new user gets them (bench/package.ts): packed, installed
 * into a fresh Vite app that has its own game and worker, built, and played
 * in Chromium; the drop-in bundle on a plain page; the server tarball run on
 * its own. Needs `npm run build` first (`npm test` builds before it runs).
 */
import { describe, expect, it } from 'vitest';
import { measurePackage, type PackageFigures, type PlayResult } from '../../bench/package.ts';

/** The goal for what `npm install netroll` leaves in a browser app. */
const NODE_MODULES_LIMIT_BYTES = 10 * 1024 * 1024;

function expectPlayed(result: PlayResult): void {
  expect(result.error).toBeUndefined();
  expect(result.frames).toHaveLength(2);
  expect(result.frames[0]).toBeGreaterThanOrEqual(239);
  expect(result.frames[1]).toBe(result.frames[0]);
  expect(result.hashes[1]).toBe(result.hashes[0]);
  expect(result.logsEqual).toBe(true);
}

describe('packaging', () => {
  let figures: PackageFigures;

  it('packs, installs into a fresh Vite app, builds and plays two sessions in Chromium', async () => {
    figures = await measurePackage();
    console.log(
      `package check: install ${Math.round(figures.installMs)} ms, node_modules ${(figures.nodeModulesBytes / 1e6).toFixed(2)} MB ` +
        `(${figures.nodeModulesPackages} packages), page tarball ${figures.pageTarballBytes} B, vite install ${Math.round(figures.bundlerInstallMs)} ms, ` +
        `vite build ${Math.round(figures.viteBuildMs)} ms, app page ${figures.appPageGzipBytes} B gz, worker ${figures.appWorkerGzipBytes} B gz`,
    );
    expectPlayed(figures.app);
    expect(figures.app.renders).toBeGreaterThan(0);
  }, 15 * 60_000);

  it('the page library brings only what a page needs: no native build, no server, ≤ 10 MB', () => {
    expect(figures.nativePackages).toEqual([]);
    const names = figures.installedPackages;
    expect(names).toContain('netroll');
    expect(names).toContain('comlink');
    expect(names).toContain('socket.io-client');
    for (const server of ['socket.io', 'better-sqlite3', 'pg', 'zod', 'uplot', '@netroll/server']) expect(names).not.toContain(server);
    expect(figures.nodeModulesBytes).toBeLessThanOrEqual(NODE_MODULES_LIMIT_BYTES);
    // The page tarball holds the built library only: no sources, no demo, no server.
    expect(figures.pageTarballFiles).toContain('dist/netroll.js');
    expect(figures.pageTarballFiles).toContain('dist/netroll-worker.js');
    expect(figures.pageTarballFiles.filter((f) => /^(src|main|worker|server|demo|tests)\/|^dist\/demo\//.test(f))).toEqual([]);
  });

  it('the drop-in worker bundle plays on a plain static page (no bundler)', () => {
    expectPlayed(figures.dropin);
  });

  it('the server tarball is self-contained: `netroll serve` starts from it and serves the dashboard assets', () => {
    expect(figures.serverTarballFiles).toContain('dist/cli.js');
    expect(figures.serverTarballFiles.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(figures.serverStartMs).toBeGreaterThan(0);
    expect(figures.serverAdminAssetStatus).toBe(200);
  });
});
