/** Absent players keep their seat, come back from a state transfer, and late joiners take free seats: identical logs everywhere. */
import { describe, expect, it } from 'vitest';
import { decodeInputLog, replay } from '../../src/engine/input-log.ts';
import { counterGame } from './harness.ts';
import { logPrefix, rejoinMesh } from './rejoin-harness.ts';

const game = counterGame({ episodeFrames: 200 });
const input = (p: number, t: number) => ((t * 7 + p * 13) >> 3) & 7;

function expectSameLogs(engines: { inputLog(): { frames: number } }[], players: number[]): void {
  const all = players.map((p) => engines[p] as Parameters<typeof logPrefix>[0]);
  const frames = Math.min(...all.map((e) => e.inputLog().frames));
  expect(frames).toBeGreaterThan(0);
  const first = logPrefix(all[0]!, frames);
  for (const e of all.slice(1)) expect(logPrefix(e, frames)).toEqual(first);
}

describe('absence and return', () => {
  it('a 20 s cut: the other player goes on with neutral input, the cut one rejoins from a transfer, logs identical', () => {
    const m = rejoinMesh(game, 2, { hashInterval: 30 });
    const absent: { player: number; frame: number }[] = [];
    m.engines[0]!.on('peer-absent', (e) => absent.push(e));
    m.run(120, input);
    m.cut.add(1);
    m.run(60, input);
    m.engines[0]!.markAbsent(1);
    m.engines[1]!.markAbsent(0);
    m.run(20 * 60, input);
    expect(absent).toHaveLength(1);
    const D = absent[0]!.frame;
    expect(m.engines[0]!.confirmedFrame).toBeGreaterThan(D + 1000); // played on alone
    const returned: { player: number; frame: number }[] = [];
    m.engines[0]!.on('peer-returned', (e) => returned.push(e));
    const rejoining: unknown[] = [];
    m.engines[1]!.on('rejoining', (e) => rejoining.push(e));
    m.cut.delete(1);
    m.reconnect(1);
    m.run(300, input);
    expect(rejoining).toHaveLength(1); // the higher index of a mutual cut starts over
    expect(returned).toHaveLength(1);
    const J = returned[0]!.frame;
    const [a, b] = m.engines;
    expect(b!.stats().transfersLoaded).toBe(1);
    expect(a!.confirmedFrame).toBeGreaterThan(J + 100); // real inputs of player 1 confirmed past its return
    expectSameLogs(m.engines, [0, 1]);
    expect(a!.inputLog().absences).toEqual([{ player: 1, from: D, to: J }]);
    // Player 1's logged input over the absence is the neutral one; after J it is its own again.
    const log = a!.inputLog();
    for (let f = D; f < J; f++) expect(log.inputs[f * 2 + 1]).toBe(0);
    expect(log.inputs.subarray((J + 20) * 2, (J + 80) * 2).some((v, i) => i % 2 === 1 && v !== 0)).toBe(true);
    for (const e of m.engines) expect(e.stats().desyncs).toBe(0);
    expect(b!.stats().hashesCompared).toBeGreaterThan(3);
    // Replay of each peer's log reproduces that peer's confirmed state, absence and return included.
    for (const e of [a!, b!]) {
      const decoded = decodeInputLog(e.exportInputLog());
      if (!decoded.ok) throw new Error(decoded.error.message);
      expect(decoded.log.absences).toEqual([{ player: 1, from: D, to: J }]);
      expect(replay(decoded.log, () => game as never).finalHash).toBe(e.confirmedStateHash().hash);
    }
  });

  it('a reload: the fresh page asks for its seat, the peer agrees on the absence, sends the state, both logs identical', () => {
    const m = rejoinMesh(game, 2, { hashInterval: 30 });
    m.run(200, input);
    const fresh = m.reload(1);
    m.reconnect(1);
    m.run(400, input);
    expect(fresh.joining).toBe(false);
    expect(fresh.stats().transfersLoaded).toBe(1);
    expect(m.engines[0]!.stats().transfersSent).toBe(1);
    const abs = m.engines[0]!.inputLog().absences!;
    expect(abs).toHaveLength(1);
    expect(abs[0]!.to).toBeGreaterThan(abs[0]!.from);
    expectSameLogs(m.engines, [0, 1]);
    expect(fresh.confirmedFrame).toBeGreaterThan(abs[0]!.to! + 100);
    for (const e of m.engines) expect(e.stats().desyncs).toBe(0);
    for (const e of m.engines) {
      const decoded = decodeInputLog(e.exportInputLog());
      if (!decoded.ok) throw new Error(decoded.error.message);
      expect(replay(decoded.log, () => game as never).finalHash).toBe(e.confirmedStateHash().hash);
    }
  });

  it('in a 3-player session one player leaves for good and another reloads and rejoins; a lossy link changes nothing', () => {
    const m = rejoinMesh(game, 3, { hashInterval: 30, minPlayers: 2 }, { latencyMs: 30, jitterMs: 10, loss: 0.05, dup: 0.02, reorder: 0.05 });
    const left: number[] = [];
    m.engines[0]!.on('peer-left', (e) => left.push(e.player));
    m.run(150, input);
    m.cut.add(2);
    m.run(40, input);
    m.engines[0]!.dropPlayer(2);
    m.engines[1]!.dropPlayer(2);
    m.run(60, input);
    expect(left).toEqual([2]);
    m.reload(1);
    m.reconnect(1);
    m.run(500, input);
    expect(m.engines[1]!.stats().transfersLoaded).toBe(1);
    expectSameLogs(m.engines, [0, 1]);
    const log = m.engines[1]!.inputLog();
    expect(log.departures).toEqual(m.engines[0]!.inputLog().departures);
    expect(log.departures).toHaveLength(1);
    expect(log.absences).toHaveLength(1);
    expect(log.absences![0]!.player).toBe(1);
    for (const e of m.engines.slice(0, 2)) expect(e.stats().desyncs).toBe(0);
  });

  it('late join: a 3-seat game starts with 2 players; the third joins a running session at an agreed frame', () => {
    const m = rejoinMesh(game, 3, { hashInterval: 30, seated: 2 });
    // Player 2 has no page yet: its engine is a joiner cut off from everything.
    m.reload(2);
    m.cut.add(2);
    m.run(300, input);
    expect(m.engines[0]!.confirmedFrame).toBeGreaterThan(250);
    m.cut.delete(2);
    m.reconnect(2);
    m.run(400, input);
    const joiner = m.engines[2]!;
    expect(joiner.joining).toBe(false);
    expectSameLogs(m.engines, [0, 1, 2]);
    const abs = m.engines[0]!.inputLog().absences!;
    expect(abs).toHaveLength(1);
    expect(abs[0]).toMatchObject({ player: 2, from: 0 });
    expect(abs[0]!.to).toBeGreaterThan(300);
    expect(joiner.confirmedFrame).toBeGreaterThan(abs[0]!.to! + 100);
    for (const e of m.engines) expect(e.stats().desyncs).toBe(0);
  });

  it("onAbsent 'pause': the others stand still at an agreed frame while the player is away, and play on from it when it is back", () => {
    const m = rejoinMesh(game, 3, { hashInterval: 30, onAbsent: 'pause' });
    const pauses: number[] = [];
    m.engines[1]!.on('pause', (p) => pauses.push(p.frame));
    m.run(120, input);
    m.cut.add(2);
    m.run(40, input);
    m.engines[0]!.markAbsent(2);
    m.engines[1]!.markAbsent(2);
    m.run(60, input);
    expect(pauses).toHaveLength(1);
    const P = pauses[0]!;
    const frozen = m.engines.slice(0, 2).map((e) => e.frame);
    m.run(600, input); // ten seconds away: nobody advances past the pause frame
    expect(m.engines.slice(0, 2).map((e) => e.frame)).toEqual(frozen);
    for (const e of m.engines.slice(0, 2)) expect(e.frame).toBe(P);
    m.cut.delete(2);
    m.reconnect(2);
    m.run(300, input);
    const returned = m.engines[0]!.inputLog().absences!;
    expect(returned).toHaveLength(1);
    expect(returned[0]!.to).toBe(P); // its inputs count from the pause frame
    expect(m.engines[0]!.confirmedFrame).toBeGreaterThan(P + 200);
    expectSameLogs(m.engines, [0, 1, 2]);
    const logs = m.engines.map((e) => JSON.stringify(e.inputLog().pauses));
    expect(new Set(logs).size).toBe(1);
    expect(m.engines[2]!.inputLog().pauses).toHaveLength(1);
    for (const e of m.engines) expect(e.stats().desyncs).toBe(0);
  });

  it('an absence made final is logged as the departure alone on every peer, whether its absence was agreed first or not', () => {
    const m = rejoinMesh(game, 3, { rejoinable: true });
    m.run(100, input);
    m.cut.add(2);
    m.run(40, input);
    m.engines[0]!.markAbsent(2); // peer 0: an absence, agreed before it learns the player left
    m.run(60, input);
    expect(m.engines[1]!.stats().peers.find((p) => p.player === 2)!.absentFromFrame).not.toBeNull(); // peer 1 took it from the notices
    m.engines[0]!.dropPlayer(2);
    m.run(20, input);
    m.engines[1]!.dropPlayer(2);
    m.run(100, input);
    expectSameLogs(m.engines, [0, 1]);
    const logs = [0, 1].map((i) => m.engines[i]!.inputLog());
    for (const log of logs) {
      expect(log.absences).toEqual([]);
      expect(log.departures).toHaveLength(1);
      expect(log.departures![0]!.player).toBe(2);
    }
  });

  it('after the window the host drops an absent player for good: a 2-player session then ends at its absence frame', () => {
    const m = rejoinMesh(game, 2, {});
    m.run(100, input);
    m.cut.add(1);
    m.run(40, input);
    m.engines[0]!.markAbsent(1);
    m.run(100, input);
    expect(m.engines[0]!.endFrame).toBe(Number.POSITIVE_INFINITY); // absent: the session goes on
    const D = m.engines[0]!.stats().peers[0]!.absentFromFrame!;
    expect(D).toBeGreaterThan(90);
    m.engines[0]!.dropPlayer(1);
    expect(m.engines[0]!.stats().peers[0]!.leftAtFrame).toBe(D);
    expect(m.engines[0]!.endFrame).toBeGreaterThanOrEqual(D);
    m.run(60, input);
    expect(m.engines[0]!.finished).toBe(true);
  });
});
