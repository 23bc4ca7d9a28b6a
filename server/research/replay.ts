/**
 * Replay a stored session: re-run each peer's confirmed input log through
 * the game in Node and compare the final state hash with the one the peer
 * reported for the same frame.
 */
import type { Game } from '../../src/engine/game.ts';
import { decodeInputLog, replay } from '../../src/engine/input-log.ts';
import { gameFromSpec } from '../../src/games/index.ts';
import { type GameSources, resolveGames } from './games.ts';
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

/** Replay with a synchronous resolver (built-in games by default; see {@link replaySessionAsync} for Python games). */
export async function replaySession(store: ResearchStore, sessionId: string, resolveGame: (spec: string) => Game<unknown> = gameFromSpec): Promise<ReplayCheck[]> {
  if (!(await store.session(sessionId))) throw new Error(`no session ${sessionId} in the store`);
  const logs = await store.inputLogs(sessionId);
  if (logs.length === 0) throw new Error(`session ${sessionId} has no stored input log yet`);
  return logs.map((l) => {
    const decoded = decodeInputLog(l.log);
    if (!decoded.ok) throw new Error(`session ${sessionId}, player ${l.playerIndex}: ${decoded.error.message}`);
    const r = replay(decoded.log, resolveGame);
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

/** The specs of a session's stored logs (undecodable logs are skipped). */
export async function sessionSpecs(store: ResearchStore, sessionId: string): Promise<string[]> {
  return (await store.inputLogs(sessionId)).flatMap((l) => {
    const d = decodeInputLog(l.log);
    return d.ok ? [d.log.spec] : [];
  });
}

/**
 * Replay a session whose game may come from a drop-in module or be written
 * in Python (`py-NAME`, `py:PATH`: loaded through Pyodide, the `pyodide`
 * package must be installed); games are found as for the exports
 * ({@link resolveGames}), then the replay runs as for any game.
 */
export async function replaySessionAsync(store: ResearchStore, sessionId: string, sources: GameSources = {}): Promise<ReplayCheck[]> {
  if (!(await store.session(sessionId))) throw new Error(`no session ${sessionId} in the store`);
  return replaySession(store, sessionId, await resolveGames(await sessionSpecs(store, sessionId), sources));
}
