/**
 * The worker keeps ticking while the page's main thread is blocked, and the
 * page only ever receives committed render states.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createSession, type Session } from '../../main/session.ts';
import { createMemoryNetwork, type PacketTransport } from '../../main/transport.ts';
import { decode } from '../../src/protocol/codec.ts';
import { MessageType } from '../../src/protocol/messages.ts';
import type { RenderFrame } from '../../worker/api.ts';
import { builtinWorker, pageSessions, sameBytes, until } from './helpers.ts';

let sessions: Session[] = [];
afterEach(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  sessions = [];
});

const now = () => performance.timeOrigin + performance.now();

function blockMainThread(ms: number): { start: number; end: number } {
  const start = now();
  let spins = 0;
  while (now() - start < ms && spins < 1e10) spins++;
  return { start, end: now() };
}

/**
 * Wraps a transport and follows, on the page, the remote inputs it hands to
 * the engine: `last()` is the last frame up to which the engine has (or has
 * queued on its packet port) every remote input contiguously, computed as the
 * engine's input queue does (a packet past a gap is ignored up to the gap).
 */
function followRemoteInputs(inner: PacketTransport): { transport: PacketTransport; last: () => number } {
  let last = -1;
  const transport: PacketTransport = {
    send: (peer, packet) => inner.send(peer, packet),
    onPacket: (handler) =>
      inner.onPacket((peer, packet) => {
        const d = decode(new Uint8Array(packet));
        if (d.ok && d.message.type === MessageType.Input && d.message.startFrame <= last + 1) {
          last = Math.max(last, d.message.startFrame + d.message.frameCount - 1);
        }
        handler(peer, packet);
      }),
    close: () => inner.close?.(),
  };
  return { transport, last: () => last };
}

describe('worker isolation', () => {
  it('keeps ticking through a 500 ms main-thread block, catches up, loses no input', async () => {
    const maxPrediction = 8;
    const followed = createMemoryNetwork(2, { latencyMs: 20, jitterMs: 5, seed: 5 }).map(followRemoteInputs);
    sessions = await Promise.all(
      followed.map(({ transport }, p) =>
        createSession({ game: 'arena', players: 2, localPlayer: p, seed: 1234, engine: builtinWorker(), transport, endFrame: 420, maxPrediction }),
      ),
    );
    let tick = 0;
    const inputs = setInterval(() => sessions.forEach((s, i) => s.setInput(Uint8Array.of((tick++ * (i + 3)) & 31))), 40);
    try {
      await until(async () => (await sessions[0]!.stats()).frame >= 120, 20_000, 'frame 120');
      // Every remote input the engines will see until the block ends: the page forwards
      // nothing while blocked, so these (some still queued on the packet port) are all.
      const known = followed.map((f) => f.last());
      const block = blockMainThread(500);
      const histories = await Promise.all(sessions.map((s) => s.tickHistory()));
      histories.forEach((history, i) => {
        const during = history.filter((t) => t.t > block.start + 20 && t.t < block.end - 20);
        // ~28 ticks fit in the window at 60 Hz; allow scheduling noise but demand most of them
        expect(during.length).toBeGreaterThanOrEqual(15);
        const before = history.filter((t) => t.t <= block.start).at(-1)!;
        const last = during.at(-1)!;
        // Frames advanced during the block until the prediction cap, then the engine stalled.
        // The cap counts from the confirmed frame, which still advances through the remote
        // inputs delivered before the block (with input delay they run ahead of the engine's
        // frame), so the engine stops exactly maxPrediction frames past the last of them.
        expect(last.frame).toBeGreaterThan(before.frame);
        expect(last.frame).toBe(known[i]! + 1 + maxPrediction);
        expect(during.filter((t, k) => k > 0 && t.frame === during[k - 1]!.frame).length).toBeGreaterThan(0);
      });
      await until(async () => (await Promise.all(sessions.map((s) => s.stats()))).every((st) => st.confirmedFrame >= 419), 30_000, 'catch-up to frame 420');
    } finally {
      clearInterval(inputs);
    }
    const [a, b] = await Promise.all(sessions.map((s) => s.exportSessionMetrics()));
    expect(a!.stats.stalls + b!.stats.stalls).toBeGreaterThan(0);
    expect(a!.stats.desyncs + b!.stats.desyncs).toBe(0);
    expect(sameBytes(a!.inputLog, b!.inputLog)).toBe(true);
    for (const m of [a!, b!]) for (const peer of m.stats.peers) expect(peer.lastReceivedFrame).toBeGreaterThanOrEqual(419);
  });

  it('delivers render states only after rollback correction, and measures rollbacks for DevTools', async () => {
    sessions = await pageSessions(2, { latencyMs: 60, jitterMs: 20, seed: 8 }, { inputDelay: 0, profile: 'detailed' });
    const frames: RenderFrame[] = [];
    sessions[0]!.onRender((f) => frames.push(f));
    let flip = 0;
    const inputs = setInterval(() => {
      flip ^= 1;
      sessions.forEach((s) => s.setInput(Uint8Array.of(flip ? 8 : 4)));
    }, 30);
    try {
      await until(() => frames.filter((f) => f.corrected).length >= 10, 20_000, '10 corrected renders');
    } finally {
      clearInterval(inputs);
    }
    const stats = await sessions[0]!.stats();
    expect(frames.length).toBeLessThanOrEqual(stats.ticks);
    for (let i = 1; i < frames.length; i++) {
      const prev = frames[i - 1]!;
      const cur = frames[i]!;
      // never an intermediate re-simulation state: frames only move forward, one per tick;
      // the same frame again only when a rollback corrected it during a stall
      expect(cur.frame).toBeGreaterThanOrEqual(prev.frame);
      expect(cur.frame - prev.frame).toBeLessThanOrEqual(8);
      if (cur.frame === prev.frame) expect(cur.corrected).toBe(true);
      if (cur.corrected) expect(cur.rollbackDepth).toBeGreaterThan(0);
      expect(cur.state).not.toBeNull();
    }
    const measures = await sessions[0]!.measures();
    const rollbacks = measures.filter((m) => /^rollback \d+f$/.test(m.name));
    expect(rollbacks.length).toBeGreaterThan(0);
    const detail = rollbacks[0]!.detail as { devtools: { dataType: string; track: string } };
    expect(detail.devtools.dataType).toBe('track-entry');
    expect(detail.devtools.track).toBe('netroll');
    for (const kind of ['step f', 'save f', 'resimulate ']) expect(measures.some((m) => m.name.startsWith(kind))).toBe(true);
  });

  it('confirmed render mode delivers confirmed frames only', async () => {
    sessions = await pageSessions(2, { latencyMs: 40, seed: 9 }, { renderMode: 'confirmed' });
    const frames: RenderFrame[] = [];
    sessions[0]!.onRender((f) => frames.push(f));
    sessions[1]!.setInput(Uint8Array.of(8));
    await until(() => frames.length >= 60, 20_000, '60 confirmed renders');
    for (const f of frames) expect(f.frame).toBe(f.confirmedFrame + 1);
  });
});
