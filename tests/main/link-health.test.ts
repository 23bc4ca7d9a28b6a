import { describe, expect, it } from 'vitest';
import { NetrollError } from '../../src/contracts/errors.ts';
import { classifyHealth, decodeLinkMessage, median, encodeData, encodePing, HEALTH_DEFAULTS, HealthMonitor, healthConfig } from '../../main/link-health.ts';

const bytes = (b: ArrayBuffer) => [...new Uint8Array(b)];

describe('classifyHealth', () => {
  const c = HEALTH_DEFAULTS;
  it('is ok below 150 ms, warning from 150 ms, critical from 300 ms (defaults)', () => {
    expect(classifyHealth(0, 10, true, c)).toBe('ok');
    expect(classifyHealth(149.9, 10, true, c)).toBe('ok');
    expect(classifyHealth(150, 10, true, c)).toBe('warning');
    expect(classifyHealth(299.9, 10, true, c)).toBe('warning');
    expect(classifyHealth(300, 10, true, c)).toBe('critical');
  });

  it('is critical when an open link that answered before stays silent past pongTimeoutMs', () => {
    expect(classifyHealth(20, 1000, true, c)).toBe('ok');
    expect(classifyHealth(20, 1001, true, c)).toBe('critical');
    expect(classifyHealth(20, 1001, false, c)).toBe('ok'); // a closed link is judged by the route, not by silence
    expect(classifyHealth(0, Infinity, true, c)).toBe('ok'); // never answered yet: no RTT to judge
  });

  it('uses the thresholds it is given', () => {
    const custom = { warnRttMs: 50, criticalRttMs: 80, pongTimeoutMs: 500 };
    expect(classifyHealth(49, 0, true, custom)).toBe('ok');
    expect(classifyHealth(50, 0, true, custom)).toBe('warning');
    expect(classifyHealth(80, 0, true, custom)).toBe('critical');
    expect(classifyHealth(10, 501, true, custom)).toBe('critical');
  });
});

describe('HealthMonitor', () => {
  it('takes the median of the newest rttWindow samples and ignores pongs of no ping in flight', () => {
    let t = 0;
    const m = new HealthMonitor({ rttWindow: 3 }, () => t);
    expect(m.health(true)).toMatchObject({ rttMs: 0, samples: [], loss: 0, level: 'ok', sincePongMs: Infinity });
    for (const rtt of [10, 20, 30, 40]) {
      const seq = m.nextPing();
      t += rtt;
      expect(m.pong(seq)).toBe(rtt);
      expect(m.pong(seq)).toBeNull(); // a duplicate
    }
    expect(m.pong(999)).toBeNull();
    expect(m.health(true)).toMatchObject({ rttMs: 30, samples: [20, 30, 40], loss: 0, sincePongMs: 0 });
  });

  it('keeps a late (retransmitted) ping from raising the level of a fast link', () => {
    let t = 0;
    const m = new HealthMonitor({}, () => t);
    for (const rtt of [100, 100, 650, 100, 110, 100, 700, 100, 105, 100]) {
      const seq = m.nextPing();
      t += rtt;
      m.pong(seq);
    }
    const h = m.health(true);
    expect(h.rttMs).toBe(100);
    expect(h.level).toBe('ok');
    expect(h.samples).toHaveLength(10);
  });

  it('median of an even window is the mean of the middle two', () => {
    expect(median([])).toBe(0);
    expect(median([5])).toBe(5);
    expect(median([40, 10, 30, 20])).toBe(25);
  });

  it('counts pings without a pong within pongTimeoutMs as lost, and a late pong no longer counts', () => {
    let t = 0;
    const m = new HealthMonitor({ pongTimeoutMs: 1000 }, () => t);
    const lost = m.nextPing();
    t += 100;
    const ok = m.nextPing();
    t += 10;
    m.pong(ok);
    t += 1001;
    m.expire();
    expect(m.pong(lost)).toBeNull();
    const h = m.health(true);
    expect(h.loss).toBe(0.5);
    expect(h.level).toBe('critical'); // silent for over a second on an open link
    expect(m.health(false).level).toBe('ok');
  });

  it('refuses bad settings with invalid-option', () => {
    for (const bad of [{ warnRttMs: 0 }, { criticalRttMs: Number.NaN }, { pingIntervalMs: -5 }, { rttWindow: 1.5 }, { warnRttMs: 400, criticalRttMs: 300 }]) {
      expect(() => healthConfig(bad), JSON.stringify(bad)).toThrow(NetrollError);
      try {
        healthConfig(bad);
      } catch (e) {
        expect((e as NetrollError).code).toBe('invalid-option');
      }
    }
    expect(healthConfig({ warnRttMs: 100 })).toEqual({ ...HEALTH_DEFAULTS, warnRttMs: 100 });
  });
});

describe('control-channel messages', () => {
  it('round-trips pings, pongs and framed data', () => {
    expect(decodeLinkMessage(encodePing('ping', 7))).toEqual({ kind: 'ping', seq: 7 });
    expect(decodeLinkMessage(encodePing('pong', 0xffff_ffff))).toEqual({ kind: 'pong', seq: 0xffff_ffff });
    const d = decodeLinkMessage(encodeData(new Uint8Array([9, 8, 7]).buffer));
    expect(d.kind).toBe('data');
    expect(d.kind === 'data' ? bytes(d.payload) : null).toEqual([9, 8, 7]);
  });

  it('decodes anything else as invalid, without throwing', () => {
    for (const b of [[], [1], [1, 0, 0, 0], [2, 0, 0, 0, 0, 0], [0xf0, 0, 0, 0, 1], [0]]) {
      expect(decodeLinkMessage(new Uint8Array(b).buffer), JSON.stringify(b)).toEqual({ kind: 'invalid' });
    }
  });
});
