/** `engine: { mainThread }`: the engine host loaded on demand (main/main-thread-engine.ts) plays like a worker-hosted one. */
import { afterEach, describe, expect, it } from 'vitest';
import { createSession, type Session } from '../../main/session.ts';
import { createMemoryNetwork } from '../../main/transport.ts';
import { gameFromSpec } from '../../src/games/index.ts';
import { sameBytes, until } from './helpers.ts';

let sessions: Session[] = [];
afterEach(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  sessions = [];
});

describe('main-thread engine mode', () => {
  it('two main-thread sessions confirm 240 frames with identical logs and hashes', async () => {
    const transports = createMemoryNetwork(2, { latencyMs: 30, jitterMs: 10, seed: 11 });
    sessions = await Promise.all(
      transports.map((transport, p) =>
        createSession({
          game: 'arena',
          players: 2,
          localPlayer: p,
          seed: 5,
          endFrame: 240,
          engine: { mainThread: (config) => gameFromSpec(config.game) },
          transport,
        }),
      ),
    );
    const inputTimer = setInterval(() => {
      sessions[0]!.setInput(Uint8Array.of(Math.random() < 0.5 ? 1 : 8));
      sessions[1]!.setInput(Uint8Array.of(Math.random() < 0.5 ? 2 : 4));
    }, 40);
    try {
      await until(async () => (await Promise.all(sessions.map((s) => s.stats()))).every((st) => st.confirmedFrame >= 239), 30_000, 'both peers to confirm 240 frames');
    } finally {
      clearInterval(inputTimer);
    }
    const [a, b] = await Promise.all(sessions.map((s) => s.exportSessionMetrics()));
    expect(a!.stats.desyncs + b!.stats.desyncs).toBe(0);
    expect(sameBytes(a!.inputLog, b!.inputLog)).toBe(true);
    expect(a!.confirmedHash).toEqual(b!.confirmedHash);
    expect(a!.confirmedHash.frame).toBeGreaterThanOrEqual(239);
  });
});
