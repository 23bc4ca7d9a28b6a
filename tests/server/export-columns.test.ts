/**
 * The frames export's study columns on a real store, SQLite and Postgres
 * (the same tests on each, tests/support/stores.ts): outcome columns
 * replayed from the stored log with the game's record() (a registered game
 * and a drop-in module, resolved the same way for replay), each player's
 * wall clock interpolated from its frame clock, `focused` from its hidden
 * periods, the participants rows and the per-session metrics JSON.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exportParticipants, exportSessions, framesCsvChunks, sessionMetrics, sessionsCsvChunks, type SkippedSession } from '../../server/research/export.ts';
import { PlayerClock, recordColumns } from '../../server/research/frame-columns.ts';
import { resolveGames } from '../../server/research/games.ts';
import { replaySessionAsync } from '../../server/research/replay.ts';
import { DASHBOARD_SESSIONS, type ResearchStore } from '../../server/research/store.ts';
import type { Game } from '../../src/engine/game.ts';
import { encodeInputLog, replay } from '../../src/engine/input-log.ts';
import { episodeSeed } from '../../src/engine/simulation.ts';
import { createArena } from '../../src/games/arena.ts';
import { toBase64, type SessionReport } from '../../src/research/report.ts';
import { Prng } from '../../src/util/prng.ts';
import { STORE_KINDS, storesPerTest } from '../support/stores.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A 2-player session of `spec` with `frames` frames of seeded 1-byte inputs, both players reporting the same log. */
async function storeSession(store: ResearchStore, id: string, spec: string, frames: number, extra: (p: number) => Partial<SessionReport>, finalHash = 0): Promise<Uint8Array> {
  const rng = new Prng(9);
  const inputs = new Uint8Array(frames * 2);
  for (let i = 0; i < inputs.length; i++) inputs[i] = rng.nextInt(16);
  const log = encodeInputLog({ spec, seed: 77, players: 2, inputSize: 1, frames, inputs });
  await store.recordSession({ id, createdAt: Date.now(), seed: 77, players: [{ index: 0, clientId: 'a', name: 'A', participantId: 'P-a', metadata: { group: 'x' } }, { index: 1, clientId: 'b', name: 'B' }] });
  for (const p of [0, 1]) {
    const r: SessionReport = {
      uploadId: `${id}:${p}:0`, kind: 'final', seq: 0, sessionId: id, playerIndex: p, reportToken: store.reportToken(id, p), game: spec, seed: 77, players: 2, frames,
      episodes: [], links: [], rollbacks: { count: 0, histogram: {}, totalMs: 0, maxDepth: 0 }, stalls: 0, desyncs: [], hiddenPeriods: [], hashes: [],
      confirmedHash: { frame: frames, hash: finalHash }, inputLog: toBase64(log), counters: {}, createdAt: new Date().toISOString(), ...extra(p),
    };
    await store.applyReport(r, 100, Date.now());
  }
  return inputs;
}

const csvOf = async (chunks: AsyncIterable<string>) => {
  let text = '';
  for await (const c of chunks) text += c;
  return text.trim().split('\n').map((l) => l.split(','));
};

describe.each(STORE_KINDS)('frames export (%s): outcome columns', (kind) => {
  const stores = storesPerTest(kind);
  it('arena: score and episode_over columns equal a direct replay of the game, frame by frame', async () => {
    const store = await stores.open();
    const spec = 'arena@1?episodeFrames=100';
    const inputs = await storeSession(store, 's-arena', spec, 350, () => ({}));
    const skipped: SkippedSession[] = [];
    const rows = await csvOf(framesCsvChunks(store, 's-arena', skipped, (s) => createArena({ episodeFrames: Number(/episodeFrames=(\d+)/.exec(s)![1]) })));
    expect(skipped).toEqual([]);
    const header = rows[0]!;
    expect(header).toEqual(['session_id', 'frame', 'episode', 'player_0', 'player_1', 'time_ms_0', 'time_ms_1', 'focused_0', 'focused_1', 'episode_over', 'score_0', 'score_1']);
    // the oracle: step the game by hand (episode resets included)
    const game = createArena({ episodeFrames: 100 });
    let episode = 0;
    let start = 0;
    let state = game.init(episodeSeed(77, 0), 2);
    let scored = 0;
    for (let f = 0; f < 350; f++) {
      state = game.step(state, inputs.subarray(f * 2, f * 2 + 2), f - start);
      const want = game.record!(state) as Record<string, number>;
      const row = Object.fromEntries(header.map((c, i) => [c, rows[f + 1]![i]]));
      expect(row['frame']).toBe(String(f));
      expect([row['score_0'], row['score_1'], row['episode_over']]).toEqual([String(want['score_0']), String(want['score_1']), String(want['episode_over'])]);
      scored += want['score_0']! + want['score_1']!;
      if (game.isEpisodeOver!(state)) {
        episode++;
        start = f + 1;
        state = game.init(episodeSeed(77, episode), 2);
      }
    }
    expect(episode).toBe(3); // 100-frame episodes: the columns crossed resets
    expect(scored).toBeGreaterThan(0); // the columns are not all zero
  });

  it('a drop-in game module is found the same way by the export and by replay; only number/boolean record values become columns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netroll-game-'));
    dirs.push(dir);
    const path = join(dir, 'counter.mjs');
    writeFileSync(
      path,
      `export default {
        spec: 'counter@1', inputSize: 1,
        init: () => ({ t: 0, sum: 0 }),
        step: (s, inputs) => ({ t: s.t + 1, sum: s.sum + inputs.reduce((a, b) => a + b, 0) }),
        save: (s) => { const b = new Uint8Array(8); const v = new DataView(b.buffer); v.setUint32(0, s.t); v.setUint32(4, s.sum); return b; },
        load: (b) => { const v = new DataView(b.buffer, b.byteOffset, 8); return { t: v.getUint32(0), sum: v.getUint32(4) }; },
        record: (s) => ({ sum: s.sum, even: s.sum % 2 === 0, label: 'text is left out', nested: { a: 1 } }),
      };\n`,
    );
    const resolve = await resolveGames(['counter@1'], { modules: [path] });
    const game = resolve('counter@1');
    const store = await stores.open();
    const frames = 120;
    // the reported hash is what a peer would report: the replayed final state's
    const probe = await storeSession(store, 'probe', 'counter@1', frames, () => ({}));
    const finalHash = replay({ spec: 'counter@1', seed: 77, players: 2, inputSize: 1, frames, inputs: probe }, () => game).finalHash;
    const inputs = await storeSession(store, 's-mod', 'counter@1', frames, () => ({}), finalHash);
    const rows = await csvOf(framesCsvChunks(store, 's-mod', [], resolve));
    const header = rows[0]!;
    expect(header.slice(9)).toEqual(['even', 'sum']);
    let sum = 0;
    for (let f = 0; f < frames; f++) {
      sum += inputs[f * 2]! + inputs[f * 2 + 1]!;
      expect(rows[f + 1]!.slice(9)).toEqual([String(sum % 2 === 0 ? 1 : 0), String(sum)]);
    }
    const checks = await replaySessionAsync(store, 's-mod', { modules: [path] });
    expect(checks.map((c) => c.match)).toEqual([true, true]);
    // without the module the registered games do not know it: replay says so, the export keeps inputs without outcomes
    await expect(replaySessionAsync(store, 's-mod')).rejects.toThrow(/unknown game "counter"/);
    const plain = await csvOf(framesCsvChunks(store, 's-mod', [], (s) => resolveUnknown(s)));
    expect(plain[0]!).toHaveLength(9);
    expect(plain).toHaveLength(frames + 1);
  });

  it('refuses a module that exports no game, with a message naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netroll-game-'));
    dirs.push(dir);
    const path = join(dir, 'nothing.mjs');
    writeFileSync(path, 'export default { hello: 1 };\n');
    await expect(resolveGames(['x@1'], { modules: [path] })).rejects.toThrow(/nothing\.mjs does not export a netroll game/);
  });

  it('recordColumns keeps finite numbers and booleans, sorted, renames built-in names, bounds the count', () => {
    expect(recordColumns({ b: 2, a: true, s: 'x', n: Number.NaN, frame: 3, 'bad key': 1 })).toEqual({ a: 1, b: 2, record_frame: 3 });
    expect(recordColumns(null)).toEqual({});
    expect(recordColumns([1, 2])).toEqual({});
    expect(Object.keys(recordColumns(Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${String(i).padStart(3, '0')}`, i]))))).toHaveLength(64);
  });
});

function resolveUnknown(spec: string): Game<unknown> {
  throw new Error(`unknown ${spec}`);
}

describe.each(STORE_KINDS)('frames export (%s): wall clock and focus', (kind) => {
  const stores = storesPerTest(kind);
  it('interpolates each player’s frame clock and marks hidden frames focused=0; a player without a clock gets empty cells', async () => {
    const store = await stores.open();
    await storeSession(store, 's-clock', 'arena@1', 200, (p) =>
      p === 0
        ? { frameClock: [{ frame: 0, at: 0 }, { frame: 60, at: 1000 }, { frame: 120, at: 3000 }], hiddenPeriods: [{ start: 1500, end: 2500 }, { start: 3900, end: null }] }
        : {},
    );
    const rows = await csvOf(framesCsvChunks(store, 's-clock', []));
    const header = rows[0]!;
    const at = (f: number, col: string) => rows[f + 1]![header.indexOf(col)];
    expect(at(0, 'time_ms_0')).toBe('0');
    expect(at(30, 'time_ms_0')).toBe('500');
    expect(at(60, 'time_ms_0')).toBe('1000');
    expect(at(90, 'time_ms_0')).toBe('2000');
    expect(at(150, 'time_ms_0')).toBe('4000'); // after the last sample: extrapolated
    expect(at(60, 'focused_0')).toBe('1');
    expect(at(75, 'focused_0')).toBe('0'); // 1500 ms: hidden from here
    expect(at(90, 'focused_0')).toBe('0');
    expect(at(104, 'focused_0')).toBe('0'); // 2467 ms
    expect(at(105, 'focused_0')).toBe('1'); // 2500 ms: visible again
    expect(at(140, 'focused_0')).toBe('1'); // 3667 ms
    expect(at(147, 'focused_0')).toBe('0'); // 3900 ms: hidden to the end
    expect(at(199, 'focused_0')).toBe('0');
    expect([at(10, 'time_ms_1'), at(10, 'focused_1')]).toEqual(['', '']);
    const hiddenFrames = rows.slice(1).filter((r) => r[header.indexOf('focused_0')] === '0').length;
    expect(hiddenFrames).toBe(105 - 75 + 200 - 147);
  });

  it('PlayerClock: one sample means 60 frames a second; repeated frames keep their first time; times never go negative', () => {
    const one = new PlayerClock([{ frame: 120, at: 5000 }], []);
    expect(one.timeAt(0)).toBe(3000);
    expect(one.timeAt(180)).toBe(6000);
    const rep = new PlayerClock([{ frame: 0, at: 100 }, { frame: 0, at: 900 }, { frame: 10, at: 200 }], []);
    expect(rep.timeAt(5)).toBe(150);
    const early = new PlayerClock([{ frame: 100, at: 10 }, { frame: 200, at: 1000 }], []);
    expect(early.timeAt(0)).toBe(0);
    expect(new PlayerClock([], []).timeAt(3)).toBeUndefined();
  });
});

describe.each(STORE_KINDS)('participants and metrics exports (%s)', (kind) => {
  const stores = storesPerTest(kind);
  it('exports participant ids, metadata and end reasons per player, and one metrics object per session', async () => {
    const store = await stores.open();
    await storeSession(store, 's-p', 'arena@1', 30, (p) => ({ end: { reason: p === 0 ? 'completed' : 'peer-left' }, episodesCompleted: 1, frameClock: [{ frame: 0, at: 0 }] }));
    const rows = await exportParticipants(store, 's-p');
    expect(rows).toEqual([
      { session_id: 's-p', player_index: 0, participant_id: 'P-a', client_id: 'a', name: 'A', metadata: '{"group":"x"}', end_reason: 'completed', end_source: 'report', end_frame: '', episodes_completed: 1, final_report: 1 },
      { session_id: 's-p', player_index: 1, participant_id: '', client_id: 'b', name: 'B', metadata: '', end_reason: 'peer-left', end_source: 'report', end_frame: '', episodes_completed: 1, final_report: 1 },
    ]);
    const m = (await sessionMetrics(store, 's-p'))!;
    expect(m['session']).toMatchObject({ session_id: 's-p', end_reasons: '0:completed|1:peer-left', episodes_completed: 1 });
    const players = m['players'] as Record<string, unknown>[];
    expect(players[0]).toMatchObject({ participant_id: 'P-a', metadata: { group: 'x' }, end_reason: 'completed', frame_clock: [{ frame: 0, at: 0 }], metrics: { frames: 30 } });
    expect(JSON.parse(JSON.stringify(m))).toEqual(m); // plain JSON
    expect(await sessionMetrics(store, 'nope')).toBeUndefined();
  });
});

describe.each(STORE_KINDS)('exports leave no session out (%s)', (kind) => {
  const stores = storesPerTest(kind);
  it('with more sessions than the dashboard lists, the sessions and participants exports hold every one; the dashboard keeps the newest', async () => {
    const store = await stores.open();
    const total = DASHBOARD_SESSIONS + 5;
    const t0 = Date.now() - total * 1000;
    for (let i = 0; i < total; i++) {
      await store.recordSession({ id: `many-${String(i).padStart(5, '0')}`, createdAt: t0 + i * 1000, seed: i, players: [{ index: 0, clientId: 'a', name: 'A' }, { index: 1, clientId: 'b', name: 'B' }] });
    }
    const exported = await exportSessions(store);
    expect(exported).toHaveLength(total);
    expect(new Set(exported.map((s) => s.session_id))).toContain('many-00000'); // the oldest is there
    expect(await exportParticipants(store)).toHaveLength(2 * total);
    const csvLines = [];
    for await (const c of sessionsCsvChunks(store)) csvLines.push(...c.split('\n').filter((l) => l !== ''));
    expect(csvLines).toHaveLength(total + 1); // header + every session
    expect(await store.sessions()).toHaveLength(DASHBOARD_SESSIONS); // the dashboard's list: the newest
    expect((await store.sessions())[0]!.id).toBe(`many-${String(total - 1).padStart(5, '0')}`);
  }, 60_000);
});
