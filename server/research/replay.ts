/**
 * Replay a stored session: re-run each peer's confirmed input log through
 * the game in Node and compare the final state hash with the one the peer
 * reported for the same frame.
 */
import { decodeInputLog, replay } from '../../src/engine/input-log.ts';
import { gameFromSpec } from '../../src/games/index.ts';
import type { ResearchStore } from './store.ts';

export interface ReplayCheck {
  readonly playerIndex: number;
  readonly game: string;
  readonly frames: number;
  readonly replayedHash: number;
  readonly reportedHash: number | null;
  readonly reportedFrame: number | null;
  /** True when the replayed hash equals the reported one for the same frame. */
  readonly match: boolean;
}

export function replaySession(store: ResearchStore, sessionId: string): ReplayCheck[] {
  if (!store.session(sessionId)) throw new Error(`no session ${sessionId} in the store`);
  const logs = store.inputLogs(sessionId);
  if (logs.length === 0) throw new Error(`session ${sessionId} has no stored input log yet`);
  return logs.map((l) => {
    const decoded = decodeInputLog(l.log);
    if (!decoded.ok) throw new Error(`session ${sessionId}, player ${l.playerIndex}: ${decoded.error.message}`);
    const r = replay(decoded.log, gameFromSpec);
    return {
      playerIndex: l.playerIndex,
      game: decoded.log.spec,
      frames: r.frames,
      replayedHash: r.finalHash,
      reportedHash: l.confirmedHash,
      reportedFrame: l.confirmedHashFrame,
      match: l.confirmedHash !== null && l.confirmedHashFrame === r.frames && l.confirmedHash === r.finalHash,
    };
  });
}
