/** ResearchRecorder on a page: connection history per link (route changes included) and live stats through the given sink. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Emitter } from '../../src/engine/events.ts';
import { liveStatsSchema } from '../../src/signaling/events.ts';
import type { ConnectionInfo } from '../../main/connection-type.ts';
import type { LinkReport, MeshEvents } from '../../main/mesh.ts';
import { ResearchRecorder } from '../../main/research.ts';

const info = (type: ConnectionInfo['type'], at = 0): ConnectionInfo => ({ type, localType: type, remoteType: 'host', protocol: 'udp', at });

function link(peer: number, over: Partial<LinkReport> = {}): LinkReport {
  return {
    peer,
    status: 'connected',
    route: 'p2p',
    open: true,
    connection: null,
    connectionHistory: [],
    health: { rttMs: 12.5, samples: [12, 13], loss: 0, level: 'ok', sincePongMs: 100 },
    iceRestarts: 0,
    iceGaveUp: null,
    relayAvailable: true,
    failovers: 0,
    recoveries: 0,
    counters: { packetsViaP2P: 10, packetsViaRelay: 2, receivedViaP2P: 9, receivedViaRelay: 1 },
    reliable: { sentViaP2P: 0, sentViaRelay: 0, unsent: 0, received: 0, badRelayFrames: 0 },
    routeHistory: [],
    lastFailoverMs: null,
    ...over,
  };
}

const stats = { frame: 100, confirmedFrame: 97, rollbacks: 3, maxRollback: 2, rollbackHistogram: { 1: 2, 2: 1 }, stalls: 0, desyncs: 0 };

describe('ResearchRecorder', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] }));
  afterEach(() => vi.useRealTimers());

  it('records each link’s connection history, route changes included, and sends live stats through the given sink', async () => {
    const events = new Emitter<MeshEvents>();
    let reports = [link(1, { connectionHistory: [info('host', performance.now() - 50)], connection: info('host') })];
    const sent: unknown[] = [];
    const recorder = new ResearchRecorder({
      assignment: { sessionId: 's', playerIndex: 0, players: [], seed: 1, iceServers: [], turn: false },
      mesh: { report: () => reports, on: (type, handler) => events.on(type, handler) },
      hostMetrics: () => Promise.reject(new Error('not used here')),
      hostStats: () => Promise.resolve(stats),
      sendLiveStats: (s) => sent.push(s),
    });
    vi.advanceTimersByTime(1000);
    events.emit('route', { peer: 1, route: 'relay', reason: 'health: link critical' });
    vi.advanceTimersByTime(1000);
    reports = [link(1, { connection: info('host') })];
    events.emit('route', { peer: 1, route: 'p2p', reason: 'P2P recovered' });
    events.emit('connection', { peer: 1, info: info('relay') });
    recorder.startLiveStats(500);
    await vi.advanceTimersByTimeAsync(1100);
    recorder.close();
    const history = recorder.connectionHistory(1);
    expect(history.map((h) => h.type)).toEqual(['host', 'relay-server', 'host', 'relay']);
    expect(history[0]!.at).toBeLessThan(0);
    expect(recorder.connectionHistory(5)).toEqual([]);
    expect(sent.length).toBeGreaterThanOrEqual(2);
    for (const s of sent) expect(liveStatsSchema.safeParse(s).success).toBe(true);
  });
});
