/**
 * Research data on the page: builds this peer's session metrics (engine
 * figures from the worker + link figures from the mesh + hidden-tab periods),
 * sends live stats to the server for the dashboard, and uploads reports at
 * each episode end and at session end, retried with backoff until the server
 * acknowledges them. Reports are cumulative and carry a unique upload id, so
 * a repeated upload is stored once and nothing is lost.
 */
import { connectionTypeOf } from '../src/contracts/vocabulary.ts';
import { episodeSeed } from '../src/engine/simulation.ts';
import type { ConnectionChange, FrameClockSample, LinkReportData, ReportAck, ReportKind, SessionEnd, SessionReport } from '../src/research/report.ts';
import { MAX_FRAME_CLOCK_SAMPLES, toBase64 } from '../src/research/report.ts';
import type { Assignment, LiveStats } from '../src/signaling/events.ts';
import type { HostMetrics } from '../worker/api.ts';
import type { ConnectionInfo } from './connection-type.ts';
import type { LinkReport, MeshEvents } from './mesh.ts';
import { integrityRecords, LogRanges, linkReportData, type LiveStatsSource, liveStatsOf } from './research-format.ts';

export type { LiveStatsSource } from './research-format.ts';

export { ReportUploader, type UploadStatus } from './uploader.ts';

/** Everything this peer knows about its session (`exportSessionMetrics()` of a networked session). */
export interface SessionMetrics extends HostMetrics {
  /** The session's id, from the assignment. */
  readonly sessionId: string;
  /** This peer's player index, from the assignment. */
  readonly playerIndex: number;
  /** One report per link to a remote peer, with its history. */
  readonly links: LinkReportData[];
  /** Tab-hidden periods, ms since the session started (`end` null while hidden). */
  readonly hiddenPeriods: { start: number; end: number | null }[];
  /** Episodes played, with their frame ranges and seeds. */
  readonly episodesWithSeeds: { episode: number; startFrame: number; endFrame: number; seed: number }[];
  /** Rollback count, depth histogram, total time (ms) and deepest rollback. */
  readonly rollbacks: SessionReport['rollbacks'];
  /** Relay failovers, summed over the links. */
  readonly relayFailovers: number;
  /** ICE restarts, summed over the links. */
  readonly iceRestarts: number;
}

/** What the recorder reads and where it sends live stats. */
export interface RecorderDeps {
  assignment: Assignment;
  /** The links (a MeshTransport). */
  mesh: {
    report(): LinkReport[];
    on<K extends 'connection' | 'route' | 'ice-gave-up'>(type: K, handler: (payload: MeshEvents[K]) => void): () => void;
  };
  /** The engine host's metrics and stats (the session). */
  hostMetrics: () => Promise<HostMetrics>;
  hostStats: () => Promise<LiveStatsSource>;
  /** Where live stats go (the signaling connection). */
  sendLiveStats: (stats: LiveStats) => void;
}

/** A connection reading as a research connection change at `at`. */
function change(info: ConnectionInfo, at: number): ConnectionChange {
  return { at, type: info.type, localType: info.localType, remoteType: info.remoteType, ...(info.relayProtocol ? { relayProtocol: info.relayProtocol } : {}) };
}

/** Collects what the host does not know (links over time, hidden periods) and builds metrics and reports. */
export class ResearchRecorder {
  private readonly t0 = performance.now();
  private readonly hidden: { start: number; end: number | null }[] = [];
  private readonly history = new Map<number, ConnectionChange[]>();
  private seq = 0;
  /** Incremental input-log uploads: what the server acknowledged holding. */
  private readonly ranges = new LogRanges();
  private readonly offs: (() => void)[] = [];
  private liveTimer: ReturnType<typeof setInterval> | null = null;
  private clockTimer: ReturnType<typeof setInterval> | null = null;
  /** Frame-clock samples (at most {@link MAX_FRAME_CLOCK_SAMPLES}; sampling stops when full). */
  private readonly clock: FrameClockSample[] = [];
  private endState: SessionEnd | null = null;

  constructor(private readonly deps: RecorderDeps) {
    const since = () => Math.round(performance.now() - this.t0);
    const onVisibility = () => {
      if (typeof document === 'undefined') return;
      if (document.visibilityState === 'hidden') this.hidden.push({ start: since(), end: null });
      else {
        const open = this.hidden.at(-1);
        if (open && open.end === null) open.end = since();
      }
      if (this.clockTimer !== null) void this.sampleClock();
    };
    if (typeof document !== 'undefined') {
      document.addEventListener('visibilitychange', onVisibility);
      this.offs.push(() => document.removeEventListener('visibilitychange', onVisibility));
      if (document.visibilityState === 'hidden') onVisibility();
    }
    const push = (peer: number, c: ConnectionChange) => {
      let h = this.history.get(peer);
      if (!h) this.history.set(peer, (h = []));
      h.push(c);
    };
    // What the links went through before the session started (connecting): negative times.
    for (const r of deps.mesh.report()) {
      for (const info of r.connectionHistory) push(r.peer, change(info, Math.round(info.at - this.t0)));
      if (r.route === 'relay') push(r.peer, { at: 0, type: 'relay-server' });
    }
    this.offs.push(
      deps.mesh.on('connection', ({ peer, info }) => push(peer, change(info, since()))),
      deps.mesh.on('ice-gave-up', ({ peer, reason }) => push(peer, { at: since(), type: 'relay-server', reason: reason.slice(0, 200) })),
      deps.mesh.on('route', ({ peer, route }) => {
        const info = deps.mesh.report().find((r) => r.peer === peer)?.connection;
        push(peer, { at: since(), type: connectionTypeOf(route, info?.type) });
      }),
    );
  }

  /** The connection changes of the link to `peer` so far (ms since the recorder started; negative: before). */
  connectionHistory(peer: number): readonly ConnectionChange[] {
    return (this.history.get(peer) ?? []).slice();
  }

  /**
   * Sample this peer's frame every `ms` (and at every visibility change), so
   * the server can give each exported frame this player's wall-clock time
   * and `focused` flag. Bounded: at most {@link MAX_FRAME_CLOCK_SAMPLES}.
   */
  startFrameClock(ms = 500): void {
    if (this.clockTimer !== null) return;
    this.clockTimer = setInterval(() => void this.sampleClock(), ms);
    void this.sampleClock();
  }

  /** Say how the session ended (the next reports carry it; the first word stays). */
  setEnd(end: SessionEnd): void {
    this.endState ??= { ...end };
  }

  private async sampleClock(): Promise<void> {
    if (this.clock.length >= MAX_FRAME_CLOCK_SAMPLES) return;
    const before = performance.now();
    let frame: number;
    try {
      frame = (await this.deps.hostStats()).frame;
    } catch {
      return; // the worker is gone
    }
    const at = Math.max(0, Math.round((before + performance.now()) / 2 - this.t0));
    const last = this.clock.at(-1);
    if (last && (frame < last.frame || at < last.at)) return; // answers out of order: keep the clock monotonic
    if (last && last.frame === frame && last.at === at) return;
    this.clock.push({ frame, at });
  }

  /** Send live stats to the server every `ms` (for the dashboard). */
  startLiveStats(ms = 2000): void {
    const send = async () => {
      try {
        this.deps.sendLiveStats(liveStatsOf(await this.deps.hostStats(), this.deps.mesh.report()));
      } catch {
        // the worker is gone (session closed): nothing to send
      }
    };
    void send();
    this.liveTimer = setInterval(() => void send(), ms);
  }

  async metrics(): Promise<SessionMetrics> {
    const host = await this.deps.hostMetrics();
    const { assignment, mesh } = this.deps;
    const links = mesh.report().map((r) => linkReportData(r, this.history.get(r.peer) ?? []));
    const histogram: Record<string, number> = {};
    for (const [d, n] of Object.entries(host.rollbackHistogram)) histogram[d] = n;
    return {
      ...host,
      sessionId: assignment.sessionId,
      playerIndex: assignment.playerIndex,
      links,
      hiddenPeriods: this.hidden.map((h) => ({ ...h })),
      episodesWithSeeds: this.episodes(host),
      rollbacks: { count: host.stats.rollbacks, histogram, totalMs: host.stats.rollbackMs, maxDepth: host.stats.maxRollback },
      relayFailovers: links.reduce((a, l) => a + l.relayFailovers, 0),
      iceRestarts: links.reduce((a, l) => a + l.iceRestarts, 0),
    };
  }

  /**
   * A report of everything so far, for upload. The input log is the range
   * after the frames the server acknowledged (`logFrom`; see
   * {@link ResearchRecorder.answered}), so upload bytes grow linearly with
   * the session.
   */
  async report(kind: ReportKind): Promise<SessionReport> {
    const m = await this.metrics();
    const seq = this.seq++;
    const uploadId = `${m.sessionId}:${m.playerIndex}:${seq}`;
    const { logFrom, inputLog } = this.ranges.range(uploadId, m.inputLog);
    const counters: Record<string, number> = {};
    for (const [k, v] of Object.entries(m.stats)) if (typeof v === 'number' && Number.isFinite(v)) counters[k] = v;
    return {
      uploadId,
      kind,
      seq,
      sessionId: m.sessionId,
      playerIndex: m.playerIndex,
      reportToken: this.deps.assignment.reportToken ?? '',
      game: m.game,
      seed: m.seed,
      players: m.players,
      frames: m.confirmedHash.frame,
      episodes: m.episodesWithSeeds,
      links: m.links,
      rollbacks: m.rollbacks,
      stalls: m.stats.stalls,
      ...integrityRecords(m),
      hiddenPeriods: m.hiddenPeriods,
      ...(this.endState ? { end: { ...this.endState } } : {}),
      episodesCompleted: m.episodes.length,
      frameClock: this.clock.slice(),
      // like the log, only the samples the server does not hold yet
      hashes: logFrom === undefined ? m.hashes : m.hashes.filter((h) => h.frame >= logFrom),
      confirmedHash: m.confirmedHash,
      inputLog,
      logFrom,
      counters,
      createdAt: new Date().toISOString(),
    };
  }

  /**
   * The server answered a report (the uploader's `onAnswer`): once it holds
   * a range, later reports start after it; a `conflict` (it lost or refused
   * what we sent) starts them over from frame 0.
   */
  answered(report: SessionReport, ack: ReportAck): void {
    this.ranges.answered(report.uploadId, ack);
  }

  close(): void {
    if (this.liveTimer !== null) clearInterval(this.liveTimer);
    if (this.clockTimer !== null) clearInterval(this.clockTimer);
    this.clockTimer = null;
    for (const off of this.offs) off();
  }

  private episodes(host: HostMetrics): SessionMetrics['episodesWithSeeds'] {
    const done = host.episodes.map((e) => ({ ...e, seed: episodeSeed(host.seed, e.episode) }));
    const next = done.length;
    const start = done.length ? done.at(-1)!.endFrame + 1 : 0;
    // the running episode: ends at the last confirmed frame so far
    done.push({ episode: next, startFrame: start, endFrame: host.confirmedHash.frame - 1, seed: episodeSeed(host.seed, next) });
    return done;
  }
}
