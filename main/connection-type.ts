/**
 * Connection-type reading: which ICE candidate pair a link uses, from
 * `getStats()`. The selected pair's types and the relay protocol are re-read
 * periodically; a change is recorded in the history and reported.
 *
 * A remote `prflx` reading is held back until the remote side's trickled
 * candidates are in (end-of-candidates) or `prflxSettleMs` passed: with
 * trickle ICE the first connectivity check often arrives before the
 * candidate that names it, and Chromium calls that candidate peer-reflexive
 * until the signaled one lands, so an early reading would record a host link
 * as `prflx`.
 *
 * No RTCPeerConnection here: the reader is given a `getStats` function and a
 * clock, so it is unit-tested in Node against a fake stats report.
 */
import { ErrorCode, NetrollError } from '../src/contracts/errors.ts';
import { CANDIDATE_TYPES, type CandidateType } from '../src/contracts/vocabulary.ts';
import { Emitter } from '../src/engine/events.ts';

/** What `getStats()` says about the selected candidate pair. */
export interface ConnectionInfo {
  /** The link's type: `relay` if either side relays, else the "most indirect" of the two. */
  readonly type: CandidateType;
  /** Candidate type of the local end of the selected pair. */
  readonly localType: CandidateType;
  /** Candidate type of the remote end of the selected pair. */
  readonly remoteType: CandidateType;
  /** Transport protocol of the local candidate (`udp` / `tcp`). */
  readonly protocol: string;
  /** For a local relay candidate: the protocol to the TURN server (`udp`, `tcp`, `tls`). */
  readonly relayProtocol?: string;
  /** When it was read (page clock, ms). */
  readonly at: number;
}

/** The connection-type layer's settings. */
export interface ConnectionTypeConfig {
  /** How often to re-read the connection type, ms. Default 2,000. */
  statsIntervalMs?: number;
  /**
   * How long a remote `prflx` reading may wait for the remote side's
   * trickled candidates before it is recorded as the connection type, ms.
   * Default 1,500.
   */
  prflxSettleMs?: number;
}

/** One stats entry, as `RTCStatsReport` holds them (only what is read here). */
export type StatsEntry = Readonly<Record<string, unknown>>;

/** The part of an `RTCStatsReport` the reader uses (a `Map<string, StatsEntry>` will do). */
export interface StatsLike {
  forEach(callback: (entry: StatsEntry) => void): void;
  get(id: string): StatsEntry | undefined;
}

function candidateType(v: unknown): CandidateType {
  return CANDIDATE_TYPES.find((t) => t === v) ?? 'host';
}

/** The link type of a pair: `relay` if either side relays, else `srflx`, else `prflx`, else `host`. */
export function linkType(a: CandidateType, b: CandidateType): CandidateType {
  for (const t of ['relay', 'srflx', 'prflx'] as const) if (a === t || b === t) return t;
  return 'host';
}

/** Read the selected candidate pair from a stats report (the transport's selected pair, else a nominated succeeded one). */
export function selectedPair(report: StatsLike, at: number): ConnectionInfo | null {
  let pair: StatsEntry | undefined;
  report.forEach((r) => {
    if (r['type'] === 'transport' && typeof r['selectedCandidatePairId'] === 'string') pair = report.get(r['selectedCandidatePairId']);
  });
  if (!pair) {
    report.forEach((r) => {
      if (!pair && r['type'] === 'candidate-pair' && r['state'] === 'succeeded' && (r['nominated'] || r['selected'])) pair = r;
    });
  }
  if (!pair) return null;
  const local = report.get(String(pair['localCandidateId']));
  const remote = report.get(String(pair['remoteCandidateId']));
  if (!local || !remote) return null;
  const localType = candidateType(local['candidateType']);
  const remoteType = candidateType(remote['candidateType']);
  const relayProtocol = local['relayProtocol'];
  return {
    type: linkType(localType, remoteType),
    localType,
    remoteType,
    protocol: String(local['protocol'] ?? 'udp'),
    ...(typeof relayProtocol === 'string' ? { relayProtocol } : {}),
    at,
  };
}

/**
 * Check a {@link ConnectionTypeConfig} and fill in the defaults.
 *
 * @throws NetrollError `invalid-option` for a value that is not a positive number of ms.
 */
export function connectionTypeConfig(config: ConnectionTypeConfig = {}): Required<ConnectionTypeConfig> {
  const c = { statsIntervalMs: 2000, prflxSettleMs: 1500, ...config };
  if (!(Number.isFinite(c.statsIntervalMs) && c.statsIntervalMs > 0)) {
    throw new NetrollError(ErrorCode.InvalidOption, `connectionType.statsIntervalMs must be a positive number of ms, got ${c.statsIntervalMs}`);
  }
  if (!(Number.isFinite(c.prflxSettleMs) && c.prflxSettleMs >= 0)) {
    throw new NetrollError(ErrorCode.InvalidOption, `connectionType.prflxSettleMs must be a number of ms >= 0, got ${c.prflxSettleMs}`);
  }
  return c;
}

/** Events of a {@link ConnectionTypeReader}. */
export interface ConnectionTypeEvents {
  /** The connection type changed (or was read for the first time). */
  connection: ConnectionInfo;
}

/**
 * Reads a link's connection type when asked (`read()`), and every
 * `statsIntervalMs` once `start()`ed, holding back a remote `prflx` reading
 * as described above.
 */
export class ConnectionTypeReader {
  readonly config: Required<ConnectionTypeConfig>;
  /** Every connection type read, in order (changes only). */
  readonly history: ConnectionInfo[] = [];
  private readonly events = new Emitter<ConnectionTypeEvents>();
  private info: ConnectionInfo | null = null;
  /** The remote side signaled end-of-candidates for the current ICE generation (and all were applied). */
  private remoteDone = false;
  /** When the current run of remote-`prflx` readings began (null: not in one). */
  private prflxSince: number | null = null;
  private prflxTimer: ReturnType<typeof setTimeout> | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private closed = false;

  /**
   * @param getStats the stats of the connection, or null when it is not
   *   connected (nothing is read then)
   */
  constructor(
    private readonly getStats: () => Promise<StatsLike> | null,
    config: ConnectionTypeConfig = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.config = connectionTypeConfig(config);
  }

  /** Subscribe to an event; returns the unsubscribe function. */
  on<K extends keyof ConnectionTypeEvents>(type: K, handler: (payload: ConnectionTypeEvents[K]) => void): () => void {
    return this.events.on(type, handler);
  }

  /** The last connection type recorded (null before the first). */
  current(): ConnectionInfo | null {
    return this.info;
  }

  /** Re-read every `statsIntervalMs`. */
  start(): void {
    if (this.timer === null && !this.closed) this.timer = setInterval(() => void this.read(), this.config.statsIntervalMs);
  }

  /** A new ICE generation (new remote description): its candidates trickle anew. */
  newGeneration(): void {
    this.remoteDone = false;
  }

  /** The remote side's candidates are all in: a remote `prflx` reading is what it is. */
  remoteCandidatesDone(): void {
    this.remoteDone = true;
    if (this.prflxSince !== null) void this.read();
  }

  /** A remote candidate was added: it may name a peer-reflexive one, so look again if one is held or recorded. */
  remoteCandidateAdded(): void {
    if (this.info?.remoteType === 'prflx' || this.prflxSince !== null) void this.read();
  }

  /** Read the connection type now. Never rejects. */
  async read(): Promise<void> {
    if (this.closed) return;
    try {
      const stats = this.getStats();
      if (!stats) return;
      const info = selectedPair(await stats, this.now());
      if (!info || this.closed) return;
      if (info.remoteType === 'prflx' && !this.remoteDone) {
        this.prflxSince ??= this.now();
        if (this.now() - this.prflxSince < this.config.prflxSettleMs) {
          // maybe the signaled candidate is still on its way: look again shortly
          this.prflxTimer ??= setTimeout(() => {
            this.prflxTimer = null;
            void this.read();
          }, 100);
          return;
        }
      } else if (info.remoteType !== 'prflx') this.prflxSince = null;
      const prev = this.info;
      this.info = info;
      if (!prev || prev.type !== info.type || prev.localType !== info.localType || prev.remoteType !== info.remoteType || prev.relayProtocol !== info.relayProtocol) {
        this.history.push(info);
        this.events.emit('connection', info);
      }
    } catch {
      // the connection went away while reading: the next read will tell
    }
  }

  /** Stop reading. */
  close(): void {
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    if (this.prflxTimer !== null) clearTimeout(this.prflxTimer);
  }
}
