/**
 * Research data end to end: two real pages play through the real server;
 * both peers' reports are uploaded and stored, the parity check finds the
 * session fullySynced, replay reproduces the reported hash, the CSV export
 * has one row per confirmed frame — and the admin dashboard, in real
 * Chromium, shows the running session's connection type and updates.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type E2E, call, joinRoom, openPage, playRoom, startE2E, waitFrames } from './harness.ts';

let e2e: E2E | null = null;
afterEach(async () => {
  await e2e?.close();
  e2e = null;
});

async function until<T>(check: () => Promise<T | null | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = await check();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

describe('research data from a real two-page session', () => {
  it('stores both uploads; parity fullySynced; replay matches; CSV has one row per confirmed frame', async () => {
    e2e = await startE2E({ adminToken: 'e2e-admin-token-0123456789' });
    const pages = [await openPage(e2e), await openPage(e2e)];
    const frames = 600;
    const results = await playRoom(pages, { server: e2e.serverUrl, room: 'research-e2e', players: 2, frames });
    const sessionId = results[0]!.sessionId;
    const store = e2e.server.store!;
    // the final reports go out when the session reaches its end frame
    await until(async () => store.inputLogs(sessionId).every((l) => l.frames === frames) && store.inputLogs(sessionId).length === 2, 20_000, 'both final reports');
    const session = await until(async () => {
      const s = store.session(sessionId);
      return s?.parity_status ? s : null;
    }, 10_000, 'the parity check');
    expect(session.parity_status).toBe('fullySynced');
    expect(session.parity_frames).toBe(frames);
    const auth = { headers: { authorization: 'Bearer e2e-admin-token-0123456789' } };
    const replay = (await (await fetch(`${e2e.serverUrl}/api/sessions/${sessionId}/replay`, auth)).json()) as { checks: { match: boolean; frames: number }[] };
    expect(replay.checks).toHaveLength(2);
    for (const c of replay.checks) expect(c).toMatchObject({ match: true, frames });
    const csv = await (await fetch(`${e2e.serverUrl}/api/export?format=csv&kind=frames&session=${sessionId}`, auth)).text();
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('session_id,frame,episode,player_0,player_1');
    expect(lines.length - 1).toBe(frames);
    // links were recorded with their connection type
    const links = store.rows('links', sessionId);
    expect(links.map((l) => l.connection_type)).toEqual(['host', 'host']);
    await Promise.all(pages.map((p) => call(p, 'leave')));
  });

  it('the admin dashboard shows a running session with its connection type, and updates', async () => {
    e2e = await startE2E({ adminToken: 'e2e-admin-token-0123456789' });
    const pages = [await openPage(e2e), await openPage(e2e)];
    await joinRoom(pages, { server: e2e.serverUrl, room: 'dashboard-e2e', players: 2, frames: 3600 });
    await waitFrames(pages, 60);
    const context = await e2e.browser.newContext();
    const admin = await context.newPage();
    const denied = await admin.goto(`${e2e.serverUrl}/admin`);
    expect(denied?.status()).toBe(401);
    await admin.goto(`${e2e.serverUrl}/admin?token=e2e-admin-token-0123456789`);
    // (page-side expressions as strings: this file is type-checked without the DOM library)
    await admin.waitForFunction(`[...document.querySelectorAll('#live td.connection')].some((td) => td.textContent === 'host')`, undefined, { timeout: 20_000 });
    const frameExpr = `Number(document.querySelector('#live td.frame')?.textContent ?? 'NaN')`;
    const frameOf = async () => Number(await admin.evaluate(frameExpr));
    const first = await frameOf();
    await admin.waitForFunction(`${frameExpr} > ${first}`, undefined, { timeout: 20_000 });
    expect(await frameOf()).toBeGreaterThan(first);
    expect(await admin.locator('#rtt-plot canvas').count()).toBeGreaterThan(0);
    expect(await admin.locator('#rollback-plot canvas').count()).toBeGreaterThan(0);
    await Promise.all(pages.map((p) => call(p, 'leave')));
  });
});
