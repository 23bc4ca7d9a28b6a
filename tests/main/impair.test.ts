import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NetrollError } from '../../src/contracts/errors.ts';
import { impairTransport } from '../../main/impair.ts';
import type { PacketTransport } from '../../main/transport.ts';

/** An inner transport that records what reaches it, and when (fake time). */
function recorder() {
  const sent: { peer: number; packet: ArrayBuffer; at: number }[] = [];
  let closed = 0;
  const transport: PacketTransport = {
    send: (peer, packet) => sent.push({ peer, packet, at: Date.now() }),
    onPacket: () => undefined,
    close: () => void closed++,
  };
  return { transport, sent, closed: () => closed };
}

const packet = (i: number) => Uint8Array.of(i & 255, i >> 8).buffer;

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('impairTransport', () => {
  it('passes packets straight through when unimpaired', () => {
    const r = recorder();
    const t = impairTransport(r.transport);
    for (let i = 0; i < 10; i++) t.send(1, packet(i));
    expect(r.sent.map((s) => new Uint8Array(s.packet)[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(t.counters).toEqual({ dropped: 0, delayed: 0 });
  });

  it("passes the inner transport's engine channels through (null without them)", () => {
    const port = { a: 'channels port' };
    const r = recorder();
    expect(impairTransport(r.transport).engineChannels!()).toBeNull();
    expect(impairTransport({ ...r.transport, engineChannels: () => port }).engineChannels!()).toBe(port);
  });

  it("passes the inner transport's reliable channel through unimpaired (and offers none without it)", () => {
    const r = recorder();
    const reliable: number[] = [];
    let handler: ((peer: number, packet: ArrayBuffer) => void) | null = null;
    const inner: PacketTransport = { ...r.transport, sendReliable: (peer) => reliable.push(peer), onReliable: (h) => (handler = h) };
    const t = impairTransport(inner, { loss: 1, latencyMs: 500 }, 2);
    t.sendReliable!(3, packet(1));
    expect(reliable).toEqual([3]); // at once, though every unreliable packet would be lost
    const got: number[] = [];
    t.onReliable!((peer) => got.push(peer));
    handler!(2, packet(2));
    expect(got).toEqual([2]);
    expect(impairTransport(r.transport).sendReliable).toBeUndefined();
  });

  it('holds at most 4,096 packets waiting out their delay; more are dropped and counted', () => {
    const r = recorder();
    const t = impairTransport(r.transport, { latencyMs: 60_000 }, 3);
    for (let i = 0; i < 5000; i++) t.send(1, packet(i));
    expect(t.counters).toEqual({ dropped: 904, delayed: 4096 });
    vi.advanceTimersByTime(60_000);
    expect(r.sent).toHaveLength(4096);
    // the timers fired: room again
    t.send(1, packet(1));
    expect(t.counters.delayed).toBe(4097);
  });

  it('drops about the loss rate and delays the rest by latency ± jitter', () => {
    const r = recorder();
    const t = impairTransport(r.transport, { latencyMs: 50, jitterMs: 10, loss: 0.25 }, 9);
    for (let i = 0; i < 2000; i++) t.send(0, packet(i));
    expect(r.sent).toHaveLength(0);
    vi.advanceTimersByTime(39);
    expect(r.sent).toHaveLength(0);
    vi.advanceTimersByTime(100);
    expect(r.sent.length + t.counters.dropped).toBe(2000);
    expect(Math.abs(t.counters.dropped / 2000 - 0.25)).toBeLessThan(0.03);
    expect(t.counters.delayed).toBe(r.sent.length);
    expect(Math.min(...r.sent.map((s) => s.at))).toBeGreaterThanOrEqual(40);
    expect(Math.max(...r.sent.map((s) => s.at))).toBeLessThanOrEqual(60);
  });

  it('is repeatable for a seed', () => {
    const run = (seed: number) => {
      const r = recorder();
      const start = Date.now();
      const t = impairTransport(r.transport, { latencyMs: 30, jitterMs: 30, loss: 0.3 }, seed);
      for (let i = 0; i < 500; i++) t.send(0, packet(i));
      vi.advanceTimersByTime(1000);
      return r.sent.map((s) => [new Uint8Array(s.packet)[0], s.at - start]);
    };
    const a = run(5);
    expect(run(5)).toEqual(a);
    expect(run(6)).not.toEqual(a);
  });

  it('hands each duplicate to the inner transport as its own buffer', () => {
    const r = recorder();
    const t = impairTransport(r.transport, { dup: 1 }, 2);
    t.send(1, packet(7));
    expect(r.sent).toHaveLength(2);
    expect(r.sent[0]!.packet).not.toBe(r.sent[1]!.packet);
    expect([...new Uint8Array(r.sent[1]!.packet)]).toEqual([7, 0]);
  });

  it('validates settings and applies them at runtime', () => {
    const r = recorder();
    const t = impairTransport(r.transport);
    expect(() => t.set({ loss: 2 })).toThrow(NetrollError);
    expect(() => t.set({ loss: 2 })).toThrow(expect.objectContaining({ code: 'invalid-option' }));
    expect(() => t.set({ latencyMs: -5 })).toThrow(/latencyMs/);
    expect(t.impairment).toEqual({ latencyMs: 0, jitterMs: 0, loss: 0 });
    t.set({ loss: 1 });
    t.send(0, packet(1));
    expect(t.counters.dropped).toBe(1);
    expect(r.sent).toHaveLength(0);
  });

  it('close cancels delayed packets and closes the inner transport', () => {
    const r = recorder();
    const t = impairTransport(r.transport, { latencyMs: 20 });
    t.send(0, packet(1));
    t.close?.();
    vi.advanceTimersByTime(100);
    expect(r.sent).toHaveLength(0);
    expect(r.closed()).toBe(1);
  });
});
