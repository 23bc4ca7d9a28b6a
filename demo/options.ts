/**
 * What the page was asked to do, from its URL:
 * - `?players=N` (2..8, default 2): play in the `arena-N` matchmaking queue;
 * - `?room=NAME&players=N`: wait in the named room for N players instead;
 * - `?engine=main`: run the engine on this page's main thread (default: a worker);
 * - `?game=py-slime`: play the Python example (slime volleyball, run by
 *   Pyodide in the engine worker) instead of the arena;
 * - `?server=URL`: a netroll server other than this page's origin.
 */

export type EngineChoice = 'worker' | 'main';

/** Games the demo offers: the arena (TypeScript) or the Python example. */
export type DemoGame = 'arena' | 'py-slime';

export interface DemoOptions {
  readonly players: number;
  /** The game (`?game=`); Python games always run in a worker. */
  readonly game: DemoGame;
  /** A named room, or null for the `arena-N` queue. */
  readonly room: string | null;
  readonly queue: string;
  readonly engine: EngineChoice;
  readonly server: string | undefined;
}

/** Frames per round: a minute at 60 Hz (the arena's default is 20 s, short for people finding their feet). */
export const ROUND_FRAMES = 3600;
/** The arena spec every arena page of the demo plays (peers must agree on it). */
export const GAME_SPEC = `arena?episodeFrames=${ROUND_FRAMES}`;

/** The spec of the demo's game (peers agree on it through their queue or room). */
export function gameSpec(o: DemoOptions): string {
  return o.game === 'arena' ? GAME_SPEC : `${o.game}?episode_frames=${ROUND_FRAMES}`;
}

export const MIN_PLAYERS = 2;
export const MAX_PLAYERS = 8;

/** Room names the server accepts are short and printable; keep the demo's simpler still. */
const ROOM_PATTERN = /^[A-Za-z0-9_-]{1,40}$/;

export function parseOptions(search: string): DemoOptions {
  const q = new URLSearchParams(search);
  const n = Number(q.get('players') ?? '2');
  const players = Number.isInteger(n) ? Math.min(MAX_PLAYERS, Math.max(MIN_PLAYERS, n)) : MIN_PLAYERS;
  const roomParam = q.get('room');
  const room = roomParam !== null && ROOM_PATTERN.test(roomParam) ? roomParam : null;
  const server = q.get('server') ?? undefined;
  const game: DemoGame = q.get('game') === 'py-slime' ? 'py-slime' : 'arena';
  return {
    players,
    game,
    room,
    queue: `${game}-${players}`,
    engine: q.get('engine') === 'main' && game === 'arena' ? 'main' : 'worker',
    server: server === '' ? undefined : server,
  };
}

/** This page's URL with some options changed (used by the room and engine links). */
export function hrefWith(location: Location, change: { players?: number; room?: string | null; engine?: EngineChoice; game?: DemoGame }): string {
  const url = new URL(location.href);
  const q = url.searchParams;
  if (change.players !== undefined) {
    if (change.players === MIN_PLAYERS) q.delete('players');
    else q.set('players', String(change.players));
  }
  if (change.room !== undefined) {
    if (change.room === null) q.delete('room');
    else q.set('room', change.room);
  }
  if (change.game !== undefined) {
    if (change.game === 'arena') q.delete('game');
    else q.set('game', change.game);
  }
  if (change.engine !== undefined) {
    if (change.engine === 'worker') q.delete('engine');
    else q.set('engine', change.engine);
  }
  url.search = q.toString();
  return url.href;
}

/** Where this page waits, in words. */
export function describeGroup(o: DemoOptions): string {
  return o.room !== null ? `room “${o.room}” (${o.players} players)` : `the ${o.players}-player queue`;
}
