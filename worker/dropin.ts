/**
 * The drop-in worker bundle (built to one self-contained file): it loads the
 * game from an ES module URL given in the configuration (`gameUrl`). The
 * module exports the game as `default` or `game`, either a Game object or a
 * factory `(spec) => Game`. A `gameUrl` ending in `.py` (optionally
 * `#ClassName`) is a Python game, run with Pyodide loaded from
 * `config.pyodideUrl` (default: `pyodide/` next to this bundle).
 */
import { ErrorCode, NetrollError } from '../src/contracts/errors.ts';
import type { Game } from '../src/engine/game.ts';
import type { HostConfig } from './api.ts';
import { isPythonUrl, pythonGameFromUrl } from '../python/host.ts';
import { hostEngine } from './expose.ts';

function isGame(v: unknown): v is Game<unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const g = v as Partial<Game<unknown>>;
  return typeof g.init === 'function' && typeof g.step === 'function' && typeof g.save === 'function' && typeof g.load === 'function';
}

async function loadGame(config: HostConfig): Promise<Game<unknown>> {
  if (!config.gameUrl) throw new NetrollError(ErrorCode.InvalidOption, 'the drop-in worker needs `gameUrl`: the URL of an ES module exporting your game');
  if (isPythonUrl(config.gameUrl)) return pythonGameFromUrl(config, self.location.href);
  const mod = (await import(/* @vite-ignore */ config.gameUrl)) as { default?: unknown; game?: unknown };
  const exported = mod.default ?? mod.game;
  const game = typeof exported === 'function' ? (exported as (spec: string) => unknown)(config.game) : exported;
  if (!isGame(game)) {
    throw new NetrollError(ErrorCode.BadGame, `${config.gameUrl} does not export a netroll game (default or "game": an object with init/step/save/load, or a factory returning one)`);
  }
  return game;
}

hostEngine(loadGame);
