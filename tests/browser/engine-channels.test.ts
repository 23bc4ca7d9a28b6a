/**
 * Inputs channels in the engine's worker (main/engine-channels.ts →
 * worker/direct-channels.ts): engine packets go between the workers without
 * the page's main thread, so a long task on the page neither stalls this
 * engine nor its peers. With in-page links (MessagePorts) and with real
 * RTCDataChannels made by the mesh's PeerLinks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EngineChannels } from '../../main/engine-channels.ts';
import { MeshTransport, type MeshSignaling } from '../../main/mesh.ts';
import { peerLinkFactory } from '../../main/peer-link.ts';
import { createSession, type Session } from '../../main/session.ts';
import type { PacketTransport } from '../../main/transport.ts';
import { Emitter } from '../../src/engine/events.ts';
import type { Assignment, PeerLeft, SignalKind, SignalMessage } from '../../src/signaling/events.ts';
import type { SignalingStateChange } from '../../main/signaling.ts';
import { builtinWorker, sameBytes, until } from './helpers.ts';

let sessions: Session[] = [];
let cleanup: (() => void)[] = [];
afterEach(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  sessions = [];
  for (const c of cleanup.splice(0)) c();
});

const now = () => performance.timeOrigin + performance.now();

function blockMainThread(ms: number): { start: number; end: number } {
  const start = now();
  let spins = 0;
  while (now() - start < ms && spins < 1e10) spins++;
  return { start, end: now() };
}

/** A transport whose only link is handed to the engine (nothing passes the page unless the route says so). */
function handedTransport(port: MessagePort): { transport: PacketTransport; channels: EngineChannels; viaPage: ArrayBuffer[] } {
  const channels = new EngineChannels();
  channels.handOffPort(1, port);
  const viaPage: ArrayBuffer[] = [];
  return {
    channels,
    viaPage,
    transport: {
      send: (_peer, packet) => viaPage.push(packet),
      onPacket: () => undefined,
      engineChannels: () => channels.port(),
      close: () => channels.close(),
    },
  };
}

/** Frames the engine advanced between the block's start and end (tick history; 20 ms margins). */
async function framesDuring(session: Session, block: { start: number; end: number }): Promise<number> {
  const history = await session.tickHistory();
  const before = history.filter((t) => t.t <= block.start).at(-1)!;
  const during = history.filter((t) => t.t > block.start + 20 && t.t < block.end - 20);
  expect(during.length).toBeGreaterThanOrEqual(15);
  return during.at(-1)!.frame - before.frame;
}

const maxPrediction = 8;

describe('inputs channels in the engine worker', () => {
  it('in-page links: through a 500 ms main-thread block both engines keep exchanging inputs (no stall at the prediction cap)', async () => {
    const wire = new MessageChannel();
    const ends = [wire.port1, wire.port2];
    const made = [0, 1].map((p) => {
      const channels = new EngineChannels();
      channels.handOffPort(1 - p, ends[p]!);
      const transport: PacketTransport = { send: () => undefined, onPacket: () => undefined, engineChannels: () => channels.port(), close: () => channels.close() };
      return transport;
    });
    sessions = await Promise.all(
      made.map((transport, p) => createSession({ game: 'arena', players: 2, localPlayer: p, seed: 77, engine: builtinWorker(), transport, endFrame: 600, maxPrediction })),
    );
    let tick = 0;
    const inputs = setInterval(() => sessions.forEach((s, i) => s.setInput(Uint8Array.of((tick++ * (i + 3)) & 31))), 40);
    cleanup.push(() => clearInterval(inputs));
    await until(async () => (await sessions[0]!.stats()).frame >= 120, 20_000, 'frame 120');
    const before = await Promise.all(sessions.map((s) => s.stats()));
    const block = blockMainThread(500);
    for (const s of sessions) {
      // ~28 ticks in the window: far past the prediction cap, which a channel on the page would have stopped at
      expect(await framesDuring(s, block)).toBeGreaterThan(maxPrediction + 8);
    }
    const after = await Promise.all(sessions.map((s) => s.stats()));
    after.forEach((a, i) => {
      expect(a.directChannels).not.toBeNull();
      expect(a.directChannels!.received[1 - i]! - before[i]!.directChannels!.received[1 - i]!).toBeGreaterThan(20);
      expect(a.directChannels!.sent[1 - i]!).toBeGreaterThan(0);
      expect(a.directChannels!.badMessages).toBe(0);
      expect(a.badPortMessages).toBe(0);
    });
    // nothing passed the page, and the two engines agree
    expect(sessions.every((s) => s.packets.fromEngine === 0 && s.packets.toEngine === 0)).toBe(true);
    await until(async () => (await Promise.all(sessions.map((s) => s.stats()))).every((x) => x.confirmedFrame >= 599), 30_000, 'the end frame');
    const [a, b] = await Promise.all(sessions.map((s) => s.exportSessionMetrics()));
    expect(sameBytes(a!.inputLog, b!.inputLog)).toBe(true);
    expect(a!.confirmedHash).toEqual(b!.confirmedHash);
    expect(a!.stats.desyncs + b!.stats.desyncs).toBe(0);
  });

  it('counts and drops what is not a packet, and sends through the page while the route is not P2P', async () => {
    const wire = new MessageChannel();
    const remote = wire.port2;
    const got: unknown[] = [];
    remote.onmessage = (ev: MessageEvent<unknown>) => got.push(ev.data);
    const { transport, channels, viaPage } = handedTransport(wire.port1);
    sessions = [await createSession({ game: 'arena', players: 2, localPlayer: 0, seed: 5, engine: builtinWorker(), transport })];
    const s = sessions[0]!;
    await until(() => got.length >= 10, 10_000, 'packets on the link');
    expect(got.every((d) => d instanceof ArrayBuffer)).toBe(true);
    expect(viaPage).toEqual([]);

    // hostile or confused messages on the link: counted and dropped; a garbage buffer reaches the engine's decoder
    remote.postMessage('hello');
    remote.postMessage(42);
    remote.postMessage({ buf: 'not a buffer', sentAt: 1 });
    remote.postMessage(Uint8Array.of(0xff, 0xff, 0xff).buffer);
    await until(async () => (await s.stats()).directChannels!.badMessages === 3, 5000, 'three bad messages');
    await until(async () => (await s.stats()).malformed > 0, 5000, 'the garbage packet counted malformed');
    const mid = await s.stats();
    expect(mid.running).toBe(true);
    expect(mid.directChannels!.received[1]).toBe(1);

    // the page's route goes to the relay: the engine hands its packets to the page
    channels.route(1, false);
    await until(() => viaPage.length >= 5, 5000, 'packets through the page');
    const onLink = got.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(got.length - onLink).toBeLessThanOrEqual(1); // at most one already in flight
    channels.route(1, true);
    const pageCount = viaPage.length;
    await until(() => got.length >= onLink + 5, 5000, 'packets on the link again');
    expect(viaPage.length - pageCount).toBeLessThanOrEqual(1);
  });

  it('bounds: one channel per seat (a newer one replaces the older), no channel for a seat outside the session or its own, 1,024 transit samples', async () => {
    const first = new MessageChannel();
    const { transport, channels } = handedTransport(first.port1);
    sessions = [await createSession({ game: 'arena', players: 2, localPlayer: 0, seed: 6, engine: builtinWorker(), transport })];
    const s = sessions[0]!;
    // refused: a seat past the session, this engine's own seat
    channels.handOffPort(5, new MessageChannel().port1);
    channels.handOffPort(0, new MessageChannel().port1);
    await until(async () => (await s.stats()).directChannels!.badCommands === 2, 5000, 'two refused channels');

    // 1,500 timed messages: the count goes on, the samples stop at 1,024
    const junk = Uint8Array.of(0xff).buffer;
    for (let i = 0; i < 1500; i++) first.port2.postMessage({ buf: junk.slice(0), sentAt: performance.timeOrigin + performance.now() });
    await until(async () => (await s.stats()).directChannels!.transitCount === 1500, 10_000, '1,500 transit times');
    const timed = (await s.stats()).directChannels!;
    expect(timed.transitMs).toHaveLength(1024);
    expect(timed.received[1]).toBe(1500);

    // a second channel for seat 1 replaces the first: the old one is closed, nothing more is taken from it
    const second = new MessageChannel();
    const seen: unknown[] = [];
    second.port2.onmessage = (ev: MessageEvent<unknown>) => seen.push(ev.data);
    channels.handOffPort(1, second.port1);
    await until(() => seen.length >= 5, 5000, 'packets on the new channel');
    first.port2.postMessage(Uint8Array.of(0xff).buffer);
    second.port2.postMessage(Uint8Array.of(0xff).buffer);
    await until(async () => (await s.stats()).directChannels!.received[1] === 1501, 5000, 'the new channel taken');
    await new Promise((r) => setTimeout(r, 200));
    expect((await s.stats()).directChannels!.received[1]).toBe(1501);
  });

  it('impairment in the engine: loss drops, latency delays, all zero turns it off; a bad setting changes nothing', async () => {
    const wire = new MessageChannel();
    const arrivals: number[] = [];
    wire.port2.onmessage = () => arrivals.push(performance.now());
    const { transport, channels, viaPage } = handedTransport(wire.port1);
    sessions = [await createSession({ game: 'arena', players: 2, localPlayer: 0, seed: 8, engine: builtinWorker(), transport })];
    const s = sessions[0]!;
    await until(() => arrivals.length >= 10, 10_000, 'packets on the link');
    const perfect = { latencyMs: 0, jitterMs: 0, loss: 0, dup: 0, reorder: 0 };

    // loss 1: the engine keeps sending (counted), nothing arrives, nothing is handed to the page instead
    channels.impair({ ...perfect, loss: 1 }, 3);
    await until(async () => (await s.stats()).directChannels!.impairDropped >= 10, 5000, 'packets lost');
    const lostFrom = arrivals.length;
    const sentBefore = (await s.stats()).directChannels!.sent[1]!;
    await new Promise((r) => setTimeout(r, 300));
    expect(arrivals.length - lostFrom).toBeLessThanOrEqual(1); // at most one already in flight
    expect((await s.stats()).directChannels!.sent[1]!).toBeGreaterThan(sentBefore + 10);
    expect(viaPage).toEqual([]);

    // a bad setting (loss 2): refused and counted, the loss stays
    channels.impair({ ...perfect, loss: 2 }, 3);
    await until(async () => (await s.stats()).directChannels!.badCommands === 1, 5000, 'the bad impairment refused');
    await new Promise((r) => setTimeout(r, 200));
    expect(arrivals.length - lostFrom).toBeLessThanOrEqual(1);

    // 150 ms latency: packets flow again, each one 150 ms late (the first arrives at least 150 ms after the change)
    const changedAt = performance.now();
    channels.impair({ ...perfect, latencyMs: 150 }, 3);
    await until(() => arrivals.length >= lostFrom + 10, 5000, 'delayed packets');
    expect(arrivals.find((t) => t > changedAt)! - changedAt).toBeGreaterThanOrEqual(145);
    expect((await s.stats()).directChannels!.impairDelayed).toBeGreaterThan(0);

    // all zero: off
    channels.impair(perfect, 3);
    const offAt = performance.now();
    await new Promise((r) => setTimeout(r, 400));
    const delayedAfterOff = (await s.stats()).directChannels!.impairDelayed;
    await new Promise((r) => setTimeout(r, 300));
    expect((await s.stats()).directChannels!.impairDelayed).toBe(delayedAfterOff);
    expect(arrivals.filter((t) => t > offAt + 400).length).toBeGreaterThan(5);
  });

  it('impairment bound: at most 4,096 packets wait out their delay, the rest are dropped and counted', async () => {
    const wire = new MessageChannel();
    let arrived = 0;
    wire.port2.onmessage = () => arrived++;
    const { transport, channels } = handedTransport(wire.port1);
    // 1,000 ticks a second, a 60 s delay: the bound is reached in about 4 s
    sessions = [await createSession({ game: 'arena', players: 2, localPlayer: 0, seed: 9, engine: builtinWorker(), transport, tickRate: 1000 })];
    const s = sessions[0]!;
    await until(() => arrived >= 1, 10_000, 'a packet on the link');
    channels.impair({ latencyMs: 60_000, jitterMs: 0, loss: 0, dup: 0, reorder: 0 }, 4);
    await until(async () => (await s.stats()).directChannels!.impairDropped > 100, 30_000, 'packets over the bound dropped');
    const st = (await s.stats()).directChannels!;
    expect(st.impairDelayed).toBe(4096);
    expect(st.sent[1]! - st.impairDelayed - st.impairDropped).toBeLessThanOrEqual(arrived + 1);
  });

  it('real DataChannels: the mesh hands them to the engines, which keep playing through a main-thread block', async () => {
    const signaling = loopSignaling();
    const meshes = [0, 1].map(
      (me) => new MeshTransport(signaling[me]!, twoSeats(me), peerLinkFactory(), {}, { engineChannels: new EngineChannels() }),
    );
    cleanup.push(() => meshes.forEach((m) => m.close()));
    await Promise.all(meshes.map((m) => m.waitOpen(10_000)));
    sessions = await Promise.all(
      meshes.map((transport, p) => createSession({ game: 'arena', players: 2, localPlayer: p, seed: 9, engine: builtinWorker(), transport, endFrame: 600, maxPrediction })),
    );
    let tick = 0;
    const inputs = setInterval(() => sessions.forEach((s, i) => s.setInput(Uint8Array.of((tick++ * (i + 5)) & 31))), 40);
    cleanup.push(() => clearInterval(inputs));
    await until(async () => (await Promise.all(sessions.map((s) => s.stats()))).every((x) => x.frame >= 120), 20_000, 'frame 120');
    const block = blockMainThread(500);
    for (const s of sessions) expect(await framesDuring(s, block)).toBeGreaterThan(maxPrediction + 8);
    await until(async () => (await Promise.all(sessions.map((s) => s.stats()))).every((x) => x.confirmedFrame >= 599), 30_000, 'the end frame');
    const stats = await Promise.all(sessions.map((s) => s.stats()));
    stats.forEach((x, i) => {
      expect(x.directChannels!.received[1 - i]).toBeGreaterThan(300);
      expect(x.directChannels!.sent[1 - i]).toBeGreaterThan(300);
    });
    // the mesh heard of the engine's traffic: it counts as P2P, and both peers stayed connected on P2P
    await until(() => meshes.every((m) => m.report()[0]!.counters.receivedViaP2P > 300), 2000, 'the counts at the mesh');
    for (const m of meshes) {
      const r = m.report()[0]!;
      expect(r.status).toBe('connected');
      expect(r.route).toBe('p2p');
      expect(r.failovers).toBe(0);
      // the first tick's packets may come before the worker's channel reports open: the page relays those few
      expect(r.counters.packetsViaRelay).toBeLessThanOrEqual(3);
    }
    const [a, b] = await Promise.all(sessions.map((s) => s.exportSessionMetrics()));
    expect(sameBytes(a!.inputLog, b!.inputLog)).toBe(true);
    expect(a!.confirmedHash).toEqual(b!.confirmedHash);
  });
});

/** The assignment of seat `me` in a 2-player session, no ICE servers (host candidates on this machine). */
function twoSeats(me: number): Assignment {
  return {
    sessionId: 'in-page',
    playerIndex: me,
    players: [0, 1].map((index) => ({ index, clientId: `c${index}`, name: `P${index + 1}` })),
    seed: 9,
    iceServers: [],
    turn: false,
  };
}

interface LoopEvents {
  signal: SignalMessage;
  relay: { from: number; packet: ArrayBuffer };
  'peer-left': PeerLeft;
  state: SignalingStateChange;
  'peer-resumed': { playerIndex: number };
}

/** Two in-page signaling endpoints: each one's signals arrive at the other (no relay). */
function loopSignaling(): MeshSignaling[] {
  const emitters = [new Emitter<LoopEvents>(), new Emitter<LoopEvents>()];
  return [0, 1].map((me) => {
    const on = <K extends keyof LoopEvents>(type: K, handler: (payload: LoopEvents[K]) => void) => emitters[me]!.on(type, handler);
    return {
      signal: (to: number, kind: SignalKind, data: unknown) => emitters[to]!.emit('signal', { from: me, kind, data } as SignalMessage),
      relay: () => undefined,
      on: on as MeshSignaling['on'],
    };
  });
}
