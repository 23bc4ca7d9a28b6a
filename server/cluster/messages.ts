/**
 * Messages between the nodes of a cluster (socket.io `serverSideEmit`
 * through the Redis adapter). Checked on receipt like any input: a malformed
 * one is counted and dropped.
 */
import { z } from 'zod';
import { MAX_SESSION_PLAYERS, playerIndexSchema, playerInfoSchema, SPECTATOR_MODES } from '../../src/signaling/events.ts';

/** A group formed on one node; every node seats its own members of it. */
export const sessionFormedSchema = z.object({
  session: z.object({
    id: z.string().min(1).max(64),
    seed: z.number().int().nonnegative().max(0xffff_ffff),
    createdAt: z.number().finite(),
    target: z.string().max(256),
    /** null: no expiry. */
    expiresAt: z.number().finite().nullable(),
    players: z.array(playerInfoSchema).min(1).max(MAX_SESSION_PLAYERS),
  }),
  seats: z
    .array(z.object({ index: playerIndexSchema, socketId: z.string().min(1).max(64), spectators: z.enum(SPECTATOR_MODES).optional() }))
    .max(MAX_SESSION_PLAYERS),
});
/** See {@link sessionFormedSchema}. */
export type SessionFormed = z.infer<typeof sessionFormedSchema>;

/** A seat was taken (resumed) by a connection on some node: any other connection holding it loses it. */
export const seatBoundSchema = z.object({ sessionId: z.string().min(1).max(64), index: playerIndexSchema, socketId: z.string().min(1).max(64) });

/** Events between nodes. */
export interface InterNodeEvents {
  'netroll:formed': (message: unknown) => void;
  'netroll:seat-bound': (message: unknown) => void;
}

/** The socket.io room of seat `index` of `sessionId` (its connection joins it, on whichever node). */
export function seatRoom(sessionId: string, index: number): string {
  return `seat:${sessionId}:${index}`;
}
