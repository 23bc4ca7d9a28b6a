/**
 * The page's research formats: the mesh's link reports and the host's
 * figures as the live stats and report link entries of the contract
 * (src/signaling/events.ts, src/research/report.ts). No DOM: unit-tested in
 * Node against the same schemas the server validates with.
 */
import { connectionTypeOf } from '../src/contracts/vocabulary.ts';
import {
  type ConnectionChange,
  type DepartureRecord,
  type DesyncRecord,
  type LinkReportData,
  MAX_DEPARTURE_RECORDS,
  MAX_DESYNC_RECORDS,
  MAX_RESYNC_RECORDS,
  type ResyncRecord,
} from '../src/research/report.ts';
import type { LiveStats } from '../src/signaling/events.ts';
import type { LinkReport } from './mesh.ts';

/** The host figures live stats carry. */
export interface LiveStatsSource {
  readonly frame: number;
  readonly confirmedFrame: number;
  readonly rollbacks: number;
  readonly maxRollback: number;
  /** Rollback depth → count. */
  readonly rollbackHistogram: Readonly<Record<number, number>>;
  readonly stalls: number;
  readonly desyncs: number;
}

/** Live stats for the dashboard, from the host's stats and the link reports. */
export function liveStatsOf(s: LiveStatsSource, links: readonly LinkReport[]): LiveStats {
  return {
    frame: s.frame,
    confirmedFrame: s.confirmedFrame,
    rollbacks: s.rollbacks,
    maxRollback: s.maxRollback,
    rollbackHistogram: Object.fromEntries(Object.entries(s.rollbackHistogram).slice(0, 256)),
    stalls: s.stalls,
    desyncs: s.desyncs,
    links: links.map((r) => ({ peer: r.peer, connectionType: connectionTypeOf(r.route, r.connection?.type), route: r.route, rttMs: r.health.rttMs })),
  };
}

/** A link report as the research report's link entry. */
export function linkReportData(r: LinkReport, connectionHistory: readonly ConnectionChange[]): LinkReportData {
  return {
    peer: r.peer,
    connectionType: connectionTypeOf(r.route, r.connection?.type),
    ...(r.connection?.relayProtocol ? { relayProtocol: r.connection.relayProtocol } : {}),
    connectionHistory: connectionHistory.slice(),
    rttMs: r.health.rttMs,
    rttSamples: r.health.samples.slice(),
    loss: r.health.loss,
    inputsViaP2P: r.counters.packetsViaP2P,
    inputsViaRelay: r.counters.packetsViaRelay,
    relayFailovers: r.failovers,
    relayRecoveries: r.recoveries,
    iceRestarts: r.iceRestarts,
  };
}


/** The host's integrity records (desyncs, departures, resyncs), as in its metrics. */
export interface IntegritySource {
  readonly desyncs: readonly { frame: number; peer: number; localHash: number; remoteHash: number; policy: 'report' | 'resync' }[];
  readonly departures: readonly { player: number; frame: number }[];
  readonly resyncs: readonly { frame: number; from: number; bytes: number }[];
}

/**
 * The report's integrity records from the host metrics: each desync with
 * its policy, the departures and the resyncs, each list cut to the
 * report's bound (the first records are kept: the first desync is the one
 * a researcher needs).
 */
export function integrityRecords(m: IntegritySource): { desyncs: DesyncRecord[]; departures: DepartureRecord[]; resyncs: ResyncRecord[] } {
  return {
    desyncs: m.desyncs.slice(0, MAX_DESYNC_RECORDS).map((d) => ({ frame: d.frame, peer: d.peer, localHash: d.localHash, remoteHash: d.remoteHash, policy: d.policy })),
    departures: m.departures.slice(0, MAX_DEPARTURE_RECORDS).map((d) => ({ player: d.player, frame: d.frame })),
    resyncs: m.resyncs.slice(0, MAX_RESYNC_RECORDS).map((r) => ({ frame: r.frame, from: r.from, bytes: r.bytes })),
  };
}
