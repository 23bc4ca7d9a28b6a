/**
 * The mesh with its inputs channels in the engine (`channelsInEngine`, the
 * default): links get the sink, the engine's counts keep peers alive and
 * count as P2P traffic, the engine is told each peer's route, and a packet
 * the engine passes back is relayed without taking the route from P2P.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Emitter } from '../../src/engine/events.ts';
import { MeshTransport, type MeshConfig, type MeshEngineChannels } from '../../main/mesh.ts';
import { assignment, FakeSignaling, fakeLinks, type FakeLink } from './fake-link.ts';

/** The page's side of the channels port, as the mesh sees it: records routes, lets a test report counts. */
class FakeEngineChannels implements MeshEngineChannels {
  readonly routes: { peer: number; direct: boolean }[] = [];
  readonly events = new Emitter<{ counts: { sent: readonly number[]; received: readonly number[] }; state: { peer: number; gen: number; open: boolean } }>();
  readonly thePort = { port: 'engine end' };
  closed = false;
  private given = false;
  handOff(): number | null {
    return 1;
  }
  closeChannel(): void {}
  onState(handler: (s: { peer: number; gen: number; open: boolean }) => void): () => void {
    return this.events.on('state', handler);
  }
  route(peer: number, direct: boolean): void {
    this.routes.push({ peer, direct });
  }
  onCounts(handler: (c: { sent: readonly number[]; received: readonly number[] }) => void): () => void {
    return this.events.on('counts', handler);
  }
  port(): unknown {
    if (this.given) return null;
    this.given = true;
    return this.thePort;
  }
  close(): void {
    this.closed = true;
  }
  /** The last route posted for `peer` (undefined: none yet). */
  lastRoute(peer: number): boolean | undefined {
    return this.routes.filter((r) => r.peer === peer).at(-1)?.direct;
  }
}

let mesh: MeshTransport | null = null;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] });
});
afterEach(() => {
  mesh?.close();
  mesh = null;
  vi.useRealTimers();
});

function setup(config: MeshConfig = {}) {
  const signaling = new FakeSignaling();
  const { factory, links } = fakeLinks();
  const channels = new FakeEngineChannels();
  const m = new MeshTransport(signaling, assignment(2, 0), factory, config, { engineChannels: channels });
  mesh = m;
  const statuses: string[] = [];
  m.onStatus((_peer, status) => statuses.push(status));
  const link = links.get(1)!;
  const report = () => m.report()[0]!;
  return { m, signaling, link, channels, statuses, report };
}

function connect(link: FakeLink): void {
  link.inputsInEngine = true;
  link.setOpen(true);
  vi.advanceTimersByTime(1000);
}

describe('MeshTransport with its inputs channels in the engine', () => {
  it('hands every link the sink and gives the engine end of the port once', () => {
    const { m, link, channels } = setup();
    expect(link.spec.engineChannels).toBe(channels);
    expect(m.engineChannels()).toBe(channels.thePort);
    expect(m.engineChannels()).toBeNull();
    m.close();
    expect(channels.closed).toBe(true);
  });

  it('with channelsInEngine off, links keep their channels and there is no port', () => {
    const { m, link } = setup({ channelsInEngine: false });
    expect(link.spec.engineChannels).toBeUndefined();
    expect(m.engineChannels()).toBeNull();
  });

  it('refuses a channelsInEngine that is not a boolean', () => {
    expect(() => setup({ channelsInEngine: 'yes' as unknown as boolean })).toThrow(/mesh\.channelsInEngine must be a boolean/);
  });

  it("the engine's received counts keep a peer alive and count as P2P packets; its sent counts too", () => {
    const { link, channels, statuses, report } = setup();
    connect(link);
    expect(statuses).toEqual(['connected']);
    link.rttMs = null; // no pongs: only engine traffic says the peer is there
    for (let i = 0; i < 30; i++) {
      channels.events.emit('counts', { sent: [0, 6], received: [0, 6] });
      vi.advanceTimersByTime(100);
    }
    expect(statuses).toEqual(['connected']);
    expect(report().counters).toMatchObject({ packetsViaP2P: 180, receivedViaP2P: 180, packetsViaRelay: 0 });
    // counts for another index (a hostile or stale report) change nothing
    channels.events.emit('counts', { sent: [5, 0, 7], received: [5, 0, 7] });
    expect(report().counters).toMatchObject({ packetsViaP2P: 180, receivedViaP2P: 180 });
    vi.advanceTimersByTime(1000); // silence from the engine
    expect(statuses).toEqual(['connected', 'interrupted']);
    channels.events.emit('counts', { sent: [0, 1], received: [0, 1] });
    expect(statuses).toEqual(['connected', 'interrupted', 'connected']);
  });

  it('tells the engine the route: direct on P2P, through the page on the relay, direct again when P2P recovers', () => {
    const { link, channels } = setup();
    connect(link);
    expect(channels.lastRoute(1)).toBe(true);
    link.rttMs = 400; // critical: the relay takes over
    vi.advanceTimersByTime(3000);
    expect(channels.lastRoute(1)).toBe(false);
    link.rttMs = 20;
    vi.advanceTimersByTime(5000);
    expect(channels.lastRoute(1)).toBe(true);
    // in this order, with nothing in between (EngineChannels posts only the changes)
    const routes = channels.routes.filter((r) => r.peer === 1).map((r) => r.direct);
    expect(routes.filter((d, i) => i === 0 || d !== routes[i - 1])).toEqual([true, false, true]);
  });

  it('while signaling is down the relay cannot carry anything: the engine sends directly even on the relay route', () => {
    const { link, channels, signaling } = setup();
    connect(link);
    link.rttMs = 400;
    vi.advanceTimersByTime(3000);
    expect(channels.lastRoute(1)).toBe(false);
    signaling.events.emit('state', { state: 'lost', reason: 'transport close' });
    expect(channels.lastRoute(1)).toBe(true);
  });

  it('a packet the engine passes back while the route is P2P goes through the relay, and the route stays P2P', () => {
    const { m, link, signaling, report } = setup();
    connect(link);
    m.send(1, new Uint8Array([1, 2]).buffer);
    expect(signaling.relayed).toHaveLength(1);
    expect(report().route).toBe('p2p');
    expect(report().failovers).toBe(0);
    expect(report().counters.packetsViaRelay).toBe(1);
  });
});
