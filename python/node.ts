/**
 * Python games in Node: resolve `py-NAME` / `py:PATH` specs from disk with
 * the `pyodide` package, for everything that replays (sync test, soak,
 * server replay and export). Not part of the browser entry.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NetrollError } from '../src/contracts/errors.ts';
import type { Game } from '../src/engine/game.ts';
import { asGame, pyodideGame, type PythonGame } from './game.ts';
import { parsePythonSpec, isPythonSpec } from './spec.ts';

/** The example games shipped with netroll (`py-slime`). */
export const EXAMPLES_DIR = fileURLToPath(new URL('../examples/python/', import.meta.url));

/** Options of {@link pythonGameFromSpec}. */
export interface NodePythonOptions {
  /** Directories searched for `NAME.py` (a `py-NAME` spec), in order. Default: the examples directory. */
  dirs?: readonly string[];
}

/**
 * Load the Python game a spec names, with the `pyodide` package.
 * @throws NetrollError `bad-game` when the spec is malformed or the file is missing.
 */
export async function pythonGameFromSpec(spec: string, options: NodePythonOptions = {}): Promise<PythonGame> {
  const parsed = parsePythonSpec(spec);
  if (parsed.kind === 'path') {
    const path = resolve(parsed.path);
    if (!existsSync(path)) throw new NetrollError('bad-game', `${spec}: no such file ${path}`);
    return pyodideGame({ url: path, spec, ...(parsed.className !== undefined ? { className: parsed.className } : {}) });
  }
  const dirs = options.dirs ?? [EXAMPLES_DIR];
  const file = dirs.map((d) => join(d, `${parsed.name}.py`)).find((f) => existsSync(f));
  if (!file) throw new NetrollError('bad-game', `${spec}: no ${parsed.name}.py in ${dirs.join(', ')}`);
  return pyodideGame({ url: file, spec, moduleName: parsed.name, params: parsed.params });
}

/**
 * A synchronous resolver for `specs` (as `replay` and the research export
 * need): Python specs are loaded first; every other spec goes to
 * `fallback` (e.g. `gameFromSpec`).
 */
export async function preloadGames(
  specs: Iterable<string>,
  fallback: (spec: string) => Game<unknown>,
  options: NodePythonOptions = {},
): Promise<(spec: string) => Game<unknown>> {
  const loaded = new Map<string, Game<unknown>>();
  for (const spec of new Set(specs)) {
    if (isPythonSpec(spec)) loaded.set(spec, asGame(await pythonGameFromSpec(spec, options)));
  }
  return (spec) => loaded.get(spec) ?? fallback(spec);
}
