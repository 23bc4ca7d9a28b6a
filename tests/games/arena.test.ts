import { describe, it, expect } from 'vitest';
import {
  createArena,
  INPUT_ACTION,
  INPUT_DOWN,
  INPUT_LEFT,
  INPUT_RIGHT,
  INPUT_UP,
  type ArenaState,
  type ArenaRender,
} from '../../src/games/arena.ts';
import { gameFromSpec, gameNames } from '../../src/games/index.ts';
import type { Game } from '../../src/engine/game.ts';
import { Prng } from '../../src/util/prng.ts';

type Arena = Game<ArenaState, ArenaRender>;

/** Seeded random inputs that are held for a few frames, like a human's. */
function inputSource(seed: number, players: number): () => Uint8Array {
  const rng = new Prng(seed);
  const inputs = new Uint8Array(players);
  return () => {
    for (let p = 0; p < players; p++) if (rng.nextInt(8) === 0) inputs[p] = rng.nextInt(32);
    return inputs;
  };
}

function run(game: Arena, seed: number, players: number, frames: number, inputSeed = 1): ArenaState {
  const next = inputSource(inputSeed, players);
  let s = game.init(seed, players);
  for (let f = 0; f < frames; f++) s = game.step(s, next(), f);
  return s;
}

/** Steers player 0 toward the nearest coin (others idle). */
function chaseCoin(game: Arena, s: ArenaState, players: number): Uint8Array {
  const view = game.render!(s);
  const me = view.players[0]!;
  let best = view.coins[0]!;
  for (const c of view.coins) if (Math.hypot(c.x - me.x, c.y - me.y) < Math.hypot(best.x - me.x, best.y - me.y)) best = c;
  let b = 0;
  if (best.x > me.x + 0.5) b |= INPUT_RIGHT;
  if (best.x < me.x - 0.5) b |= INPUT_LEFT;
  if (best.y > me.y + 0.5) b |= INPUT_DOWN;
  if (best.y < me.y - 0.5) b |= INPUT_UP;
  const inputs = new Uint8Array(players);
  inputs[0] = b;
  return inputs;
}

const long = { episodeFrames: 5000, targetScore: 1_000_000 };

describe('arena', () => {
  it('is deterministic: same seed and inputs give byte-identical snapshots', () => {
    const game = createArena(long);
    const a = game.save(run(game, 1234, 4, 2000));
    const b = game.save(run(createArena(long), 1234, 4, 2000));
    expect(b).toEqual(a);
    expect(game.save(run(game, 1235, 4, 2000))).not.toEqual(a);
    expect(game.save(run(game, 1234, 4, 2000, 2))).not.toEqual(a);
  });

  it('save -> load -> step equals stepping directly', () => {
    const game = createArena(long);
    const next = inputSource(7, 3);
    let s = game.init(99, 3);
    let reuse: ArenaState | undefined;
    for (let f = 0; f < 500; f++) {
      const inputs = next();
      const bytes = game.save(s);
      const loaded = game.load(bytes, reuse);
      reuse = game.load(bytes); // a spare state for the next frame's reuse
      s = game.step(s, inputs, f);
      expect(game.save(game.step(loaded, inputs, f))).toEqual(game.save(s));
    }
  });

  it('load writes into reuse and does not alias the bytes', () => {
    const game = createArena();
    const s = run(game, 5, 2, 100);
    const bytes = game.save(s);
    const target = game.init(0, 2);
    expect(game.load(bytes, target)).toBe(target);
    expect(game.save(target)).toEqual(bytes);
    bytes.fill(0);
    expect(game.save(target)).toEqual(game.save(s));
  });

  it('save with reuse returns the same buffer; a wrong-sized reuse is ignored', () => {
    const game = createArena();
    const s = run(game, 5, 2, 10);
    const buf = new Uint8Array(game.save(s).length);
    expect(game.save(s, buf)).toBe(buf);
    expect(buf).toEqual(game.save(s));
    const small = new Uint8Array(8);
    const out = game.save(s, small);
    expect(out).not.toBe(small);
    expect(out.length).toBe(buf.length);
  });

  it('rejects snapshots that do not match', () => {
    const game = createArena();
    const bytes = game.save(game.init(1, 2));
    expect(() => game.load(bytes.subarray(0, bytes.length - 4))).toThrow(/does not match/);
    expect(() => createArena({ coins: 3 }).load(bytes)).toThrow(/does not match/);
    expect(() => game.load(new Uint8Array(bytes.length))).toThrow(/does not match/);
  });

  it('ends the episode at episodeFrames and then stops changing', () => {
    const game = createArena({ episodeFrames: 30, targetScore: 1_000_000 });
    const next = inputSource(3, 2);
    let s = game.init(1, 2);
    for (let f = 0; f < 29; f++) s = game.step(s, next(), f);
    expect(game.isEpisodeOver!(s)).toBe(false);
    s = game.step(s, next(), 29);
    expect(game.isEpisodeOver!(s)).toBe(true);
    expect(game.render!(s).frame).toBe(30);
    const frozen = game.save(s);
    s = game.step(s, new Uint8Array([INPUT_RIGHT, INPUT_RIGHT]), 30);
    expect(game.save(s)).toEqual(frozen);
  });

  it('uses 1200 frames by default', () => {
    const game = createArena();
    let s = game.init(1, 2);
    const idle = new Uint8Array(2);
    for (let f = 0; f < 1199; f++) s = game.step(s, idle, f);
    expect(game.isEpisodeOver!(s)).toBe(false);
    expect(game.isEpisodeOver!(game.step(s, idle, 1199))).toBe(true);
  });

  it('inputs move players; idle players stay put', () => {
    const game = createArena();
    let s = game.init(1, 2);
    const start = game.render!(s).players;
    for (let f = 0; f < 20; f++) s = game.step(s, new Uint8Array([INPUT_RIGHT | INPUT_UP, 0]), f);
    const after = game.render!(s).players;
    expect(after[0]!.x).toBeGreaterThan(start[0]!.x + 5);
    expect(after[0]!.y).toBeLessThan(start[0]!.y - 5);
    expect(after[1]).toEqual(start[1]);
    // Players never leave the field.
    for (let f = 0; f < 400; f++) s = game.step(s, new Uint8Array([INPUT_LEFT | INPUT_DOWN, INPUT_UP]), f);
    for (const p of game.render!(s).players) {
      expect(p.x).toBeGreaterThanOrEqual(0);
      expect(p.x).toBeLessThanOrEqual(96);
      expect(p.y).toBeGreaterThanOrEqual(0);
      expect(p.y).toBeLessThanOrEqual(54);
    }
  });


  it('players come to rest after the keys are released, in every direction', () => {
    const game = createArena();
    for (const dir of [INPUT_RIGHT, INPUT_LEFT, INPUT_DOWN, INPUT_UP, INPUT_RIGHT | INPUT_DOWN, INPUT_LEFT | INPUT_UP]) {
      for (const held of [3, 7, 11, 20]) {
        let s = game.init(1, 1);
        let f = 0;
        for (; f < held; f++) s = game.step(s, new Uint8Array([dir]), f);
        for (; f < held + 60; f++) s = game.step(s, new Uint8Array([0]), f);
        const rest = game.render!(s).players[0]!;
        for (; f < held + 120; f++) s = game.step(s, new Uint8Array([0]), f);
        expect(game.render!(s).players[0], `input ${dir} held ${held} frames`).toEqual(rest);
      }
    }
  });
  it('a dash (action press) covers more ground', () => {
    const game = createArena();
    const travel = (first: number) => {
      let s = game.init(1, 2);
      s = game.step(s, new Uint8Array([first, 0]), 0);
      for (let f = 1; f < 10; f++) s = game.step(s, new Uint8Array([INPUT_RIGHT, 0]), f);
      return game.render!(s).players[0]!.x;
    };
    expect(travel(INPUT_RIGHT | INPUT_ACTION)).toBeGreaterThan(travel(INPUT_RIGHT) + 5);
  });

  it('collecting coins raises the score, respawns the coin and can end the episode', () => {
    const game = createArena({ targetScore: 3 });
    let s = game.init(8, 2);
    let f = 0;
    while (!game.isEpisodeOver!(s) && f < 1200) {
      s = game.step(s, chaseCoin(game, s, 2), f);
      f++;
    }
    const view = game.render!(s);
    expect(view.players[0]!.score).toBe(3);
    expect(view.players[1]!.score).toBe(0);
    expect(f).toBeLessThan(1200);
    expect(view.coins).toHaveLength(8);
    expect(game.isEpisodeOver!(s)).toBe(true);
  });

  it.each([2, 8])('works with %i players', (players) => {
    const game = createArena(long);
    const s = run(game, 42, players, 300);
    const view = game.render!(s);
    expect(view.players).toHaveLength(players);
    expect(view.frame).toBe(300);
    expect(game.save(s).length).toBe((7 + 7 * players + 2 * 8) * 4);
    const xs = new Set(view.players.map((p) => p.x));
    expect(xs.size).toBeGreaterThan(1);
  });

  it('validates players and options', () => {
    const game = createArena();
    expect(() => game.init(1, 0)).toThrow(RangeError);
    expect(() => game.init(1, 9)).toThrow(RangeError);
    expect(() => createArena({ coins: 0 })).toThrow(/coins/);
    expect(() => createArena({ width: 10 })).toThrow(RangeError);
    expect(() => createArena({ episodeFrames: 1.5 })).toThrow(RangeError);
  });

  it('render is a plain cloneable object in field units', () => {
    const game = createArena({ width: 40, height: 30 });
    const view = game.render!(game.init(1, 2));
    expect(structuredClone(view)).toEqual(view);
    expect(view).toMatchObject({ frame: 0, width: 40, height: 30 });
    expect(view.players[0]).toEqual({ x: 10, y: 15, score: 0 });
  });
});

describe('arena spec and gameFromSpec', () => {
  it('omits defaults and sorts keys', () => {
    expect(createArena().spec).toBe('arena@1');
    expect(createArena({ episodeFrames: 1200, coins: 8 }).spec).toBe('arena@1');
    expect(createArena({ episodeFrames: 600, coins: 5 }).spec).toBe('arena@1?coins=5&episodeFrames=600');
  });

  it('round-trips game.spec', () => {
    for (const options of [{}, { coins: 5 }, { width: 200, height: 100, episodeFrames: 60, targetScore: 3 }]) {
      const spec = createArena(options).spec;
      expect(gameFromSpec(spec).spec).toBe(spec);
    }
    expect(gameFromSpec('arena?episodeFrames=600&coins=5').spec).toBe('arena@1?coins=5&episodeFrames=600');
    expect(gameFromSpec('arena@1?coins=5').spec).toBe('arena@1?coins=5');
  });

  it('refuses another version with the game-version-mismatch code', () => {
    expect(() => gameFromSpec('arena@2')).toThrow(expect.objectContaining({ code: 'game-version-mismatch' }));
    expect(() => gameFromSpec('arena@0?coins=5')).toThrow(/this build has arena@1/);
  });

  it('rejects unknown names and bad parameters', () => {
    expect(gameNames).toEqual(['arena', 'swarm']);
    expect(() => gameFromSpec('pong')).toThrow(/unknown game "pong"/);
    expect(() => gameFromSpec('')).toThrow(/unknown game/);
    expect(() => gameFromSpec('arena?speed=3')).toThrow(/unknown parameter "speed"/);
    expect(() => gameFromSpec('arena?coins=x')).toThrow(/bad parameter/);
    expect(() => gameFromSpec('arena?coins=1.5')).toThrow(/bad parameter/);
    expect(() => gameFromSpec('arena?coins')).toThrow(/bad parameter/);
    expect(() => gameFromSpec('arena?')).toThrow(/bad parameter/);
    expect(() => gameFromSpec('arena?coins=2&coins=3')).toThrow(/duplicate/);
    expect(() => gameFromSpec('arena?coins=0')).toThrow(RangeError);
  });
});
