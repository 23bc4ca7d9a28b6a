/**
 * One way to find a stored session's game, for `npx netroll replay`, the
 * exports and the admin API alike: drop-in game modules first (ES modules
 * exporting a game as `default` or `game`, or a factory `(spec) => Game`,
 * as the drop-in worker loads them), then Python games (`py-NAME`,
 * `py:PATH`, through Pyodide), then the registered games (`gameFromSpec`).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Game } from '../../src/engine/game.ts';
import { gameFromSpec } from '../../src/games/index.ts';

/** Where games come from besides the registered ones. */
export interface GameSources {
  /** Paths of drop-in game modules (`.js`/`.mjs`; `.ts` when run from source). */
  readonly modules?: readonly string[];
  /** Where `py-NAME` finds `NAME.py` (default: the examples). */
  readonly pythonDirs?: readonly string[];
}

/** Resolves a spec to its game. Throws for a spec no source knows. */
export type GameResolver = (spec: string) => Game<unknown>;

/** The name of a spec (`arena@1?coins=3` → `arena`). */
export function specName(spec: string): string {
  return spec.split(/[@?]/, 1)[0]!;
}

function isGame(v: unknown): v is Game<unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const g = v as Partial<Record<keyof Game<unknown>, unknown>>;
  return typeof g.spec === 'string' && typeof g.inputSize === 'number' && ['init', 'step', 'save', 'load'].every((k) => typeof g[k as keyof Game<unknown>] === 'function');
}

/** The game module at `path`'s export: a game, or a factory of games. */
async function loadModule(path: string): Promise<Game<unknown> | ((spec: string) => unknown)> {
  let mod: { default?: unknown; game?: unknown };
  try {
    mod = (await import(pathToFileURL(resolve(path)).href)) as { default?: unknown; game?: unknown };
  } catch (e) {
    throw new Error(`game module ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const exported = mod.default ?? mod.game;
  if (typeof exported === 'function') return exported as (spec: string) => unknown;
  if (isGame(exported)) return exported;
  throw new Error(`game module ${path} does not export a netroll game (default or "game": an object with init/step/save/load, or a factory returning one)`);
}

/**
 * A synchronous resolver for `specs`: each is looked up in the drop-in
 * modules (a game whose spec has the same name, or what a factory returns
 * for it), then loaded as a Python game, then from the registry.
 */
export async function resolveGames(specs: Iterable<string>, sources: GameSources = {}): Promise<GameResolver> {
  const unique = [...new Set(specs)];
  const loaded = new Map<string, Game<unknown>>();
  const modules = await Promise.all((sources.modules ?? []).map(loadModule));
  for (const spec of unique) {
    for (const m of modules) {
      let game: unknown = m;
      if (typeof m === 'function') {
        try {
          game = m(spec);
        } catch {
          continue; // this factory does not make that game
        }
      }
      if (isGame(game) && specName(game.spec) === specName(spec)) {
        loaded.set(spec, game);
        break;
      }
    }
  }
  const python = unique.filter((s) => !loaded.has(s) && (s.startsWith('py-') || s.startsWith('py:')));
  let fallback: GameResolver = gameFromSpec;
  if (python.length > 0) {
    const { preloadGames } = await import('../../python/node.ts');
    fallback = await preloadGames(python, gameFromSpec, sources.pythonDirs ? { dirs: sources.pythonDirs } : {});
  }
  return (spec) => loaded.get(spec) ?? fallback(spec);
}

/**
 * Like {@link resolveGames}, for the exports: when a source fails to load
 * (a bad module, Pyodide missing) the export still runs with the games that
 * do load, and `onError` hears why (their outcome columns stay empty).
 */
export async function exportResolver(specs: Iterable<string | null>, sources: GameSources, onError: (message: string) => void): Promise<GameResolver> {
  const list = [...specs].filter((s): s is string => s !== null);
  try {
    return await resolveGames(list, sources);
  } catch (e) {
    onError(e instanceof Error ? e.message : String(e));
    return gameFromSpec;
  }
}
