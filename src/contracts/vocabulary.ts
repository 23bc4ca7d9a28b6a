/**
 * The shared vocabulary: literal unions that more than one layer speaks.
 * Each is defined once here, as a `const` tuple (for zod enums and runtime
 * checks) and the union type derived from it.
 *
 * Pure TypeScript: no DOM, worker or Node globals.
 */

/** ICE candidate types, as `getStats()` reports them. */
export const CANDIDATE_TYPES = ['host', 'srflx', 'prflx', 'relay'] as const;
/** An ICE candidate type. */
export type CandidateType = (typeof CANDIDATE_TYPES)[number];

/**
 * How a link's packets travel: an ICE candidate type for a DataChannel,
 * `relay-server` while the server's socket.io relay carries them, `unknown`
 * before anything is known.
 */
export const CONNECTION_TYPES = [...CANDIDATE_TYPES, 'relay-server', 'unknown'] as const;
/** One of {@link CONNECTION_TYPES}. */
export type ConnectionType = (typeof CONNECTION_TYPES)[number];

/** Which path a link's packets take: the DataChannel, or the server relay. */
export const ROUTES = ['p2p', 'relay'] as const;
/** One of {@link ROUTES}. */
export type Route = (typeof ROUTES)[number];

/** A remote peer's state as the transport sees it. */
export const PEER_STATUSES = ['connecting', 'connected', 'interrupted', 'disconnected'] as const;
/** One of {@link PEER_STATUSES}. */
export type PeerStatus = (typeof PEER_STATUSES)[number];

/** Link health, from RTT: `warning` at 150 ms, `critical` at 300 ms (defaults). */
export const HEALTH_LEVELS = ['ok', 'warning', 'critical'] as const;
/** One of {@link HEALTH_LEVELS}. */
export type HealthLevel = (typeof HEALTH_LEVELS)[number];

/**
 * Why a session ended, for one player (its research row stores it as
 * `end_reason`): `completed` (it reached its end: `endFrame`, the episodes),
 * `peer-left` (another player left it, e.g. closed the page, and too few
 * remained), `peer-disconnected` (another player's connection was lost and
 * too few remained), `closed` (this player closed it), `server-lost` (this
 * player's server connection dropped before it reported an end),
 * `focus-timeout` (a player's tab stayed hidden too long), `error`.
 */
export const END_REASONS = ['completed', 'peer-disconnected', 'peer-left', 'closed', 'server-lost', 'focus-timeout', 'error'] as const;
/** One of {@link END_REASONS}. */
export type EndReason = (typeof END_REASONS)[number];

/**
 * Why the engine holds every peer at an agreed frame (see
 * `src/engine/pause.ts`): a player's page is hidden, a between-round
 * countdown, an absent (disconnected) player, a session that ends because a
 * player stayed hidden too long, or the application's own reason. The wire
 * and the input log carry the index into this tuple: append only.
 */
export const PAUSE_REASONS = ['peer-hidden', 'countdown', 'absent', 'focus-timeout', 'host'] as const;
/** One of {@link PAUSE_REASONS}. */
export type PauseReason = (typeof PAUSE_REASONS)[number];

/**
 * The connection type a link reports, from its route and its last reading:
 * `relay-server` on the relay, else the DataChannel's candidate type, else
 * `unknown`. The one place this mapping is written.
 */
export function connectionTypeOf(route: Route, candidate: CandidateType | undefined): ConnectionType {
  if (route === 'relay') return 'relay-server';
  return candidate ?? 'unknown';
}
