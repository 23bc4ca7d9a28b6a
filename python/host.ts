/**
 * Python games inside an engine worker: what the built-in worker and the
 * drop-in bundle call when the configuration names a Python game.
 */
import { NetrollError } from '../src/contracts/errors.ts';
import type { Game } from '../src/engine/game.ts';
import type { HostConfig } from '../worker/api.ts';
import { asGame, pyodideGame } from './game.ts';
import { loadPython } from './loader.ts';
import { parsePythonSpec } from './spec.ts';

export { isPythonUrl } from './spec.ts';

/** The Pyodide directory a host uses: `config.pyodideUrl`, else `pyodide/` next to the worker script. */
export function pyodideUrlFor(config: HostConfig, workerUrl: string): string {
  return new URL(config.pyodideUrl ?? 'pyodide/', workerUrl).href;
}

/**
 * The game for a host configuration whose `gameUrl` is a `.py` file: the
 * class is named by the URL's fragment (`slime.py#SlimeVolley`) or by the
 * module's `netroll_game`; the spec is `config.game`.
 */
export async function pythonGameFromUrl(config: HostConfig, workerUrl: string): Promise<Game<unknown>> {
  const url = new URL(config.gameUrl!, workerUrl);
  const className = url.hash.length > 1 ? url.hash.slice(1) : undefined;
  url.hash = '';
  return asGame(
    await pyodideGame({
      url: url.href,
      spec: config.game,
      ...(className !== undefined ? { className } : {}),
      python: { indexURL: pyodideUrlFor(config, workerUrl) },
    }),
  );
}

/**
 * The game for a `py-NAME?k=v` spec from a table of Python sources (module
 * name → source text), e.g. bundled with `import src from './x.py?raw'`.
 */
export async function pythonGameFromSources(config: HostConfig, sources: Readonly<Record<string, string>>, workerUrl: string): Promise<Game<unknown>> {
  const parsed = parsePythonSpec(config.game);
  if (parsed.kind !== 'named') throw new NetrollError('bad-game', `${config.game}: a worker cannot read files; give gameUrl or a py-NAME spec`);
  const source = sources[parsed.name];
  if (source === undefined) {
    throw new NetrollError('bad-game', `${config.game}: no Python game "${parsed.name}" in this worker (known: ${Object.keys(sources).join(', ') || 'none'})`);
  }
  return asGame(
    await pyodideGame({
      source,
      spec: config.game,
      moduleName: parsed.name,
      params: parsed.params,
      python: { indexURL: pyodideUrlFor(config, workerUrl) },
    }),
  );
}

/** Worker name prefix asking a host to start loading Pyodide at once: `netroll-pyodide:<pyodideUrl>`. */
export const PRELOAD_NAME_PREFIX = 'netroll-pyodide:';

/** What a preloading worker posts to the page once Pyodide is up (or failed to load). */
export type PreloadMessage = { netrollPython: 'ready'; ms: number } | { netrollPython: 'error'; message: string };

/**
 * Called at a worker's start: when the worker's `name` is
 * `netroll-pyodide:<url>`, start loading Pyodide from `<url>` right away
 * (before `configure`, e.g. while the page waits in the lobby) and post a
 * {@link PreloadMessage} when done. `configure` later shares that runtime.
 */
export function preloadFromWorkerName(name: string, post: (message: PreloadMessage) => void): boolean {
  if (!name.startsWith(PRELOAD_NAME_PREFIX)) return false;
  const t0 = performance.now();
  loadPython({ indexURL: name.slice(PRELOAD_NAME_PREFIX.length) }).then(
    () => post({ netrollPython: 'ready', ms: performance.now() - t0 }),
    (e: unknown) => post({ netrollPython: 'error', message: e instanceof Error ? e.message : String(e) }),
  );
  return true;
}
