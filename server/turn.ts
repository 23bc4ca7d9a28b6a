/**
 * TURN REST credentials for coturn's `use-auth-secret` mode
 * (draft-uberti-behave-turn-rest): each client gets a username that embeds
 * an expiry and an HMAC of it; coturn recomputes the HMAC with the shared
 * secret. The secret itself never leaves the server.
 */
import { createHmac } from 'node:crypto';
import type { IceServer } from '../src/signaling/events.ts';

/** A time-limited TURN username/credential pair. */
export interface TurnCredentials {
  /** `${expiryUnixSeconds}:${userId}`. */
  readonly username: string;
  /** base64(HMAC-SHA1(secret, username)). */
  readonly credential: string;
  /** Expiry, Unix seconds. */
  readonly expiresAt: number;
}

/** What {@link iceServersFor} needs from the server configuration. */
export interface IceConfig {
  readonly turnSecret?: string;
  readonly turnUrls: readonly string[];
  readonly turnTtl: number;
  readonly stunUrls: readonly string[];
}

/** Default credential lifetime, in seconds. */
export const DEFAULT_TURN_TTL = 3600;

/**
 * Makes coturn REST credentials for `userId`, valid for `ttlSeconds` from
 * `nowMs`. `userId` must not contain `:`.
 */
export function turnCredentials(
  secret: string,
  userId: string,
  ttlSeconds: number = DEFAULT_TURN_TTL,
  nowMs: number = Date.now(),
): TurnCredentials {
  if (userId.includes(':')) throw new Error('TURN user id must not contain ":"');
  const expiresAt = Math.floor(nowMs / 1000) + ttlSeconds;
  const username = `${expiresAt}:${userId}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential, expiresAt };
}

/**
 * The TURN user id of a session seat: made by the server, never by the client,
 * so two sessions never share a TURN identity (coturn quotas such as
 * `user-quota` count per user) and the logs say which session used the relay.
 */
export function turnUserId(sessionId: string, playerIndex: number): string {
  return `s-${sessionId.replace(/[^A-Za-z0-9-]/g, '')}-p${playerIndex}`;
}

/** Whether `config` has TURN configured (a secret and at least one url). */
export function turnEnabled(config: IceConfig): boolean {
  return config.turnSecret !== undefined && config.turnSecret !== '' && config.turnUrls.length > 0;
}

/**
 * The ICE servers for one client: the STUN urls (if any), then, when TURN is
 * configured, the TURN urls with fresh credentials for `userId`.
 */
export function iceServersFor(
  config: IceConfig,
  userId: string,
  nowMs: number = Date.now(),
): { iceServers: IceServer[]; turn: boolean; expiresAt?: number } {
  const iceServers: IceServer[] = [];
  if (config.stunUrls.length > 0) iceServers.push({ urls: [...config.stunUrls] });
  if (!turnEnabled(config) || config.turnSecret === undefined) return { iceServers, turn: false };
  const { username, credential, expiresAt } = turnCredentials(config.turnSecret, userId, config.turnTtl, nowMs);
  iceServers.push({ urls: [...config.turnUrls], username, credential });
  return { iceServers, turn: true, expiresAt };
}
