import { afterEach, describe, expect, it } from 'vitest';
import { createSession, type Session } from '../../main/session.ts';
import { createMemoryNetwork } from '../../main/transport.ts';
import { NetrollError } from '../../src/contracts/errors.ts';
import { gameFromSpec } from '../../src/games/index.ts';
import { Prng } from '../../src/util/prng.ts';
import { builtinWorker, pageSessions, sameBytes, until } from './helpers.ts';

let sessions: Session[] = [];
afterEach(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  sessions = [];
});

describe('two sessions in one page, engines in workers', () => {
  it('play 600 frames of arena over an impaired link: identical confirmed logs, zero desyncs', async () => {
    sessions = await pageSessions(2, { latencyMs: 40, jitterMs: 15, loss: 0.1, seed: 3 }, { endFrame: 600, hashInterval: 30 });
    const rng = new Prng(99);
    const random = () => rng.nextU32() >>> 24;
    const inputTimer = setInterval(() => {
      for (const s of sessions) s.setInput(Uint8Array.of(random() & 31));
    }, 50);
    try {
      await until(async () => (await Promise.all(sessions.map((s) => s.stats()))).every((st) => st.confirmedFrame >= 599), 60_000, 'both peers to confirm 600 frames');
    } finally {
      clearInterval(inputTimer);
    }
    const [a, b] = await Promise.all(sessions.map((s) => s.exportSessionMetrics()));
    expect(a!.stats.desyncs + b!.stats.desyncs).toBe(0);
    expect(a!.stats.rollbacks + b!.stats.rollbacks).toBeGreaterThan(0);
    expect(a!.hashes.length).toBeGreaterThanOrEqual(19);
    expect(sameBytes(a!.inputLog, b!.inputLog)).toBe(true);
    expect(a!.confirmedHash).toEqual(b!.confirmedHash);
  });
});

describe('errors from the engine host', () => {
  const attempt = (config: { game: string; tickRate?: number }, engine: 'worker' | 'main') =>
    createSession({
      players: 2,
      localPlayer: 0,
      seed: 1,
      ...config,
      engine: engine === 'worker' ? builtinWorker() : { mainThread: (c) => gameFromSpec(c.game) },
      transport: createMemoryNetwork(2)[0]!,
    }).then(
      () => null,
      (e: unknown) => e,
    );

  for (const engine of ['worker', 'main'] as const) {
    it(`reach the page as NetrollErrors with their code (engine on ${engine === 'worker' ? 'a worker' : 'the main thread'})`, async () => {
      const unknownGame = await attempt({ game: 'no-such-game' }, engine);
      expect(unknownGame).toBeInstanceOf(NetrollError);
      expect((unknownGame as NetrollError).code).toBe('bad-game');
      expect((unknownGame as NetrollError).message).toMatch(/unknown game "no-such-game"/);
      const badRate = await attempt({ game: 'arena', tickRate: 0 }, engine);
      expect(badRate).toBeInstanceOf(NetrollError);
      expect((badRate as NetrollError).code).toBe('invalid-option');
    });
  }
});
