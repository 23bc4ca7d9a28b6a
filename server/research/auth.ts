/**
 * Admin authentication for `/admin` and `/api/`: `Authorization: Bearer
 * <token>` (scripts, curl) or a session cookie made by `POST /admin/login`
 * (the dashboard). The token is never accepted in a query string: URLs end up
 * in logs, histories and Referer headers. Comparisons are constant-time.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A fresh random admin token (URL-safe). */
export function generateAdminToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Name of the dashboard's session cookie. */
export const ADMIN_COOKIE = 'netroll_admin';
/** Lifetime of a dashboard session, ms. */
export const ADMIN_SESSION_MS = 12 * 3600_000;
/** Most dashboard sessions kept at once (the oldest is dropped first). */
export const MAX_ADMIN_SESSIONS = 64;

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The bearer token of a request's `Authorization` header, if any. */
export function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}

/** The value of cookie `name` in a request, if any. */
export function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Checks the admin token and the dashboard's session cookies. */
export class AdminAuth {
  /** Session id → expiry (ms); bounded by {@link MAX_ADMIN_SESSIONS}. */
  readonly #sessions = new Map<string, number>();

  constructor(
    private readonly token: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `given` is the admin token. */
  isToken(given: string | undefined): boolean {
    return given !== undefined && given !== '' && equal(given, this.token);
  }

  /** Whether the request carries the token (header) or a live session cookie. */
  allows(req: IncomingMessage): boolean {
    if (this.isToken(bearer(req))) return true;
    const id = cookie(req, ADMIN_COOKIE);
    if (id === undefined) return false;
    const t = this.now();
    for (const [sid, expires] of this.#sessions) {
      if (expires <= t) this.#sessions.delete(sid);
      else if (equal(sid, id)) return true;
    }
    return false;
  }

  /** A new session; returns the `Set-Cookie` header value. */
  login(secure: boolean): string {
    while (this.#sessions.size >= MAX_ADMIN_SESSIONS) this.#sessions.delete(this.#sessions.keys().next().value!);
    const id = randomBytes(32).toString('base64url');
    this.#sessions.set(id, this.now() + ADMIN_SESSION_MS);
    return `${ADMIN_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${ADMIN_SESSION_MS / 1000}${secure ? '; Secure' : ''}`;
  }

  /** Ends the session of the request's cookie; returns a `Set-Cookie` value that clears it. */
  logout(req: IncomingMessage): string {
    const id = cookie(req, ADMIN_COOKIE);
    if (id !== undefined) this.#sessions.delete(id);
    return `${ADMIN_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;
  }
}
