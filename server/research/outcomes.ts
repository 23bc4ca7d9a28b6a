/**
 * Outcome columns: replay a session's confirmed input log and keep what the
 * game's `record()` says at the end of every episode (Python games; e.g. the
 * score, the winner, touches). One row per episode, one column per key, so
 * pandas or R load it without cleaning. The last, unfinished episode is
 * included with `complete` 0.
 */
import type { Game } from '../../src/engine/game.ts';
import { decodeInputLog } from '../../src/engine/input-log.ts';
import { Simulation } from '../../src/engine/simulation.ts';
import { gameFromSpec } from '../../src/games/index.ts';
import { type GameSources, resolveGames } from './games.ts';
import type { ResearchStore } from './store.ts';

/** One episode's outcome. */
export interface OutcomeRow {
  session_id: string;
  episode: number;
  start_frame: number;
  /** Last frame of the episode (inclusive). */
  end_frame: number;
  /** 1 when the episode ended within the log, 0 for the running one. */
  complete: number;
  /** The game's `record()` keys: numbers and strings as they are, anything else as JSON. */
  [column: string]: number | string;
}

/** A game that can say what an episode's outcome was. */
export interface RecordingGame<S> extends Game<S> {
  record(state: S): unknown;
}

function hasRecord(game: Game<unknown>): game is RecordingGame<unknown> {
  const g = game as Partial<RecordingGame<unknown>> & { hasRecord?: boolean };
  return typeof g.record === 'function' && g.hasRecord !== false;
}

function columns(recorded: unknown): Record<string, number | string> {
  if (typeof recorded !== 'object' || recorded === null || Array.isArray(recorded)) return { outcome: JSON.stringify(recorded) };
  const out: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(recorded).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out[k] = typeof v === 'number' || typeof v === 'string' ? v : typeof v === 'boolean' ? Number(v) : JSON.stringify(v);
  }
  return out;
}

/**
 * Outcome rows of a session from its longest stored log, with a
 * synchronous resolver (empty when the game has no `record()`).
 */
export async function outcomeRows(store: ResearchStore, sessionId: string, resolveGame: (spec: string) => Game<unknown> = gameFromSpec): Promise<OutcomeRow[]> {
  const logs = await store.inputLogs(sessionId);
  if (logs.length === 0) return [];
  const longest = logs.reduce((a, b) => (b.frames > a.frames ? b : a));
  const decoded = decodeInputLog(longest.log);
  if (!decoded.ok) throw new Error(`session ${sessionId}: stored log of player ${longest.playerIndex}: ${decoded.error.message}`);
  const { log } = decoded;
  const game = resolveGame(log.spec);
  if (!hasRecord(game) || !game.isEpisodeOver) return [];
  const rows: OutcomeRow[] = [];
  let frame = 0;
  let episode = 0;
  let start = 0;
  const push = (state: unknown, complete: boolean) => {
    rows.push({ session_id: sessionId, episode, start_frame: start, end_frame: frame, complete: complete ? 1 : 0, ...columns(game.record(state)) });
  };
  // The engine's Simulation starts the next episode inside step(); catch the state just before that.
  const watched: Game<unknown> = {
    ...game,
    isEpisodeOver: (state) => {
      const over = game.isEpisodeOver!(state);
      if (over) {
        push(state, true);
        episode++;
        start = frame + 1;
      }
      return over;
    },
  };
  const sim = new Simulation(watched, log.seed, log.players);
  const stride = log.players * log.inputSize;
  for (frame = 0; frame < log.frames; frame++) sim.step(log.inputs.subarray(frame * stride, (frame + 1) * stride), frame);
  if (log.frames > start) {
    frame = log.frames - 1;
    push(sim.state, false);
  }
  return rows;
}

/** {@link outcomeRows} for any game: drop-in modules and Python games are found as for replay ({@link resolveGames}). */
export async function exportOutcomes(store: ResearchStore, sessionId: string, sources: GameSources = {}): Promise<OutcomeRow[]> {
  const specs = (await store.inputLogs(sessionId)).flatMap((l) => {
    const d = decodeInputLog(l.log);
    return d.ok ? [d.log.spec] : [];
  });
  return outcomeRows(store, sessionId, await resolveGames(specs, sources));
}
