/** The session tag a networked session's packets carry, from the server's session id. No DOM. */

/**
 * The session tag (uint8) of a server session: FNV-1a of its id. Every
 * member gets the same id, so every peer computes the same tag, and packets
 * of an earlier session on the same route are dropped as stale.
 */
export function sessionTagFromId(sessionId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < sessionId.length; i++) {
    h ^= sessionId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h ^= h >>> 8;
  return h & 0xff;
}
