/**
 * Resume secrets: stateless, signed tokens that let a session member take
 * its seat back on a new connection — after a reconnect, a page reload or a
 * server restart. The server keeps nothing per token: everything needed to
 * re-create the session's registry entry (id, seed, players, room or queue,
 * creation time) is inside it, signed with HMAC-SHA-256 under the server's
 * resume key. A server restarted with the same key accepts the tokens the
 * previous process issued.
 *
 * Format: `v1.<base64url(JSON claims)>.<base64url(HMAC(key, "v1." + claims))>`.
 * The claims are readable by their holder (they hold nothing the member does
 * not already know from its assignment) but cannot be changed.
 *
 * Lifetime: a token is valid until its session's expiry (`createdAt +
 * sessionTtlMs`), never longer, and never once its seat left the session
 * explicitly (`leave`; see {@link RevokedSeats}).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ErrorCode, type ErrorInfo, MAX_NAME_LENGTH, MAX_RESUME_SECRET_LENGTH, MAX_SESSION_PLAYERS, MIN_SESSION_PLAYERS, type SpectatorMode } from '../src/signaling/events.ts';

/** Token format version (the prefix of every token). */
const VERSION = 'v1';

/** What a resume secret carries (and proves, once its signature checks). */
export interface ResumeClaims {
  /** Session id. */
  readonly sessionId: string;
  /** The seat: this member's player index. */
  readonly playerIndex: number;
  /** The session's game seed. */
  readonly seed: number;
  /** Every seated member when the token was issued, by index (client id and display name; `null`: a free seat). */
  readonly players: readonly ({ readonly clientId: string; readonly name: string } | null)[];
  /** Seats of the session (more than `players` lists when it has free seats for late joiners); default `players.length`. */
  readonly seats?: number;
  /** The seated members' spectator settings by index (`join`'s `spectators`), so a restarted server keeps them; default all `p2p`. */
  readonly spectators?: readonly SpectatorMode[];
  /** Where the session formed: `room:<name>` or `queue:<name>`. */
  readonly target: string;
  /** Session creation time, ms since the epoch. */
  readonly createdAt: number;
  /** The token is refused from this time on, ms since the epoch. */
  readonly expiresAt: number;
}

const claimsSchema = z
  .strictObject({
    s: z.string().min(1).max(100),
    i: z.number().int().min(0).max(MAX_SESSION_PLAYERS - 1),
    seed: z.number().int().min(0).max(0xffffffff),
    p: z
      .array(z.union([z.tuple([z.string().min(1).max(64), z.string().max(MAX_NAME_LENGTH)]), z.null()]))
      .min(MIN_SESSION_PLAYERS)
      .max(MAX_SESSION_PLAYERS),
    n: z.number().int().min(MIN_SESSION_PLAYERS).max(MAX_SESSION_PLAYERS).optional(),
    w: z.string().regex(/^[pso]{1,8}$/).optional(),
    t: z.string().min(1).max(200),
    c: z.number().int().nonnegative(),
    e: z.number().int().nonnegative(),
  })
  .refine((c) => c.i < c.p.length && c.p[c.i] !== null, 'seat out of range')
  .refine((c) => c.n === undefined || c.n >= c.p.length, 'seats out of range');

/** Spectator settings in a token: one character a seat. */
const MODE_CHAR: Readonly<Record<SpectatorMode, string>> = { p2p: 'p', server: 's', off: 'o' };
const CHAR_MODE: Readonly<Record<string, SpectatorMode>> = { p: 'p2p', s: 'server', o: 'off' };

/** Smallest resume key accepted, in bytes (as given: a string's UTF-8 bytes). */
export const MIN_RESUME_KEY_BYTES = 16;

/** Issues and checks resume secrets under one key. */
export class ResumeTokens {
  readonly #key: Buffer;

  /** @throws Error when `key` is shorter than {@link MIN_RESUME_KEY_BYTES}. */
  constructor(key: Buffer | string) {
    this.#key = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
    if (this.#key.length < MIN_RESUME_KEY_BYTES) throw new Error(`resume key: must be at least ${MIN_RESUME_KEY_BYTES} bytes`);
  }

  /** A fresh random key (for servers without a configured or stored one). */
  static generateKey(): Buffer {
    return randomBytes(32);
  }

  /** The signed token for `claims`. Deterministic: the same claims give the same token. */
  issue(claims: ResumeClaims): string {
    const body = Buffer.from(
      JSON.stringify({
        s: claims.sessionId,
        i: claims.playerIndex,
        seed: claims.seed,
        p: claims.players.map((p) => (p ? [p.clientId, p.name] : null)),
        ...(claims.seats !== undefined && claims.seats > claims.players.length ? { n: claims.seats } : {}),
        ...(claims.spectators?.some((m) => m !== 'p2p') ? { w: claims.spectators.map((m) => MODE_CHAR[m]).join('') } : {}),
        t: claims.target,
        c: claims.createdAt,
        e: claims.expiresAt,
      }),
      'utf8',
    ).toString('base64url');
    const token = `${VERSION}.${body}.${this.#sign(`${VERSION}.${body}`)}`;
    if (token.length > MAX_RESUME_SECRET_LENGTH) throw new Error(`resume token of ${token.length} characters exceeds ${MAX_RESUME_SECRET_LENGTH}`);
    return token;
  }

  /**
   * The claims of `token` when it is well formed, signed with this key and
   * not expired at `now`; else an `unauthorized` error saying which (never
   * revealing more than that).
   */
  verify(token: string, now: number): { ok: true; claims: ResumeClaims } | { ok: false; error: ErrorInfo } {
    const fail = (why: string) => ({ ok: false as const, error: { code: ErrorCode.Unauthorized, message: `resume: ${why}`, event: 'resume' } });
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== VERSION) return fail('not a resume secret of this server');
    const [, body, mac] = parts as [string, string, string];
    const expected = Buffer.from(this.#sign(`${VERSION}.${body}`));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return fail('the resume secret is not valid here');
    let raw: unknown;
    try {
      raw = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return fail('the resume secret is malformed');
    }
    const c = claimsSchema.safeParse(raw);
    if (!c.success) return fail('the resume secret is malformed');
    if (now >= c.data.e) return fail('the session has expired');
    return {
      ok: true,
      claims: {
        sessionId: c.data.s,
        playerIndex: c.data.i,
        seed: c.data.seed,
        players: c.data.p.map((p) => (p ? { clientId: p[0], name: p[1] } : null)),
        ...(c.data.n !== undefined ? { seats: c.data.n } : {}),
        ...(c.data.w !== undefined ? { spectators: [...c.data.w].map((ch) => CHAR_MODE[ch]!) } : {}),
        target: c.data.t,
        createdAt: c.data.c,
        expiresAt: c.data.e,
      },
    };
  }

  #sign(data: string): string {
    return createHmac('sha256', this.#key).update(data).digest('base64url');
  }
}

/**
 * Seats that left their session explicitly (`leave`): their resume secrets
 * are refused until the session expires. Bounded: at most `max` entries;
 * expired ones are pruned first, then the oldest. Held in memory: a server
 * restart forgets them (a seat that left can then resume until its session
 * expires, and the other members see it come back).
 */
export class RevokedSeats {
  readonly #seats = new Map<string, number>();

  constructor(private readonly max = 100_000) {}

  /** Entries held. */
  get size(): number {
    return this.#seats.size;
  }

  /** Refuses seat `index` of `sessionId` until `expiresAt` (ms since the epoch). */
  revoke(sessionId: string, index: number, expiresAt: number, now: number): void {
    if (this.#seats.size >= this.max) this.prune(now);
    if (this.#seats.size >= this.max) {
      const oldest = this.#seats.keys().next();
      if (!oldest.done) this.#seats.delete(oldest.value);
    }
    this.#seats.set(`${sessionId}:${index}`, expiresAt);
  }

  /** Whether seat `index` of `sessionId` is refused. */
  has(sessionId: string, index: number): boolean {
    return this.#seats.has(`${sessionId}:${index}`);
  }

  /** Forgets entries whose session expired. */
  prune(now: number): void {
    for (const [k, e] of this.#seats) if (e <= now) this.#seats.delete(k);
  }
}
