/**
 * The research store with a Python game: two engines play the example over
 * a lossy in-memory link, both report to a real (in-memory SQLite) store,
 * and the server-side replay and the outcome export run the game again in
 * Node through Pyodide.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { exportOutcomes } from '../../server/research/outcomes.ts';
import { replaySessionAsync } from '../../server/research/replay.ts';
import { openResearchStore, type ResearchStore } from '../../server/research/store.ts';
import { toBase64, type SessionReport } from '../../src/research/report.ts';
import { Prng } from '../../src/util/prng.ts';
import { asGame } from '../../python/game.ts';
import { pythonGameFromSpec } from '../../python/node.ts';
import { mesh } from '../engine/harness.ts';

let store: ResearchStore | null = null;
afterEach(async () => {
  await store?.close();
  store = null;
});

describe('research store with a Python game', () => {
  it('replays both peers\' logs to their reported hashes, and exports one outcome row per episode', async () => {
    const spec = 'py-slime?target=2';
    const game = asGame(await pythonGameFromSpec(spec));
    const frames = 1500;
    const seed = 2024;
    const m = mesh(game, 2, { seed, endFrame: frames, hashInterval: 60 }, { latencyMs: 30, jitterMs: 10, loss: 0.05, dup: 0, reorder: 0 });
    const episodes: { episode: number; startFrame: number; endFrame: number; seed: number }[][] = [[], []];
    m.engines.forEach((e, i) => e.on('episode', (x) => episodes[i]!.push({ episode: x.episode, startFrame: x.startFrame, endFrame: x.endFrame, seed: 0 })));
    const rng = new Prng(8);
    m.run(frames + 120, () => Uint8Array.of([0, 4, 8, 1, 5, 9][rng.nextInt(6)]!));

    const s = (store = await openResearchStore({ dataDir: ':memory:' }));
    const id = 'py-session-1';
    await s.recordSession({ id, createdAt: Date.now(), seed, players: [0, 1].map((index) => ({ index, clientId: `c${index}`, name: `p${index}` })) });
    for (const [p, e] of m.engines.entries()) {
      const st = e.stats();
      const report = {
        uploadId: `${id}:${p}:0`,
        kind: 'final',
        seq: 0,
        sessionId: id,
        playerIndex: p,
        reportToken: s.reportToken(id, p),
        game: e.game.spec,
        seed,
        players: 2,
        frames: e.confirmedFrame + 1,
        episodes: episodes[p]!,
        links: [],
        rollbacks: { count: st.rollbacks, histogram: {}, totalMs: 0, maxDepth: st.maxRollback },
        stalls: st.stalls,
        desyncs: [],
        hiddenPeriods: [],
        hashes: [],
        confirmedHash: e.confirmedStateHash(),
        inputLog: toBase64(e.exportInputLog()),
        counters: {},
        createdAt: new Date().toISOString(),
      } satisfies SessionReport;
      expect((await s.applyReport(report, 1000, Date.now())).stored).toBe(true);
    }

    const checks = await replaySessionAsync(s, id);
    expect(checks).toHaveLength(2);
    for (const c of checks) {
      expect(c.game).toBe(spec);
      expect(c.frames).toBe(frames);
      expect(c.match).toBe(true);
    }

    const outcomes = await exportOutcomes(s, id);
    const finished = episodes[0]!;
    expect(finished.length).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o.complete === 1).map((o) => [o.episode, o.start_frame, o.end_frame])).toEqual(
      finished.map((e) => [e.episode, e.startFrame, e.endFrame]),
    );
    for (const o of outcomes.filter((r) => r.complete === 1)) {
      expect(Math.max(o.score_left as number, o.score_right as number)).toBe(2);
      expect(o.winner).toBe((o.score_left as number) > (o.score_right as number) ? 0 : 1);
    }
    const last = outcomes[outcomes.length - 1]!;
    expect(last.complete).toBe(0);
    expect(last.end_frame).toBe(frames - 1);
  });
});
