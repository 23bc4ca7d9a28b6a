/**
 * A valid final research report of one seat, for tests and benchmarks that
 * store or upload reports without playing a game: an input log of `frames`
 * frames and empty statistics. Every part an attack or a check needs to
 * change can be overridden.
 */
import { encodeInputLog } from '../src/engine/input-log.ts';
import { toBase64, type SessionReport } from '../src/research/report.ts';

/** The seat a report is for (an `Assignment` is one). */
export interface ReportSeat {
  readonly sessionId: string;
  readonly playerIndex: number;
  /** The upload token of the seat (the assignment's, or the store's `reportToken`). */
  readonly reportToken?: string;
  readonly seed: number;
}

/** What to change in the report. */
export interface ReportOptions {
  /** Frames in the report and its log. Default 60. */
  frames?: number;
  /** Players the report claims. Default 2. */
  players?: number;
  /** Players in the input log. Default `players`. */
  logPlayers?: number;
  /** The report's game. Default `arena`. */
  game?: string;
  /** The game the log names. Default `game`. */
  logGame?: string;
  /** The report's seed. Default the seat's. */
  seed?: number;
  /** The seed the log names. Default the seat's. */
  logSeed?: number;
  /** Upload sequence number. Default 0. */
  seq?: number;
  /** The input byte at index `i` of the log (frame-major, player-minor). Default 0. */
  input?: (i: number) => number;
  /** Base64 text sent as the log instead of the encoded one. */
  inputLog?: string;
  /** The token sent, when the seat has none or an attack sends another. */
  reportToken?: string;
}

/** A final report for `seat`; see the file comment. */
export function finalReport(seat: ReportSeat, o: ReportOptions = {}): SessionReport {
  const frames = o.frames ?? 60;
  const players = o.players ?? 2;
  const logPlayers = o.logPlayers ?? players;
  const game = o.game ?? 'arena';
  const inputs = new Uint8Array(frames * logPlayers);
  if (o.input) for (let i = 0; i < inputs.length; i++) inputs[i] = o.input(i) & 0xff;
  const seq = o.seq ?? 0;
  const reportToken = o.reportToken ?? seat.reportToken;
  if (reportToken === undefined) throw new Error(`finalReport: seat ${seat.sessionId}:${seat.playerIndex} has no report token`);
  const log = o.inputLog ?? toBase64(encodeInputLog({ spec: o.logGame ?? game, seed: o.logSeed ?? seat.seed, players: logPlayers, inputSize: 1, frames, inputs }));
  return {
    uploadId: `${seat.sessionId}:${seat.playerIndex}:${seq}`,
    kind: 'final',
    seq,
    sessionId: seat.sessionId,
    playerIndex: seat.playerIndex,
    reportToken,
    game,
    seed: o.seed ?? seat.seed,
    players,
    frames,
    episodes: [],
    links: [],
    rollbacks: { count: 0, histogram: {}, totalMs: 0, maxDepth: 0 },
    stalls: 0,
    desyncs: [],
    hiddenPeriods: [],
    hashes: [],
    confirmedHash: { frame: frames, hash: 1 },
    inputLog: log,
    counters: {},
    createdAt: new Date().toISOString(),
  };
}
