import { describe, it, expect } from 'vitest';
import { createSwarm, type SwarmRender, type SwarmState } from '../../src/games/swarm.ts';
import { INPUT_ACTION, INPUT_DOWN, INPUT_LEFT, INPUT_RIGHT } from '../../src/games/arena.ts';
import { gameFromSpec } from '../../src/games/index.ts';
import type { Game } from '../../src/engine/game.ts';
import { Prng } from '../../src/util/prng.ts';

type Swarm = Game<SwarmState, SwarmRender>;

function inputSource(seed: number, players: number): () => Uint8Array {
  const rng = new Prng(seed);
  const inputs = new Uint8Array(players);
  return () => {
    for (let p = 0; p < players; p++) if (rng.nextInt(8) === 0) inputs[p] = rng.nextInt(32);
    return inputs;
  };
}

/** Fast byte comparison (vitest's deep equality is slow on large typed arrays). */
function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function run(game: Swarm, seed: number, players: number, frames: number, inputSeed = 1): SwarmState {
  const next = inputSource(inputSeed, players);
  let s = game.init(seed, players);
  for (let f = 0; f < frames; f++) s = game.step(s, next(), f);
  return s;
}

describe('swarm', () => {
  it('is deterministic: same seed and inputs give byte-identical snapshots', () => {
    const game = createSwarm({ entities: 500 });
    const a = game.save(run(game, 1234, 4, 2000));
    expect(same(game.save(run(createSwarm({ entities: 500 }), 1234, 4, 2000)), a)).toBe(true);
    expect(same(game.save(run(game, 1235, 4, 2000)), a)).toBe(false);
    expect(same(game.save(run(game, 1234, 4, 2000, 2)), a)).toBe(false);
  });

  it('save -> load -> step equals stepping directly', () => {
    const game = createSwarm({ entities: 300 });
    const next = inputSource(7, 3);
    let s = game.init(99, 3);
    const spare = game.init(0, 3);
    for (let f = 0; f < 300; f++) {
      const inputs = next();
      const loaded = game.load(game.save(s), spare);
      expect(loaded).toBe(spare);
      s = game.step(s, inputs, f);
      expect(same(game.save(game.step(loaded, inputs, f)), game.save(s))).toBe(true);
    }
  });

  it('save with reuse returns the same buffer and snapshots are ~56 KB per 1000 entities', () => {
    const game = createSwarm();
    const s = run(game, 5, 2, 10);
    const bytes = game.save(s);
    expect(bytes.length).toBe((8 + 3 * 2 + 14 * 1000) * 4);
    expect(bytes.length / 1024).toBeGreaterThan(50);
    expect(bytes.length / 1024).toBeLessThan(60);
    const buf = new Uint8Array(bytes.length);
    expect(game.save(s, buf)).toBe(buf);
    expect(same(buf, bytes)).toBe(true);
    expect(game.save(s, new Uint8Array(4))).not.toHaveLength(4);
  });

  it('load copies the bytes and rejects snapshots that do not match', () => {
    const game = createSwarm({ entities: 100 });
    const s = run(game, 5, 2, 20);
    const bytes = game.save(s);
    const loaded = game.load(bytes);
    bytes.fill(0);
    expect(same(game.save(loaded), game.save(s))).toBe(true);
    const good = game.save(s);
    expect(() => createSwarm({ entities: 200 }).load(good)).toThrow(/does not match/);
    expect(() => game.load(good.subarray(4))).toThrow(/does not match/);
  });

  it('never ends by default; ends at episodeFrames when given', () => {
    const endless = createSwarm({ entities: 100 });
    expect(endless.isEpisodeOver!(run(endless, 1, 2, 500))).toBe(false);
    const game = createSwarm({ entities: 100, episodeFrames: 50 });
    const next = inputSource(2, 2);
    let s = game.init(1, 2);
    for (let f = 0; f < 49; f++) s = game.step(s, next(), f);
    expect(game.isEpisodeOver!(s)).toBe(false);
    s = game.step(s, next(), 49);
    expect(game.isEpisodeOver!(s)).toBe(true);
    expect(game.render!(s).frame).toBe(50);
    const frozen = game.save(s);
    expect(same(game.save(game.step(s, next(), 50)), frozen)).toBe(true);
  });

  it('inputs move cursors, and entities react to them', () => {
    const game = createSwarm({ entities: 1000 });
    let a = game.init(3, 2);
    let b = game.init(3, 2);
    const start = game.render!(a).cursors;
    for (let f = 0; f < 50; f++) {
      a = game.step(a, new Uint8Array([INPUT_RIGHT | INPUT_DOWN, 0]), f);
      b = game.step(b, new Uint8Array([INPUT_RIGHT | INPUT_DOWN | INPUT_ACTION, 0]), f);
    }
    const ra = game.render!(a);
    expect(ra.cursors[0]!.x).toBe(start[0]!.x + 200);
    expect(ra.cursors[0]!.y).toBe(start[0]!.y + 200);
    expect(ra.cursors[1]).toEqual(start[1]);
    expect(game.render!(b).cursors[0]!.repel).toBe(true);
    expect(same(game.save(b), game.save(a))).toBe(false); // repel changed the entities
    for (let f = 0; f < 300; f++) a = game.step(a, new Uint8Array([INPUT_LEFT, INPUT_LEFT]), f);
    expect(game.render!(a).cursors.every((c) => c.x === 0)).toBe(true);
  });

  it('entities stay on the field', () => {
    const game = createSwarm({ entities: 2000 });
    const view = game.render!(run(game, 11, 2, 1000));
    for (const v of view.sample) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(view.width);
    }
  });

  it.each([2, 8])('works with %i players', (players) => {
    const game = createSwarm({ entities: 200 });
    const view = game.render!(run(game, 42, players, 300));
    expect(view.cursors).toHaveLength(players);
    expect(view.frame).toBe(300);
  });

  it('render samples at most 256 entities', () => {
    for (const entities of [100, 256, 20000]) {
      const game = createSwarm({ entities });
      const view = game.render!(game.init(1, 2));
      expect(view.entityCount).toBe(entities);
      expect(view.sample).toHaveLength(2 * Math.min(entities, 256));
      expect(structuredClone(view)).toEqual(view);
    }
  });

  it('rejects entities outside 100..20000 and bad players', () => {
    for (const entities of [99, 20001, 0, -5, 150.5, NaN]) {
      expect(() => createSwarm({ entities })).toThrow(RangeError);
    }
    expect(() => createSwarm({ entities: 99 })).toThrow(/entities must be an integer in 100\.\.20000/);
    expect(() => createSwarm({ episodeFrames: -1 })).toThrow(RangeError);
    expect(() => createSwarm().init(1, 9)).toThrow(RangeError);
  });

  it('spec always includes entities and round-trips through gameFromSpec', () => {
    expect(createSwarm().spec).toBe('swarm@1?entities=1000');
    expect(createSwarm({ entities: 5000, episodeFrames: 600 }).spec).toBe('swarm@1?entities=5000&episodeFrames=600');
    for (const spec of ['swarm@1?entities=1000', 'swarm@1?entities=100&episodeFrames=10']) {
      expect(gameFromSpec(spec).spec).toBe(spec);
    }
    expect(gameFromSpec('swarm').spec).toBe('swarm@1?entities=1000');
    expect(() => gameFromSpec('swarm@7')).toThrow(expect.objectContaining({ code: 'game-version-mismatch' }));
    expect(() => gameFromSpec('swarm?entities=50')).toThrow(RangeError);
    expect(() => gameFromSpec('swarm?coins=5')).toThrow(/unknown parameter/);
  });
});
