/** The two sides of a cut find each other again by the Hellos sent to absent players, with no host call. */
import { describe, expect, it } from 'vitest';
import { decode } from '../../src/protocol/codec.ts';
import { MessageType } from '../../src/protocol/messages.ts';
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

  it('Hellos sent during the cut and delivered after the rejoin (another path, a backlog) are stale: nobody starts over again, one absence in the logs', () => {
    const game = counterGame();
    const m = rejoinMesh(game, 2, { hashInterval: 30 });
    const input = (p: number, t: number) => (t >> 2) + p;
    m.run(100, input);
    m.cut.add(1);
    m.run(40, input);
    m.engines[0]!.markAbsent(1);
    m.engines[1]!.markAbsent(0);
    m.run(300, input);
    const late = m.dropped.filter((d) => {
      const r = decode(d.bytes);
      return r.ok && r.message.type === MessageType.Hello && !r.message.joining;
    });
    // Both sides claimed the other absent during the cut.
    expect(new Set(late.map((d) => d.from))).toEqual(new Set([0, 1]));
    m.cut.delete(1);
    m.run(400, input);
    expect(m.engines[1]!.stats().transfersLoaded).toBe(1);
    for (const d of late) m.engines[d.to]!.receiveReliable(d.from, d.bytes);
    m.run(400, input);
    // Taken as fresh, each would have the receiver start over: both joining at once, with nobody left to send state.
    expect(m.engines.map((e) => e.joining)).toEqual([false, false]);
    expect(m.engines[0]!.stats().transfersLoaded).toBe(0);
    expect(m.engines[1]!.stats().transfersLoaded).toBe(1);
    expect(m.engines[0]!.stats().staleHellos).toBeGreaterThan(0);
    expect(m.engines[1]!.stats().staleHellos).toBeGreaterThan(0);
    const frames = Math.min(...m.engines.map((e) => e.inputLog().frames));
    expect(frames).toBeGreaterThan(900);
    expect(logPrefix(m.engines[1]!, frames)).toEqual(logPrefix(m.engines[0]!, frames));
    const absences = m.engines[0]!.inputLog().absences!;
    expect(absences).toHaveLength(1);
    expect(absences[0]).toMatchObject({ player: 1 });
  });

  it('a Hello claiming absence from after the last transfer still counts: a second cut rejoins again', () => {
    const game = counterGame();
    const m = rejoinMesh(game, 2, { hashInterval: 30 });
    const input = (p: number, t: number) => (t >> 2) + p;
    m.run(100, input);
    for (let round = 1; round <= 2; round++) {
      m.cut.add(1);
      m.run(40, input);
      m.engines[0]!.markAbsent(1);
      m.engines[1]!.markAbsent(0);
      m.run(200, input);
      m.cut.delete(1);
      m.run(400, input);
      expect(m.engines[1]!.stats().transfersLoaded).toBe(round);
    }
    expect(m.engines[0]!.stats().staleHellos + m.engines[1]!.stats().staleHellos).toBe(0);
    const frames = Math.min(...m.engines.map((e) => e.inputLog().frames));
    expect(logPrefix(m.engines[1]!, frames)).toEqual(logPrefix(m.engines[0]!, frames));
    expect(m.engines[0]!.inputLog().absences).toHaveLength(2);
  });
});
