/** The two sides of a cut find each other again by the Hellos sent to absent players, with no host call. */
import { describe, expect, it } from 'vitest';
import { counterGame } from './harness.ts';
import { logPrefix, rejoinMesh } from './rejoin-harness.ts';

describe('Hellos to absent players', () => {
  it('after a mutual cut, no linkUp is needed: the Hellos meet, the cut side rejoins, logs identical', () => {
    const game = counterGame();
    const m = rejoinMesh(game, 2, { hashInterval: 30 });
    const input = (p: number, t: number) => (t >> 2) + p;
    m.run(100, input);
    m.cut.add(1);
    m.run(40, input);
    m.engines[0]!.markAbsent(1);
    m.engines[1]!.markAbsent(0);
    m.run(300, input);
    m.cut.delete(1);
    m.run(400, input); // no reconnect(): only the periodic Hellos
    expect(m.engines[1]!.stats().transfersLoaded).toBe(1);
    const frames = Math.min(...m.engines.map((e) => e.inputLog().frames));
    expect(logPrefix(m.engines[1]!, frames)).toEqual(logPrefix(m.engines[0]!, frames));
    expect(m.engines[0]!.inputLog().absences).toHaveLength(1);
    expect(m.engines[0]!.inputLog().absences![0]!.to).toBeDefined();
  });
});
