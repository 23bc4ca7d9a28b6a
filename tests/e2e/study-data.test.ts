/**
 * A study's data end to end, with real pages, the real server and store:
 * the outcome columns the server replays are what each peer computed and
 * showed; a hidden tab gives focused=0 on its frames; closing a page ends
 * the others' session with end_reason=peer-left.
 */
import { describe, expect, it } from 'vitest';
import { call, joinRoom, openPage, results, until, waitFrames } from '../../harness/e2e.ts';
import { e2ePerTest } from '../support/per-test.ts';

const env = e2ePerTest();
const ADMIN = 'e2e-admin-token-0123456789';
const auth = { headers: { authorization: `Bearer ${ADMIN}` } };

/** A CSV (no quoted cells) as objects keyed by its header. */
function parseCsv(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trim().split('\n');
  const columns = head!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [columns[i]!, v])));
}

describe('study data from real pages', () => {
  it('outcome columns equal what each peer computed and rendered; a hidden tab gives focused=0 on its frames', async () => {
    const e2e = await env.start({ adminToken: ADMIN });
    const pages = [await openPage(e2e), await openPage(e2e)];
    const frames = 900;
    const joined = await joinRoom(pages, { server: e2e.serverUrl, room: 'study-outcomes', players: 2, frames, game: 'arena?episodeFrames=300' });
    await waitFrames(pages, 240);
    const hiddenMs = 1500;
    await call(pages[0]!, 'hideFor', hiddenMs);
    await waitFrames(pages, frames);
    const [r0] = await results(pages);
    const sessionId = r0!.sessionId;
    const store = e2e.server.store!;
    // The episode report at the last frame carries every frame too: the final one is the one with the end reason.
    await until(async () => {
      const logs = await store.inputLogs(sessionId);
      const ended = (await store.rows('participants', sessionId)).filter((p) => p['end_reason'] != null);
      return logs.length === 2 && logs.every((l) => l.frames === frames) && ended.length === 2;
    }, 20_000, 'both final reports (every frame, and the end reason)');
    const rows = parseCsv(await (await fetch(`${e2e.serverUrl}/api/export?format=csv&kind=frames&session=${sessionId}`, auth)).text());
    expect(rows).toHaveLength(frames);

    // 1. what each peer computed: its own confirmed log replayed in the page with record()
    for (const page of pages) {
      const own = await call(page, 'recordRows');
      expect(own).toHaveLength(frames);
      const mismatches = own.filter((rec, f) => ['score_0', 'score_1', 'episode_over'].some((k) => String(rec[k]) !== rows[f]![k]));
      expect(mismatches).toEqual([]);
    }
    expect(rows.some((r) => Number(r['score_0']) + Number(r['score_1']) > 0)).toBe(true);
    // ...and what it rendered: every confirmed state it showed has the server's scores for that frame
    for (const page of pages) {
      const seen = (await call(page, 'seenScores')).filter((s) => s.frame < frames && rows[s.frame]!['episode'] === String(s.episode));
      expect(seen.length).toBeGreaterThan(100);
      const wrong = seen.filter((s) => s.scores.join(',') !== `${rows[s.frame]!['score_0']},${rows[s.frame]!['score_1']}`);
      expect(wrong).toEqual([]);
    }

    // 2. focus: the hidden page's frames inside its hidden period are focused=0, and only those
    const hp = joined[0]!.playerIndex;
    const other = 1 - hp;
    const metrics = (await store.rows('metrics', sessionId)).find((m) => m.player_index === hp)!;
    const hidden = JSON.parse(String(metrics['hidden_periods'])) as { start: number; end: number }[];
    expect(hidden).toHaveLength(1);
    const clock = JSON.parse(String(metrics['frame_clock'])) as { frame: number; at: number }[];
    expect(clock.length).toBeGreaterThan(5);
    for (const r of rows) {
      const t = Number(r[`time_ms_${hp}`]);
      expect(r[`time_ms_${hp}`]).not.toBe('');
      expect(r[`focused_${hp}`]).toBe(t >= hidden[0]!.start && t < hidden[0]!.end ? '0' : '1');
      expect(r[`focused_${other}`]).toBe('1');
    }
    const unfocused = rows.filter((r) => r[`focused_${hp}`] === '0').length;
    const expected = (hiddenMs / 1000) * 60;
    expect(unfocused).toBeGreaterThan(expected * 0.5);
    expect(unfocused).toBeLessThan(expected * 1.5 + 30);
    // wall clock runs forward
    for (let f = 1; f < rows.length; f++) expect(Number(rows[f]![`time_ms_${other}`])).toBeGreaterThanOrEqual(Number(rows[f - 1]![`time_ms_${other}`]));
    // both completed: their own reports say so
    const participants = await store.rows('participants', sessionId);
    expect(participants.map((p) => p['end_reason'])).toEqual(['completed', 'completed']);
    expect(participants.map((p) => p['episodes_completed'])).toEqual([3, 3]);
    await Promise.all(pages.map((p) => call(p, 'leave')));
  });

  it('closing a page gives end_reason=peer-left for the others (and closed for it)', async () => {
    const e2e = await env.start({ adminToken: ADMIN });
    const pages = [await openPage(e2e), await openPage(e2e)];
    const joined = await joinRoom(pages, { server: e2e.serverUrl, room: 'study-close', players: 2, frames: 60 * 600 });
    await waitFrames(pages, 120);
    const stay = joined[0]!.playerIndex;
    const gone = joined[1]!.playerIndex;
    const sessionId = (await call(pages[0]!, 'result')).sessionId;
    await pages[1]!.close({ runBeforeUnload: true });
    const ended = await until(async () => (await call(pages[0]!, 'result')).ended, 20_000, 'page 0 to end its session');
    expect(ended).toMatchObject({ reason: 'peer-left', peer: gone });
    const store = e2e.server.store!;
    const row = async (p: number) => (await store.rows('participants', sessionId)).find((r) => r.player_index === p)!;
    await until(async () => (await row(stay))['end_reason'] === 'peer-left', 20_000, "the staying page's end reason");
    expect(await row(stay)).toMatchObject({ end_reason: 'peer-left', end_source: 'report' });
    expect(await row(gone)).toMatchObject({ end_reason: 'closed', end_source: 'server' });
    const exported = parseCsv(await (await fetch(`${e2e.serverUrl}/api/export?format=csv&kind=participants&session=${sessionId}`, auth)).text());
    expect(exported.map((r) => [r['player_index'], r['end_reason']]).sort()).toEqual([[String(stay), 'peer-left'], [String(gone), 'closed']].sort());
    await call(pages[0]!, 'leave');
  });
});
