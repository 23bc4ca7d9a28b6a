/**
 * The page's research formats: the mesh's link reports and the host's
 * figures as the live stats and report link entries of the contract
 * (src/signaling/events.ts, src/research/report.ts). No DOM: unit-tested in
 * Node against the same schemas the server validates with.
 */
import { connectionTypeOf } from '../src/contracts/vocabulary.ts';
import { decodeInputLog, encodeInputLog } from '../src/engine/input-log.ts';
import {
  type ConnectionChange,
  type AbsenceRecord,
  type DepartureRecord,
  type DesyncRecord,
  type LinkReportData,
  type ReportAck,
  MAX_ABSENCE_RECORDS,
  MAX_DEPARTURE_RECORDS,
  MAX_DESYNC_RECORDS,
  MAX_RESYNC_RECORDS,
  type ResyncRecord,
  toBase64,
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
  readonly absences?: readonly { player: number; from: number; to: number | null }[];
  readonly resyncs: readonly { frame: number; from: number; bytes: number }[];
}

/**
 * The report's integrity records from the host metrics: each desync with
 * its policy, the departures and the resyncs, each list cut to the
 * report's bound (the first records are kept: the first desync is the one
 * a researcher needs).
 */
export function integrityRecords(m: IntegritySource): {
  desyncs: DesyncRecord[];
  departures: DepartureRecord[];
  absences: AbsenceRecord[];
  resyncs: ResyncRecord[];
} {
  return {
    desyncs: m.desyncs.slice(0, MAX_DESYNC_RECORDS).map((d) => ({ frame: d.frame, peer: d.peer, localHash: d.localHash, remoteHash: d.remoteHash, policy: d.policy })),
    departures: m.departures.slice(0, MAX_DEPARTURE_RECORDS).map((d) => ({ player: d.player, frame: d.frame })),
    absences: (m.absences ?? []).slice(0, MAX_ABSENCE_RECORDS).map((a) => ({ player: a.player, from: a.from, to: a.to })),
    resyncs: m.resyncs.slice(0, MAX_RESYNC_RECORDS).map((r) => ({ frame: r.frame, from: r.from, bytes: r.bytes })),
  };
}

/** Most reports awaiting an answer whose range end is remembered. */
const MAX_PENDING_RANGES = 64;

/**
 * Incremental input-log uploads, page side: each report carries the input
 * log from the frames the server acknowledged holding (`logFrom`) to the
 * end, as an input log of its own (departures travel in the report), so
 * upload bytes grow linearly with the session. A `conflict` answer (the
 * server lost or refused what came before) starts the next report over
 * from frame 0.
 */
export class LogRanges {
  /** Input-log frames the server acknowledged holding. */
  private acked = 0;
  /** Upload id → end frame of the range it carries (reports not answered yet; bounded). */
  private readonly ends = new Map<string, number>();

  /** Frames the server acknowledged holding. */
  get ackedFrames(): number {
    return this.acked;
  }

  /** The range of the encoded `full` log for the report `uploadId`, base64. */
  range(uploadId: string, full: Uint8Array): { logFrom: number; inputLog: string } {
    const d = decodeInputLog(full);
    if (!d.ok) return { logFrom: 0, inputLog: toBase64(full) }; // not ours to judge: the server answers bad-input-log
    const log = d.log;
    const from = Math.min(this.acked, log.frames);
    const stride = log.players * log.inputSize;
    this.ends.set(uploadId, log.frames);
    while (this.ends.size > MAX_PENDING_RANGES) this.ends.delete(this.ends.keys().next().value!);
    const range = encodeInputLog({ ...log, frames: log.frames - from, inputs: log.inputs.subarray(from * stride), departures: [], absences: [] });
    return { logFrom: from, inputLog: toBase64(range) };
  }

  /** The server answered the report `uploadId`. */
  answered(uploadId: string, ack: ReportAck): void {
    const end = this.ends.get(uploadId);
    this.ends.delete(uploadId);
    if (ack.ok) {
      if (end !== undefined && (ack.stored || ack.duplicate)) this.acked = Math.max(this.acked, end);
    } else if (ack.error.code === 'conflict') this.acked = 0;
  }
}
