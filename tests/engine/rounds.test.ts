import { describe, expect, it } from 'vitest';
import { decodeInputLog, replay } from '../../src/engine/input-log.ts';
import type { Countdown } from '../../src/engine/rounds.ts';
import { counterGame } from './harness.ts';
import { pauseMesh, wobble } from './pause-harness.ts';

const IMPAIRED = { latencyMs: 30, jitterMs: 12, loss: 0.1, dup: 0.05, reorder: 0.1 };
const game = counterGame({ episodeFrames: 50 });

describe('episodes: N', () => {
  it('ends every peer at the start of episode N, never simulating past it, with identical logs', () => {
    const m = pauseMesh(game, 3, { episodes: 3, inputDelay: 1 }, IMPAIRED, IMPAIRED);
    const highest = [0, 0, 0];
    const episodes: number[][] = [[], [], []];
    m.engines.forEach((e, i) => e.on('episode', (ev) => episodes[i]!.push(ev.episode)));
    let t = 0;
    m.until(() => {
      m.engines.forEach((e, i) => {
        e.setLocalInput(wobble(i, t));
        highest[i] = Math.max(highest[i]!, e.frame);
      });
      t++;
      return m.engines.every((e) => e.settled);
    }, 3000);
    for (const e of m.engines) {
      expect(e.endFrame).toBe(150);
      expect(e.frame).toBe(150);
      expect(e.finished).toBe(true);
    }
    expect(highest).toEqual([150, 150, 150]);
    for (const list of episodes) expect(list).toEqual([0, 1, 2]);
    const logs = m.engines.map((e) => e.exportInputLog());
    for (const l of logs) expect(l).toEqual(logs[0]);
    const d = decodeInputLog(logs[0]!);
    if (!d.ok) throw new Error(d.error.message);
    expect(d.log.frames).toBe(150);
    expect(replay(d.log, () => game as never).finalHash).toBe(m.engines[0]!.confirmedStateHash().hash);
  });

  it('without episodes or a countdown, peers still predict across episode starts', () => {
    const m = pauseMesh(game, 2, { endFrame: 120 }, { ...IMPAIRED, latencyMs: 60 });
    let t = 0;
    let maxLead = 0;
    m.until(() => {
      m.engines.forEach((e, i) => e.setLocalInput(wobble(i, t)));
      for (const e of m.engines) if (e.frame > 50 && e.confirmedFrame < 49) maxLead = Math.max(maxLead, e.frame - 50);
      t++;
      return m.engines.every((e) => e.settled);
    }, 3000);
    expect(maxLead).toBeGreaterThan(0);
  });
});

describe('countdown between rounds', () => {
  it('holds every peer at each confirmed episode start for the countdown, then goes on; logs identical', () => {
    const m = pauseMesh(game, 2, { countdownFrames: 30, endFrame: 160 }, IMPAIRED, IMPAIRED);
    const seen: Countdown[][] = [[], []];
    m.engines.forEach((e, i) => e.on('countdown', (c) => seen[i]!.push(c)));
    const heldTicks = [new Map<number, number>(), new Map<number, number>()];
    for (let t = 0; t < 4000 && !m.engines.every((e) => e.settled); t++) {
      m.engines.forEach((e, i) => e.setLocalInput(wobble(i, t)));
      const before = m.engines.map((e) => e.frame);
      m.step();
      m.engines.forEach((e, i) => {
        if (e.frame === before[i] && e.countdown?.counting) heldTicks[i]!.set(e.frame, (heldTicks[i]!.get(e.frame) ?? 0) + 1);
      });
    }
    expect(m.engines.every((e) => e.settled)).toBe(true);
    for (const h of heldTicks) {
      expect([...h.keys()]).toEqual([50, 100, 150]);
      for (const n of h.values()) expect(n).toBe(29); // counted 30 ticks; the 30th releases and steps
    }
    for (const list of seen) {
      expect(list.filter((c) => c.ticksLeft === 0).map((c) => c.frame)).toEqual([50, 100, 150]);
    }
    const logs = m.engines.map((e) => e.exportInputLog());
    expect(logs[1]).toEqual(logs[0]);
  });

  it('starts only when every player is focused, and starts over when one looks away', () => {
    const m = pauseMesh(game, 2, { countdownFrames: 40, endFrame: 120 }, { ...IMPAIRED, loss: 0 }, IMPAIRED);
    const [a, b] = m.engines;
    let t = 0;
    const input = () => m.engines.forEach((e, i) => e.setLocalInput(wobble(i, t++)));
    // Player 1 looks away before the first episode ends.
    m.run(20, input);
    b!.setFocused(false);
    m.until(() => a!.frame === 50 && b!.frame === 50 && a!.countdown !== undefined && b!.countdown !== undefined, 600);
    m.run(150, input);
    // Waiting, not counting: nobody moved.
    for (const e of m.engines) {
      expect(e.frame).toBe(50);
      expect(e.countdown).toMatchObject({ frame: 50, counting: false, ticksLeft: 40 });
    }
    expect(a!.isFocused(1)).toBe(false);
    b!.setFocused(true);
    m.until(() => a!.countdown?.counting === true && b!.countdown?.counting === true, 200);
    m.run(10, input);
    // Looks away again mid-countdown: it starts over.
    b!.setFocused(false);
    m.until(() => a!.countdown?.counting === false, 200);
    expect(a!.countdown!.ticksLeft).toBe(40);
    m.run(60, input);
    expect(a!.frame).toBe(50);
    b!.setFocused(true);
    m.until(() => a!.frame > 50 && b!.frame > 50, 300);
    m.until(() => m.engines.every((e) => e.settled), 3000);
    const logs = m.engines.map((e) => e.exportInputLog());
    expect(logs[1]).toEqual(logs[0]);
  });
});
