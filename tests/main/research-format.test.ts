/**
 * The page's research formats (main/research-format.ts) against the contract: live stats and link
 * reports pass the same zod schemas the server validates with, and the
 * connection type comes from the one route → type mapping.
 */
import { describe, expect, it } from 'vitest';
import { linkReportSchema } from '../../src/research/report.ts';
import { liveStatsSchema } from '../../src/signaling/events.ts';
import type { ConnectionInfo } from '../../main/connection-type.ts';
import type { LinkReport } from '../../main/mesh.ts';
import { integrityRecords, linkReportData, liveStatsOf } from '../../main/research-format.ts';
import { MAX_DEPARTURE_RECORDS, reportSchema } from '../../src/research/report.ts';

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

describe('research formats', () => {
  it('live stats pass the server schema; the connection type is the link type, relay-server on the relay, unknown before a reading', () => {
    const links = [link(1, { connection: info('srflx') }), link(2, { route: 'relay', connection: info('host') }), link(3)];
    const live = liveStatsOf(stats, links);
    expect(liveStatsSchema.safeParse(live).success).toBe(true);
    expect(live.links.map((l) => l.connectionType)).toEqual(['srflx', 'relay-server', 'unknown']);
  });

  it('a link report passes the report schema and counts engine packets per route', () => {
    const data = linkReportData(link(1, { connection: { ...info('relay'), relayProtocol: 'tcp' } }), [{ at: -5, type: 'relay' }]);
    expect(linkReportSchema.safeParse(data).success).toBe(true);
    expect(data).toMatchObject({ connectionType: 'relay', relayProtocol: 'tcp', inputsViaP2P: 10, inputsViaRelay: 2, connectionHistory: [{ at: -5, type: 'relay' }] });
  });

  it('integrity records keep each desync policy, departures and resyncs, cut to the report bounds', () => {
    const r = integrityRecords({
      desyncs: [{ frame: 60, peer: 1, localHash: 1, remoteHash: 2, policy: 'resync' }],
      departures: Array.from({ length: 9 }, (_, i) => ({ player: i % 8, frame: 100 + i })),
      resyncs: [{ frame: 61, from: 0, bytes: 512 }],
    });
    expect(r.desyncs).toEqual([{ frame: 60, peer: 1, localHash: 1, remoteHash: 2, policy: 'resync' }]);
    expect(r.departures).toHaveLength(MAX_DEPARTURE_RECORDS);
    expect(r.departures[0]).toEqual({ player: 0, frame: 100 });
    expect(r.resyncs).toEqual([{ frame: 61, from: 0, bytes: 512 }]);
    expect(reportSchema.shape.departures.safeParse(r.departures).success).toBe(true);
    expect(reportSchema.shape.departures.safeParse([...r.departures, { player: 7, frame: 1 }]).success).toBe(false);
  });
});
