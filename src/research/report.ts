/**
 * The research report a peer uploads: everything a researcher needs to trust
 * and replay a session, from this peer's point of view. Reports are
 * cumulative (each one holds the whole session so far) except for the input
 * log, which may come as the range after the last acknowledged one
 * (`logFrom`); the newest report of a peer replaces the older ones, and a
 * repeated upload (same `uploadId`) is stored once. Shared by the browser (builds it) and the server (validates
 * it with the zod schema below).
 */
import { z } from 'zod';
import { CANDIDATE_TYPES, CONNECTION_TYPES, END_REASONS } from '../contracts/vocabulary.ts';
import { errorInfoSchema } from '../signaling/events.ts';

/** Largest accepted report body, bytes (an hour of 8 players × 16-byte inputs fits). */
export const MAX_REPORT_BYTES = 48 * 1024 * 1024;

/** When a report is made: at an episode end, at session end, or periodically in between. */
export const REPORT_KINDS = ['episode', 'final', 'partial'] as const;
/** One of {@link REPORT_KINDS}. */
export type ReportKind = (typeof REPORT_KINDS)[number];

const int = z.number().int();
const nonNegInt = int.nonnegative();
const finite = z.number().finite();

/** One change of a link's connection type (or of its route to or from the server relay). */
export const connectionChangeSchema = z.object({
  /** Page clock, ms since the session started (negative: while connecting, before it started). */
  at: finite,
  type: z.enum(CONNECTION_TYPES),
  localType: z.enum(CANDIDATE_TYPES).optional(),
  remoteType: z.enum(CANDIDATE_TYPES).optional(),
  relayProtocol: z.string().max(16).optional(),
  /** Why, when the change says more than its type: e.g. the link gave up restarting ICE and stays on the relay. */
  reason: z.string().max(200).optional(),
});

/** What a peer reports about its link to one other peer. */
export const linkReportSchema = z.object({
  peer: int.min(0).max(7),
  /** The link's connection type at report time (`relay-server` while the server relay carries the inputs). */
  connectionType: z.enum(CONNECTION_TYPES),
  relayProtocol: z.string().max(16).optional(),
  /** Every change of connection type (and of route to/from the server relay). */
  connectionHistory: z.array(connectionChangeSchema).max(10_000),
  rttMs: finite.nonnegative(),
  /** Recent link RTT samples, ms (`rttMs` is their median over the last window). */
  rttSamples: z.array(finite.nonnegative()).max(100_000),
  /** Fraction of link pings unanswered within a second, 0..1 (pings go on a reliable channel: stalls, not single lost packets). */
  loss: z.number().min(0).max(1),
  /** Engine packets this peer sent on the DataChannel (every input packet, plus the few other engine messages). */
  inputsViaP2P: nonNegInt,
  /** Engine packets this peer sent through the server relay. */
  inputsViaRelay: nonNegInt,
  relayFailovers: nonNegInt,
  relayRecoveries: nonNegInt,
  iceRestarts: nonNegInt,
});

/** Desync policies (see the engine's `desyncPolicy`). */
export const DESYNC_POLICIES = ['report', 'resync'] as const;
/** Most desync records a report carries. */
export const MAX_DESYNC_RECORDS = 100_000;
/** Most resync records a report carries. */
export const MAX_RESYNC_RECORDS = 10_000;
/** Most departure records a report carries (every other player of an 8-player session). */
export const MAX_DEPARTURE_RECORDS = 7;

/**
 * Most frame-clock samples a report carries: at one sample every 500 ms
 * (plus one at each visibility change), about 12 hours.
 */
export const MAX_FRAME_CLOCK_SAMPLES = 100_000;

/** How this peer's session ended (absent while it runs). */
export const sessionEndSchema = z.object({
  reason: z.enum(END_REASONS),
  /** The player whose departure (or hidden tab) ended it. */
  peer: int.min(0).max(7).optional(),
  /** The agreed frame it ended at, when there is one. */
  frame: nonNegInt.optional(),
});

/** One frame-clock sample: this peer's frame at `at` ms since its session started (the clock of `hiddenPeriods`). */
export const frameClockSampleSchema = z.object({ frame: nonNegInt, at: finite.nonnegative() });

/** A desync this peer saw, and the policy it applied. */
export const desyncRecordSchema = z.object({
  frame: nonNegInt,
  peer: int.min(0).max(7),
  localHash: nonNegInt,
  remoteHash: nonNegInt,
  /** `report`: recorded only; `resync`: a snapshot was also sent or loaded (see `resyncs`). Older reports: `report`. */
  policy: z.enum(DESYNC_POLICIES).default('report'),
});

/** A player who left, and the departure frame every remaining peer agreed on. */
export const departureRecordSchema = z.object({ player: int.min(0).max(7), frame: nonNegInt });

/** Most absence records a report carries (the engine keeps at most 1,024). */
export const MAX_ABSENCE_RECORDS = 1024;

/**
 * A player whose seat was kept while it was away (a cut, a reload, a free
 * seat before a late joiner): its input was neutral over `from..to − 1`
 * on every peer (`to` null: still absent when the report was made).
 */
export const absenceRecordSchema = z.object({ player: int.min(0).max(7), from: nonNegInt, to: nonNegInt.nullable() });

/** A resync snapshot this peer sent (`from` is itself) or loaded (`from` the authority), naming its frame. */
export const resyncRecordSchema = z.object({ frame: nonNegInt, from: int.min(0).max(7), bytes: nonNegInt });

/** A research report (see the module comment); the server validates every upload with it. */
export const reportSchema = z.object({
  /** Unique per upload attempt content: `${sessionId}:${playerIndex}:${seq}`. */
  uploadId: z.string().min(1).max(200),
  kind: z.enum(REPORT_KINDS),
  /** Upload sequence number of this peer (later reports supersede earlier ones). */
  seq: nonNegInt,
  sessionId: z.string().min(1).max(100),
  playerIndex: int.min(0).max(7),
  /** The per-participant token from the assignment. */
  reportToken: z.string().min(1).max(200),
  game: z.string().min(1).max(200),
  seed: nonNegInt.max(0xffff_ffff),
  players: int.min(1).max(8),
  /** Confirmed frames covered by the input log. */
  frames: nonNegInt,
  episodes: z.array(z.object({ episode: nonNegInt, startFrame: nonNegInt, endFrame: int.min(-1), seed: nonNegInt.max(0xffff_ffff) })).max(1_000_000),
  links: z.array(linkReportSchema).max(7),
  rollbacks: z.object({
    count: nonNegInt,
    /** depth → count */
    histogram: z.record(z.string().regex(/^\d+$/), nonNegInt),
    totalMs: finite.nonnegative(),
    maxDepth: nonNegInt,
  }),
  stalls: nonNegInt,
  desyncs: z.array(desyncRecordSchema).max(MAX_DESYNC_RECORDS),
  /** Players who left, with their agreed departure frames (older reports: none). */
  departures: z.array(departureRecordSchema).max(MAX_DEPARTURE_RECORDS).optional(),
  /** Absences (seat kept, neutral input) with their agreed frames: the gaps in a player's play (older reports: none). */
  absences: z.array(absenceRecordSchema).max(MAX_ABSENCE_RECORDS).optional(),
  /** Resync snapshots sent or loaded under the `resync` policy (older reports: none). */
  resyncs: z.array(resyncRecordSchema).max(MAX_RESYNC_RECORDS).optional(),
  /** How the session ended for this peer (absent while it runs; older reports: absent). */
  end: sessionEndSchema.optional(),
  /** Episodes this peer saw completed on the confirmed timeline (older reports: absent). */
  episodesCompleted: nonNegInt.optional(),
  /**
   * Frame-clock samples (frames non-decreasing): when this peer reached
   * which frame, so each frame of the export gets this player's wall-clock
   * time (interpolated) and its `focused` flag. Older reports: absent.
   */
  frameClock: z.array(frameClockSampleSchema).max(MAX_FRAME_CLOCK_SAMPLES).optional(),
  /** Periods the tab was hidden, ms since the session started (`end` null while still hidden). */
  hiddenPeriods: z.array(z.object({ start: finite, end: finite.nullable() })).max(100_000),
  /**
   * Confirmed state-hash samples. With `logFrom`, only those at frames from
   * `logFrom` on: the server keeps the earlier ones it holds, so these too
   * are sent once.
   */
  hashes: z.array(z.object({ frame: nonNegInt, hash: nonNegInt.max(0xffff_ffff) })).max(10_000_000),
  confirmedHash: z.object({ frame: nonNegInt, hash: nonNegInt.max(0xffff_ffff) }),
  /**
   * The confirmed input log (src/engine/input-log.ts), base64: the whole log,
   * or, when `logFrom` is set, only its frames from `logFrom` on (an input
   * log of its own, without departures: those are in `departures`).
   */
  inputLog: z.string().max(MAX_REPORT_BYTES),
  /**
   * Incremental upload: `inputLog` is the range starting at this frame (the
   * end of the last range the server acknowledged). The server appends it;
   * a re-sent range is a no-op, a gap or a disagreeing overlap is refused
   * with `conflict`. Absent: `inputLog` is the whole log.
   */
  logFrom: nonNegInt.optional(),
  /** Engine counters at report time (free-form numbers). */
  counters: z.record(z.string().max(64), finite),
  /** Client wall clock when the report was made (ISO 8601), informative only. */
  createdAt: z.string().max(64),
});

/** A research report (from {@link reportSchema}). */
export type SessionReport = z.infer<typeof reportSchema>;
/** How a session ended for one peer (from {@link sessionEndSchema}). */
export type SessionEnd = z.infer<typeof sessionEndSchema>;
/** One frame-clock sample (from {@link frameClockSampleSchema}). */
export type FrameClockSample = z.infer<typeof frameClockSampleSchema>;
/** One desync record (from {@link desyncRecordSchema}). */
export type DesyncRecord = z.infer<typeof desyncRecordSchema>;
/** One absence record (from {@link absenceRecordSchema}). */
export type AbsenceRecord = z.infer<typeof absenceRecordSchema>;
/** One departure record (from {@link departureRecordSchema}). */
export type DepartureRecord = z.infer<typeof departureRecordSchema>;
/** One resync record (from {@link resyncRecordSchema}). */
export type ResyncRecord = z.infer<typeof resyncRecordSchema>;
/** One link of a report (from {@link linkReportSchema}). */
export type LinkReportData = z.infer<typeof linkReportSchema>;
/** One connection change of a link (from {@link connectionChangeSchema}). */
export type ConnectionChange = z.infer<typeof connectionChangeSchema>;

/** The server's answer to an upload: stored (or a duplicate, or superseded), or refused with an {@link ErrorInfo}. */
export const reportAckSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), stored: z.boolean(), duplicate: z.boolean(), superseded: z.boolean() }),
  z.object({ ok: z.literal(false), error: errorInfoSchema }),
]);
/** The server's answer to an upload (from {@link reportAckSchema}). */
export type ReportAck = z.infer<typeof reportAckSchema>;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

/** Standard base64 (with padding). */
export function toBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]! + '=';
  }
  return out;
}

/** Decode standard base64; returns null for anything malformed (never throws). */
export function fromBase64(text: string): Uint8Array | null {
  if (text.length % 4 !== 0) return null;
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let k = 0; k < 4; k++) {
      const c = text.charCodeAt(i + k);
      const isPad = c === 61 && i + k >= text.length - pad;
      const v = isPad ? 0 : c < 128 ? LOOKUP[c]! : -1;
      if (v < 0) return null;
      n = (n << 6) | v;
    }
    if (o < out.length) out[o++] = (n >>> 16) & 0xff;
    if (o < out.length) out[o++] = (n >>> 8) & 0xff;
    if (o < out.length) out[o++] = n & 0xff;
  }
  return out;
}
