/**
 * Admin token check for `/admin` and `/api/`: `Authorization: Bearer <token>`
 * or `?token=<token>` (so the dashboard opens from a link). Constant-time.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A fresh random admin token (URL-safe). */
export function generateAdminToken(): string {
  return randomBytes(24).toString('base64url');
}

export function hasAdminToken(req: IncomingMessage, url: URL, token: string): boolean {
  const header = req.headers.authorization;
  const given = header?.startsWith('Bearer ') ? header.slice(7).trim() : url.searchParams.get('token');
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
