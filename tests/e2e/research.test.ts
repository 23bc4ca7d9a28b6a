/**
 * Research data end to end: two real pages play through the real server;
 * both peers' reports are uploaded and stored, the parity check finds the
 * session fullySynced, replay reproduces the reported hash, the CSV export
 * has one row per confirmed frame — and the admin dashboard, in real
 * Chromium, shows the running session's connection type and updates.
 */
import { describe, expect, it } from 'vitest';
import { call, crashPage, joinRoom, openPage, playRoom, until, waitFrames } from '../../harness/e2e.ts';
import { e2ePerTest } from '../support/per-test.ts';

const env = e2ePerTest();

describe('research data from a real two-page session', () => {
  it('stores both uploads; parity fullySynced; replay matches; CSV has one row per confirmed frame', async () => {
    const e2e = await env.start({ adminToken: 'e2e-admin-token-0123456789' });
    const pages = [await openPage(e2e), await openPage(e2e)];
    const frames = 600;
    const results = await playRoom(pages, { server: e2e.serverUrl, room: 'research-e2e', players: 2, frames });
    const sessionId = results[0]!.sessionId;
    const store = e2e.server.store!;
    // the final reports go out when the session reaches its end frame
    await until(async () => {
      const logs = await store.inputLogs(sessionId);
      return logs.length === 2 && logs.every((l) => l.frames === frames);
    }, 20_000, 'both final reports');
    const session = await until(async () => {
      const s = await store.session(sessionId);
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
    expect(lines[0]).toBe('session_id,frame,episode,player_0,player_1,time_ms_0,time_ms_1,focused_0,focused_1,episode_over,score_0,score_1');
    expect(lines.length - 1).toBe(frames);
    // links were recorded with their connection type
    const links = await store.rows('links', sessionId);
    expect(links.map((l) => l.connection_type)).toEqual(['host', 'host']);
    await Promise.all(pages.map((p) => call(p, 'leave')));
  });

  it('the admin dashboard shows a running session with its connection type, and updates', async () => {
    const e2e = await env.start({ adminToken: 'e2e-admin-token-0123456789' });
    const pages = [await openPage(e2e), await openPage(e2e)];
    await joinRoom(pages, { server: e2e.serverUrl, room: 'dashboard-e2e', players: 2, frames: 3600 });
    await waitFrames(pages, 60);
    const context = await e2e.browser.newContext();
    const admin = await context.newPage();
    const cspViolations: string[] = [];
    admin.on('console', (m) => {
      if (m.text().includes('Content Security Policy')) cspViolations.push(m.text());
    });
    const denied = await admin.goto(`${e2e.serverUrl}/admin`);
    expect(denied?.status()).toBe(401);
    // The printed URL carries the token in the fragment; the sign-in page trades it for a cookie.
    await admin.goto(`${e2e.serverUrl}/admin#token=e2e-admin-token-0123456789`);
    // Locators, not page-side expressions: the dashboard's CSP forbids evaluating strings.
    await admin.locator('#live td.connection', { hasText: /^host$/ }).first().waitFor({ timeout: 20_000 });
    const frameOf = async () => Number(await admin.locator('#live td.frame').first().textContent());
    const first = await frameOf();
    await expect.poll(frameOf, { timeout: 20_000, interval: 250 }).toBeGreaterThan(first);
    expect(await admin.locator('#rtt-plot canvas').count()).toBeGreaterThan(0);
    expect(await admin.locator('#rollback-plot canvas').count()).toBeGreaterThan(0);
    expect(admin.url()).not.toContain('token'); // dropped from the address bar at sign-in
    expect(cspViolations).toEqual([]); // the dashboard runs under its own CSP
    await Promise.all(pages.map((p) => call(p, 'leave')));
  });
});

type UploadRow = { player_index: number; kind: string; seq: number };
type EpisodeRow = { player_index: number; episode: number; start_frame: number; end_frame: number; seed: number };

describe('uploads during a session', () => {
  it('uploads at each episode end and every reportIntervalMs; a page that crashes mid-session leaves what it had uploaded', async () => {
    const e2e = await env.start({ adminToken: 'e2e-admin-token-0123456789' });
    const pages = [await openPage(e2e), await openPage(e2e)];
    const episodeFrames = 120;
    const joined = await joinRoom(pages, {
      server: e2e.serverUrl,
      room: 'uploads-e2e',
      players: 2,
      frames: 60 * 600, // far beyond the test: the session ends because a page closes
      game: `arena?episodeFrames=${episodeFrames}`,
      research: { reportIntervalMs: 1000 },
    });
    // pages[0] stays, pages[1] is closed; the server assigns player indices
    const stay = joined[0]!.playerIndex;
    const gone = joined[1]!.playerIndex;
    const store = e2e.server.store!;
    const sessionId = (await store.sessions())[0]!.id;
    const uploads = async () => (await store.rows('uploads', sessionId)) as UploadRow[];
    const kinds = async (player: number) => (await uploads()).filter((u) => u.player_index === player).map((u) => u.kind);
    const count = async (player: number, kind: string) => (await kinds(player)).filter((k) => k === kind).length;
    // Both peers uploaded at two episode ends and on the timer, with no session end yet.
    await until(
      async () => (await count(0, 'episode')) >= 2 && (await count(0, 'partial')) >= 2 && (await count(1, 'episode')) >= 2 && (await count(1, 'partial')) >= 2,
      30_000,
      'episode and partial uploads from both peers',
    );
    expect(await kinds(stay)).not.toContain('final');
    expect(await kinds(gone)).not.toContain('final');

    // Episode rows: contiguous on each peer, identical (frames and seeds) across peers.
    const episodeRows = (await store.rows('episodes', sessionId)) as EpisodeRow[];
    const episodes = (player: number) => episodeRows.filter((e) => e.player_index === player).sort((a, b) => a.episode - b.episode);
    for (const p of [0, 1]) {
      const eps = episodes(p);
      expect(eps.length).toBeGreaterThanOrEqual(3); // two finished + the running one
      expect(eps[0]!.start_frame).toBe(0);
      for (let k = 1; k < eps.length; k++) expect(eps[k]!.start_frame).toBe(eps[k - 1]!.end_frame + 1);
      expect(eps[0]!.end_frame - eps[0]!.start_frame + 1).toBeLessThanOrEqual(episodeFrames);
    }
    const finished = Math.min(episodes(0).length, episodes(1).length) - 1;
    const strip = ({ episode, start_frame, end_frame, seed }: EpisodeRow) => ({ episode, start_frame, end_frame, seed });
    expect(episodes(0).slice(0, finished).map(strip)).toEqual(episodes(1).slice(0, finished).map(strip));

    // The staying page's tab is hidden for a while (the engine keeps ticking in its worker).
    await call(pages[0]!, 'hideFor', 600);

    // Page 1 crashes mid-session, with no goodbye: what it uploaded stays.
    const storedBefore = (await store.inputLogs(sessionId)).find((l) => l.playerIndex === gone)!.frames;
    expect(storedBefore).toBeGreaterThanOrEqual(2 * episodeFrames);
    const uploadsBefore = (await count(gone, 'partial')) + (await count(gone, 'episode'));
    await crashPage(pages[1]!);

    // Page 0 sees its peer disconnect, ends the session and uploads its final report.
    await until(async () => (await call(pages[0]!, 'result')).ended, 20_000, 'page 0 to end its session');
    expect((await call(pages[0]!, 'result')).ended).toMatchObject({ reason: 'peer-disconnected', peer: gone });
    await until(async () => (await count(stay, 'final')) === 1, 20_000, "page 0's final report");
    // the page has the server's ack of everything it sent
    const status = await until(async () => {
      const u = await call(pages[0]!, 'uploads');
      return u && !u.pending ? u : null;
    }, 10_000, "page 0's uploads to be acknowledged");
    expect(status.lastError).toBeNull();
    expect(status.acked).toBe((await uploads()).filter((u) => u.player_index === stay).length);

    const participants = (await store.rows('participants', sessionId)) as { player_index: number; final_report: number }[];
    expect(participants.find((p) => p.player_index === stay)?.final_report).toBe(1);
    expect(participants.find((p) => p.player_index === gone)?.final_report).toBe(0);
    expect((await count(gone, 'partial')) + (await count(gone, 'episode'))).toBeGreaterThanOrEqual(uploadsBefore);
    const logs = await store.inputLogs(sessionId);
    expect(logs).toHaveLength(2);
    const closed = logs.find((l) => l.playerIndex === gone)!;
    const stayed = logs.find((l) => l.playerIndex === stay)!;
    expect(closed.frames).toBeGreaterThanOrEqual(storedBefore);
    expect(stayed.frames).toBeGreaterThanOrEqual(closed.frames); // the peer that stayed confirmed at least as far
    const metrics = (await store.rows('metrics', sessionId)) as { player_index: number; hidden_periods: string }[];
    expect(metrics).toHaveLength(2);
    const hidden = JSON.parse(metrics.find((m) => m.player_index === stay)!.hidden_periods) as { start: number; end: number }[];
    expect(hidden).toHaveLength(1);
    expect(hidden[0]!.end - hidden[0]!.start).toBeGreaterThanOrEqual(590);
    // The closed page was never hidden while it played. Closing a tab hides it first, and the
    // upload it sends on that hide may record the start of that last, never-ending period.
    const goneHidden = JSON.parse(metrics.find((m) => m.player_index === gone)!.hidden_periods) as { start: number; end: number | null }[];
    expect(goneHidden.filter((h) => h.end !== null)).toEqual([]);
    expect(goneHidden.length).toBeLessThanOrEqual(1);
    // Links: connected host-to-host; the stayer's link then failed over to the server relay when its peer vanished.
    const links = (await store.rows('links', sessionId)) as { player_index: number; connection_type: string; connection_history: string }[];
    const history = (player: number) => (JSON.parse(links.find((l) => l.player_index === player)!.connection_history) as { type: string }[]).map((c) => c.type);
    expect(links.find((l) => l.player_index === gone)!.connection_type).toBe('host');
    expect(history(gone)[0]).toBe('host');
    expect(history(stay)[0]).toBe('host');
    expect(history(stay)).toContain(links.find((l) => l.player_index === stay)!.connection_type);

    // Parity over the frames both peers confirmed, and both stored logs replay to their reported hashes.
    const session = await until(async () => {
      const s = await store.session(sessionId);
      return s?.parity_checked_at ? s : null;
    }, 10_000, 'the parity check');
    expect(session.parity_status).toBe('fullySynced');
    expect(session.parity_frames).toBe(closed.frames);
    const auth = { headers: { authorization: 'Bearer e2e-admin-token-0123456789' } };
    const replay = (await (await fetch(`${e2e.serverUrl}/api/sessions/${sessionId}/replay`, auth)).json()) as { checks: { playerIndex: number; match: boolean; frames: number }[] };
    const check = (player: number) => replay.checks.find((c) => c.playerIndex === player);
    expect(check(stay)).toMatchObject({ match: true, frames: stayed.frames });
    expect(check(gone)).toMatchObject({ match: true, frames: closed.frames });
    await call(pages[0]!, 'leave');
  });
});
