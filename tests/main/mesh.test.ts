/**
 * MeshTransport's route, liveness and failover logic in Node, with fake links
 * (the real HealthMonitor on fake timers) and a fake signaling connection.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NetrollError } from '../../src/contracts/errors.ts';
import { MeshTransport, meshConfig, type MeshConfig } from '../../main/mesh.ts';
import type { HealthConfig } from '../../main/link-health.ts';
import { assignment, FakeSignaling, fakeLinks, type FakeLink } from './fake-link.ts';


let mesh: MeshTransport | null = null;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] });
});
afterEach(() => {
  mesh?.close();
  mesh = null;
  vi.useRealTimers();
});

function setup(options: { players?: number; me?: number; mesh?: MeshConfig; health?: HealthConfig } = {}) {
  const signaling = new FakeSignaling();
  const { factory, links } = fakeLinks(options.health);
  const m = new MeshTransport(signaling, assignment(options.players ?? 2, options.me ?? 0), factory, options.mesh);
  mesh = m;
  const received: { peer: number; bytes: number[] }[] = [];
  m.onPacket((peer, packet) => received.push({ peer, bytes: [...new Uint8Array(packet)] }));
  const statuses: { peer: number; status: string }[] = [];
  m.onStatus((peer, status) => statuses.push({ peer, status }));
  const routes: { peer: number; route: string; reason: string }[] = [];
  m.on('route', (e) => routes.push(e));
  const report = (peer: number) => {
    const r = m.report().find((x) => x.peer === peer);
    if (!r) throw new Error(`no report for ${peer}`);
    return r;
  };
  return { m, signaling, links, received, statuses, routes, report };
}

/** Open the link to `peer` and let a few pings go by at its RTT. */
function connect(link: FakeLink, rttMs = 20): void {
  link.rttMs = rttMs;
  link.setOpen(true);
  vi.advanceTimersByTime(1000);
}

const packet = (...bytes: number[]) => new Uint8Array(bytes).buffer;

describe('MeshTransport with fake links', () => {
  it('makes one link per other player from the factory, starts each and routes signaling to it', () => {
    const { signaling, links } = setup({ players: 4, me: 2 });
    expect([...links.keys()].sort()).toEqual([0, 1, 3]);
    for (const [peer, l] of links) {
      expect(l.started).toBe(true);
      expect(l.spec).toMatchObject({ localPlayer: 2, remotePlayer: peer, iceServers: [] });
    }
    links.get(3)!.spec.signal('offer', { sdp: 'x' });
    expect(signaling.signals).toEqual([{ to: 3, kind: 'offer', data: { sdp: 'x' } }]);
    signaling.events.emit('signal', { from: 1, kind: 'candidate', data: null });
    expect(links.get(1)!.signals).toEqual([{ kind: 'candidate', data: null }]);
    expect(links.get(0)!.signals).toEqual([]);
  });

  it('sends engine packets as they are on P2P, whatever their bytes', () => {
    const { m, links, signaling, report, statuses } = setup();
    const link = links.get(1)!;
    connect(link);
    expect(statuses[0]).toEqual({ peer: 1, status: 'connected' });
    // bytes that once meant "link ping" pass through untouched: the mesh never looks at them
    for (const bytes of [[0xf0, 0, 0, 0, 1], [1, 1, 9], [7]]) m.send(1, packet(...bytes));
    expect(link.sent.map((b) => [...new Uint8Array(b)])).toEqual([[0xf0, 0, 0, 0, 1], [1, 1, 9], [7]]);
    expect(signaling.relayed).toEqual([]);
    expect(report(1).counters).toMatchObject({ packetsViaP2P: 3, packetsViaRelay: 0 });
  });

  it('classifies health from the link RTT: ok below 150 ms, warning at 150 ms (still P2P), critical at 300 ms (the relay takes over)', () => {
    const { m, links, signaling, report, routes } = setup();
    const link = links.get(1)!;
    connect(link, 100);
    vi.advanceTimersByTime(2000);
    expect(report(1).health.level).toBe('ok');
    expect(report(1).health.rttMs).toBeCloseTo(100, 0);

    link.rttMs = 150;
    vi.advanceTimersByTime(2500); // the 10-sample window is all 150 ms now
    expect(report(1).health.rttMs).toBeCloseTo(150, 0);
    expect(report(1).health.level).toBe('warning');
    expect(report(1).route).toBe('p2p');
    m.send(1, packet(1));
    expect(link.sent).toHaveLength(1);

    link.rttMs = 299;
    vi.advanceTimersByTime(3000);
    expect(report(1).health.level).toBe('warning');
    expect(report(1).route).toBe('p2p');

    link.rttMs = 400;
    // the mean crosses 300 ms part way through the window: critical from then on
    vi.advanceTimersByTime(3000);
    expect(report(1).health.rttMs).toBeGreaterThanOrEqual(300);
    expect(report(1).health.level).toBe('critical');
    expect(report(1).route).toBe('relay');
    expect(routes).toEqual([{ peer: 1, route: 'relay', reason: 'health: link critical' }]);
    m.send(1, packet(2));
    expect(link.sent).toHaveLength(1);
    expect(signaling.relayed.map((r) => [r.to, [...new Uint8Array(r.packet)]])).toEqual([[1, [0, 2]]]); // relay frame: [engine][bytes]
    expect(report(1)).toMatchObject({ failovers: 1, counters: { packetsViaP2P: 1, packetsViaRelay: 1 } });
    expect(report(1).lastFailoverMs).not.toBeNull();
  });

  it('takes P2P back only after the link has been healthy for recoverMs (hysteresis)', () => {
    const { m, links, report, routes } = setup({ mesh: { recoverMs: 1000 } });
    const link = links.get(1)!;
    connect(link, 400);
    vi.advanceTimersByTime(2000);
    expect(report(1).route).toBe('relay');

    link.rttMs = 20;
    // wait for the window mean to fall below 300 ms
    let below = 0;
    for (let t = 0; t < 5000 && report(1).health.level === 'critical'; t += 10) {
      vi.advanceTimersByTime(10);
      below = t;
    }
    expect(report(1).health.level).not.toBe('critical');
    expect(below).toBeGreaterThan(0);
    vi.advanceTimersByTime(900);
    expect(report(1).route).toBe('relay'); // not healthy for a full second yet
    vi.advanceTimersByTime(200);
    expect(report(1).route).toBe('p2p');
    expect(routes.map((r) => r.route)).toEqual(['relay', 'p2p']);
    expect(routes[1]!.reason).toBe('P2P recovered');
    expect(report(1).recoveries).toBe(1);
    m.send(1, packet(5));
    expect(link.sent).toHaveLength(1);
  });

  it('falls back to the relay when pongs stop on an open link, and back to P2P when they resume', () => {
    const { links, report } = setup({ health: { pongTimeoutMs: 1000 } });
    const link = links.get(1)!;
    connect(link, 20);
    link.rttMs = null;
    vi.advanceTimersByTime(900);
    expect(report(1).route).toBe('p2p');
    vi.advanceTimersByTime(300);
    expect(report(1).health.level).toBe('critical');
    expect(report(1).route).toBe('relay');
    vi.advanceTimersByTime(500);
    expect(report(1).health.loss).toBeGreaterThan(0); // pings unanswered for a second are lost
    link.rttMs = 20;
    vi.advanceTimersByTime(1500);
    expect(report(1).route).toBe('p2p');
  });

  it('uses the relay while the inputs channel is closed, and P2P again after it re-opens and stays healthy', () => {
    const { m, links, signaling, report, routes } = setup();
    const link = links.get(1)!;
    connect(link);
    link.setOpen(false);
    expect(report(1).route).toBe('relay');
    expect(routes[0]).toEqual({ peer: 1, route: 'relay', reason: 'channel closed: channel not open' });
    m.send(1, packet(3));
    expect(signaling.relayed).toHaveLength(1);
    link.setOpen(true);
    vi.advanceTimersByTime(500);
    expect(report(1).route).toBe('relay');
    vi.advanceTimersByTime(600);
    expect(report(1).route).toBe('p2p');
  });

  it('never uses the relay when it is disabled', () => {
    const { m, links, signaling, report } = setup({ mesh: { relay: false } });
    const link = links.get(1)!;
    connect(link, 400);
    vi.advanceTimersByTime(3000);
    expect(report(1).health.level).toBe('critical');
    expect(report(1).route).toBe('p2p');
    link.setOpen(false);
    m.send(1, packet(1));
    expect(signaling.relayed).toEqual([]);
    expect(report(1).failovers).toBe(0);
  });

  it('tracks liveness: interrupted after 750 ms of silence, disconnected after 5 s, and a packet in between keeps it connected', () => {
    const { links, received, statuses } = setup();
    for (const l of links.values()) l.rttMs = null; // a silent peer answers no pings either
    const link = links.get(1)!;
    link.setOpen(true);
    link.deliver([1, 2, 3]);
    expect(received).toEqual([{ peer: 1, bytes: [1, 2, 3] }]);
    vi.advanceTimersByTime(700);
    expect(statuses.at(-1)).toEqual({ peer: 1, status: 'connected' });
    vi.advanceTimersByTime(100);
    expect(statuses.at(-1)).toEqual({ peer: 1, status: 'interrupted' });
    link.deliver([4]);
    expect(statuses.at(-1)).toEqual({ peer: 1, status: 'connected' });
    vi.advanceTimersByTime(5100);
    expect(statuses.map((s) => s.status)).toEqual(['connected', 'interrupted', 'connected', 'interrupted', 'disconnected']);
    link.deliver([5]);
    expect(statuses.at(-1)!.status).toBe('disconnected'); // final
  });

  it('a peer whose link still answers pings is not silent while its engine sends nothing (a busy engine is a stall, not a departure)', () => {
    const { links, statuses } = setup();
    const link = links.get(1)!;
    link.setOpen(true);
    link.deliver([1]);
    vi.advanceTimersByTime(8000);
    expect(statuses.map((s) => s.status)).toEqual(['connected']);
    link.rttMs = null; // now the pings go unanswered too
    vi.advanceTimersByTime(6000);
    expect(statuses.at(-1)!.status).toBe('disconnected');
  });

  it('a peer whose link answers pings but whose engine sends nothing for engineSilentMs is disconnected anyway (a frozen or hostile page cannot stall everyone for good)', () => {
    const { links, statuses } = setup({ players: 3, mesh: { engineSilentMs: 20_000 } });
    const talker = links.get(1)!;
    const mute = links.get(2)!;
    talker.setOpen(true);
    mute.setOpen(true);
    talker.deliver([1]);
    mute.deliver([1]);
    // Both links keep answering pings; only peer 1's engine keeps sending.
    for (let i = 0; i < 190; i++) {
      vi.advanceTimersByTime(100);
      talker.deliver([2]);
    }
    expect(statuses.filter((s) => s.peer === 2).map((s) => s.status)).toEqual(['connected']);
    for (let i = 0; i < 20; i++) {
      vi.advanceTimersByTime(100);
      talker.deliver([2]);
    }
    expect(statuses.filter((s) => s.peer === 2).map((s) => s.status)).toEqual(['connected', 'disconnected']);
    expect(statuses.filter((s) => s.peer === 1).map((s) => s.status)).toEqual(['connected']);
  });

  it('with reconnect, a peer disconnected by engine silence is connected again once its engine sends, and does not flap while it stays mute', () => {
    const { links, statuses } = setup({ mesh: { engineSilentMs: 8000, reconnect: true } });
    const link = links.get(1)!;
    link.setOpen(true);
    link.deliver([1]);
    vi.advanceTimersByTime(12_000); // pongs keep coming all along
    expect(statuses.map((s) => s.status)).toEqual(['connected', 'disconnected']);
    link.deliver([2]);
    vi.advanceTimersByTime(300);
    expect(statuses.map((s) => s.status)).toEqual(['connected', 'disconnected', 'connected']);
  });

  it('a peer never heard from whose link answers pings gets engineSilentMs plus the first-packet grace', () => {
    const { links, statuses } = setup({ mesh: { engineSilentMs: 8000 } });
    links.get(1)!.setOpen(true);
    vi.advanceTimersByTime(17_500);
    expect(statuses.map((s) => s.status)).toEqual(['connected']);
    vi.advanceTimersByTime(1000);
    expect(statuses.map((s) => s.status)).toEqual(['connected', 'disconnected']);
  });

  it('with reconnect, a disconnected peer heard from again is connected again; one the server says left is not', () => {
    const { links, statuses, signaling } = setup({ players: 3, mesh: { reconnect: true } });
    for (const l of links.values()) l.rttMs = null; // a silent peer answers no pings either
    for (const p of [1, 2]) {
      links.get(p)!.setOpen(true);
      links.get(p)!.deliver([1]);
    }
    vi.advanceTimersByTime(5100);
    expect(statuses.filter((s) => s.status === 'disconnected').map((s) => s.peer).sort()).toEqual([1, 2]);
    links.get(1)!.deliver([5]);
    vi.advanceTimersByTime(60);
    expect(statuses.filter((s) => s.peer === 1).at(-1)!.status).toBe('connected');
    signaling.events.emit('peer-left', { playerIndex: 2, reason: 'left' });
    links.get(2)!.deliver([6]);
    vi.advanceTimersByTime(60);
    expect(statuses.filter((s) => s.peer === 2).at(-1)!.status).toBe('disconnected');
  });

  it('counts silence from the connection, with 10 s more before the first packet (the peer\'s engine may still be starting)', () => {
    const { links, statuses } = setup({ players: 3 });
    for (const l of links.values()) l.rttMs = null; // a silent peer answers no pings either
    vi.advanceTimersByTime(3000); // ICE takes a while: silence does not count before the channel opens
    for (const p of [1, 2]) links.get(p)!.setOpen(true);
    links.get(1)!.deliver([1]);
    vi.advanceTimersByTime(5100);
    // heard once, then silent 5 s: gone; never heard: still waiting for its first packet
    expect(statuses.filter((s) => s.peer === 1).map((s) => s.status)).toEqual(['connected', 'interrupted', 'disconnected']);
    expect(statuses.filter((s) => s.peer === 2).map((s) => s.status)).toEqual(['connected']);
    vi.advanceTimersByTime(5700); // 10.8 s after the channel opened: 10 s of grace + 750 ms
    expect(statuses.filter((s) => s.peer === 2).map((s) => s.status)).toEqual(['connected', 'interrupted']);
    vi.advanceTimersByTime(4300);
    expect(statuses.filter((s) => s.peer === 2).map((s) => s.status)).toEqual(['connected', 'interrupted', 'disconnected']);
  });

  it('does not take its own stall for the peers\' silence: statuses wait one tick after a late timer', async () => {
    vi.useRealTimers(); // a real freeze of this thread: the packet that arrives meanwhile is taken after the first late tick
    const { links, statuses } = setup({ mesh: { interruptedMs: 300, disconnectedMs: 600 } });
    for (const l of links.values()) l.rttMs = null; // a silent peer answers no pings either
    const link = links.get(1)!;
    link.setOpen(true);
    link.deliver([1]);
    await new Promise((r) => setTimeout(r, 100));
    const frozen = performance.now();
    setTimeout(() => link.deliver([2]), 0); // queued behind the status timer, which is already due after the freeze
    while (performance.now() - frozen < 900); // a long task: no timer runs
    await new Promise((r) => setTimeout(r, 120));
    expect(statuses.map((s) => s.status)).toEqual(['connected']);
    // A real silence is still seen: `disconnected` within a few status ticks of 600 ms (on a loaded machine a late
    // status tick may skip `interrupted`: a tick more than 250 ms late is judged one tick later, by then past 600 ms).
    const deadline = performance.now() + 5000;
    while (statuses.at(-1)!.status !== 'disconnected' && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const seen = statuses.map((s) => s.status);
    expect(seen[0]).toBe('connected');
    expect(seen.at(-1)).toBe('disconnected');
    expect(seen.slice(1, -1).every((s) => s === 'interrupted')).toBe(true);
  });

  it('counts relayed packets as heard and connects a peer reached only through the relay', () => {
    const { signaling, received, report, statuses } = setup();
    signaling.events.emit('relay', { from: 1, packet: packet(0, 9) });
    expect(received).toEqual([{ peer: 1, bytes: [9] }]);
    expect(statuses).toEqual([{ peer: 1, status: 'connected' }]);
    expect(report(1).counters.receivedViaRelay).toBe(1);
  });

  it('carries reliable engine messages on the control channel over P2P and as kind-1 relay frames on the relay, and hands incoming ones to the reliable handler', () => {
    const { m, links, signaling, received, report } = setup();
    const reliable: { peer: number; bytes: number[] }[] = [];
    m.onReliable((peer, p) => reliable.push({ peer, bytes: [...new Uint8Array(p)] }));
    const link = links.get(1)!;
    connect(link);
    m.sendReliable(1, packet(7, 8));
    expect(link.controlSent.map((p) => [...new Uint8Array(p)])).toEqual([[7, 8]]);
    expect(link.sent).toHaveLength(0); // never on the unreliable inputs channel
    link.events.emit('control', packet(5));
    expect(reliable).toEqual([{ peer: 1, bytes: [5] }]);

    link.setOpen(false); // the relay takes over: reliable messages go there, framed as kind 1
    m.sendReliable(1, packet(7, 9));
    expect(signaling.relayed.map((r) => [...new Uint8Array(r.packet)])).toEqual([[1, 7, 9]]);
    expect(report(1).reliable).toMatchObject({ sentViaP2P: 1, sentViaRelay: 1, received: 1 });

    signaling.events.emit('relay', { from: 1, packet: packet(1, 6) });
    signaling.events.emit('relay', { from: 1, packet: packet(0, 4) });
    signaling.events.emit('relay', { from: 1, packet: packet(9, 4) }); // unknown kind
    signaling.events.emit('relay', { from: 1, packet: packet(0) }); // no payload
    expect(reliable).toEqual([{ peer: 1, bytes: [5] }, { peer: 1, bytes: [6] }]);
    expect(received).toEqual([{ peer: 1, bytes: [4] }]);
    expect(report(1).reliable).toMatchObject({ received: 2, badRelayFrames: 2 });
  });

  it('a peer that left is disconnected at once; one that only lost its server connection keeps playing P2P and stops using the relay', () => {
    const three = setup({ players: 3, me: 0 });
    for (const l of three.links.values()) connect(l);
    three.signaling.events.emit('peer-left', { playerIndex: 1, reason: 'left' });
    expect(three.report(1).status).toBe('disconnected');
    three.m.send(1, packet(1));
    expect(three.links.get(1)!.sent).toHaveLength(0);

    three.signaling.events.emit('peer-left', { playerIndex: 2, reason: 'disconnected' });
    const link2 = three.links.get(2)!;
    link2.deliver([1]);
    expect(three.report(2).status).toBe('connected');
    three.m.send(2, packet(2));
    expect(link2.sent).toHaveLength(1);
    link2.setOpen(false);
    three.m.send(2, packet(3));
    expect(three.signaling.relayed).toEqual([]); // the server cannot reach it any more
    vi.advanceTimersByTime(5100);
    expect(three.report(2).status).toBe('disconnected');
  });

  it('waitOpen rejects with a timeout NetrollError naming the players, and relayUnopened routes them through the relay', async () => {
    const { m, links, report } = setup({ players: 3 });
    connect(links.get(1)!);
    const waiting = m.waitOpen(500);
    const settled = waiting.catch((e: unknown) => e);
    vi.advanceTimersByTime(600);
    const err = await settled;
    expect(err).toBeInstanceOf(NetrollError);
    expect((err as NetrollError).code).toBe('timeout');
    expect((err as NetrollError).message).toContain('[2]');
    m.relayUnopened();
    expect(report(2)).toMatchObject({ route: 'relay', status: 'connected' });
    expect(report(1).route).toBe('p2p');
  });

  it('passes link errors on with the peer, and connection readings', () => {
    const { m, links } = setup();
    const errors: unknown[] = [];
    const readings: unknown[] = [];
    m.on('error', (e) => errors.push(e));
    m.on('connection', (e) => readings.push(e));
    links.get(1)!.fail({ code: 'invalid-message', message: 'signal offer: malformed offer', event: 'signal' });
    links.get(1)!.read({ type: 'host', localType: 'host', remoteType: 'host', protocol: 'udp' });
    expect(errors).toEqual([{ peer: 1, code: 'invalid-message', message: 'signal offer: malformed offer', event: 'signal' }]);
    expect(readings).toMatchObject([{ peer: 1, info: { type: 'host' } }]);
  });

  it('closes every link and stops listening to signaling', () => {
    const { m, links, signaling, received } = setup({ players: 3 });
    m.close();
    mesh = null;
    for (const l of links.values()) expect(l.closed).toBe(true);
    signaling.events.emit('relay', { from: 1, packet: packet(0, 1) });
    expect(received).toEqual([]);
  });

  it('refuses a bad config with invalid-option and makes no link', () => {
    for (const config of [{ interruptedMs: -1 }, { interruptedMs: 6000 }, { recoverMs: Number.NaN }, { engineSilentMs: 5000 }, { engineSilentMs: Number.POSITIVE_INFINITY }] satisfies MeshConfig[]) {
      const { factory, links } = fakeLinks();
      const attempt = () => new MeshTransport(new FakeSignaling(), assignment(2, 0), factory, config);
      expect(attempt).toThrow(NetrollError);
      try {
        attempt();
      } catch (e) {
        expect((e as NetrollError).code).toBe('invalid-option');
      }
      expect(links.size).toBe(0);
    }
  });
});

describe('meshConfig defaults', () => {
  it('engineSilentMs defaults to 30 s, or twice disconnectedMs when that is more', () => {
    expect(meshConfig().engineSilentMs).toBe(30_000);
    expect(meshConfig({ disconnectedMs: 60_000 }).engineSilentMs).toBe(120_000);
  });
});

describe('MeshTransport after a peer reloaded (relink)', () => {
  it('a relink signal closes the old link to that peer, starts a new one and ignores the old one from then on', () => {
    const { m, signaling, links, received } = setup({ players: 3, me: 1, mesh: { reconnect: true } });
    const relinks: number[] = [];
    m.on('relink', ({ peer }) => relinks.push(peer));
    const old = links.get(0)!;
    const other = links.get(2)!;
    connect(old);
    signaling.events.emit('signal', { from: 0, kind: 'relink', data: null });
    const fresh = links.get(0)!;
    expect(fresh).not.toBe(old);
    expect(old.closed).toBe(true);
    expect(fresh.started).toBe(true);
    expect(other.closed).toBe(false);
    expect(relinks).toEqual([0]);
    expect(old.signals).toEqual([]); // the relink itself is not a WebRTC signal
    // the old page's link is ignored; the new one carries the game
    old.deliver([9]);
    expect(received).toEqual([]);
    fresh.setOpen(true);
    fresh.deliver([7]);
    expect(received).toEqual([{ peer: 0, bytes: [7] }]);
    signaling.events.emit('signal', { from: 0, kind: 'candidate', data: null });
    expect(fresh.signals).toEqual([{ kind: 'candidate', data: null }]);
  });

  it('takes at most one relink per peer per second (a peer repeating it only churns its own link)', () => {
    const { signaling, links } = setup({ mesh: { reconnect: true } });
    signaling.events.emit('signal', { from: 1, kind: 'relink', data: null });
    const first = links.get(1)!;
    signaling.events.emit('signal', { from: 1, kind: 'relink', data: null });
    expect(links.get(1)).toBe(first);
    expect(first.closed).toBe(false);
    vi.advanceTimersByTime(1000);
    signaling.events.emit('signal', { from: 1, kind: 'relink', data: null });
    expect(links.get(1)).not.toBe(first);
    expect(first.closed).toBe(true);
  });

  it('a page that took its seat back after a reload tells every other peer to relink before its links start', () => {
    const signaling = new FakeSignaling();
    const { factory, links } = fakeLinks();
    mesh = new MeshTransport(signaling, assignment(3, 2), factory, {}, { relink: true });
    expect(signaling.signals).toEqual([
      { to: 0, kind: 'relink', data: null },
      { to: 1, kind: 'relink', data: null },
    ]);
    for (const l of links.values()) expect(l.started).toBe(true);
  });
});

describe('MeshTransport with free seats (late join)', () => {
  /** Seat 0 of a 4-seat session that started with seats 0 and 1. */
  function withFreeSeats() {
    const signaling = new FakeSignaling();
    const { factory, links } = fakeLinks();
    const m = new MeshTransport(signaling, { ...assignment(2, 0), seats: 4 }, factory, { reconnect: true });
    mesh = m;
    const received: { peer: number; bytes: number[] }[] = [];
    m.onPacket((peer, p) => received.push({ peer, bytes: [...new Uint8Array(p)] }));
    const statuses: { peer: number; status: string }[] = [];
    m.onStatus((peer, status) => statuses.push({ peer, status }));
    return { m, signaling, links, received, statuses };
  }

  it('makes links only to seated players; addPeer makes and starts the link to a late joiner, once; seats outside the session and its own are ignored', () => {
    const { m, signaling, links, received } = withFreeSeats();
    expect([...links.keys()]).toEqual([1]);
    m.addPeer(2);
    const late = links.get(2)!;
    expect(late.started).toBe(true);
    expect(late.spec).toMatchObject({ localPlayer: 0, remotePlayer: 2 });
    m.addPeer(2); // seat-taken again: the same link
    expect(links.get(2)).toBe(late);
    for (const bad of [0, 4, -1, 1.5]) m.addPeer(bad);
    expect([...links.keys()].sort()).toEqual([1, 2]);
    signaling.events.emit('signal', { from: 2, kind: 'candidate', data: null });
    expect(late.signals).toEqual([{ kind: 'candidate', data: null }]);
    late.setOpen(true);
    late.deliver([3]);
    expect(received).toEqual([{ peer: 2, bytes: [3] }]);
    expect(m.report().map((r) => r.peer)).toEqual([1, 2]);
  });

  it('removePeer closes a freed seat\'s link without a status event, ignores the old link from then on, and the seat can be taken again', () => {
    const { m, links, received, statuses } = withFreeSeats();
    m.addPeer(2);
    const first = links.get(2)!;
    first.setOpen(true);
    vi.advanceTimersByTime(100);
    const before = statuses.length;
    m.removePeer(2);
    expect(first.closed).toBe(true);
    expect(m.report().map((r) => r.peer)).toEqual([1]);
    first.deliver([9]);
    vi.advanceTimersByTime(10_000);
    expect(received).toEqual([]);
    expect(statuses.slice(before).filter((s) => s.peer === 2)).toEqual([]);
    m.addPeer(2); // the next newcomer
    const second = links.get(2)!;
    expect(second).not.toBe(first);
    expect(second.started).toBe(true);
  });

  it('a late joiner that reloads (relink) gets a new link like any peer; a relink from a free seat is ignored', () => {
    const { m, signaling, links } = withFreeSeats();
    m.addPeer(2);
    const first = links.get(2)!;
    signaling.events.emit('signal', { from: 2, kind: 'relink', data: null });
    expect(first.closed).toBe(true);
    expect(links.get(2)).not.toBe(first);
    signaling.events.emit('signal', { from: 3, kind: 'relink', data: null });
    expect(links.has(3)).toBe(false);
  });

  it('after close, addPeer makes no link', () => {
    const { m, links } = withFreeSeats();
    m.close();
    m.addPeer(2);
    expect(links.has(2)).toBe(false);
  });
});
