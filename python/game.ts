/**
 * `pyodideGame`: a netroll {@link Game} backed by a Python class running in
 * Pyodide (Gymnasium-style: `reset`, `step`, `get_state`/`set_state`,
 * `render`, optionally `episode_over` and `record`).
 */
import type { PyProxy } from 'pyodide/ffi';
import { NetrollError } from '../src/contracts/errors.ts';
import type { Game } from '../src/engine/game.ts';
import { MAX_INPUT_SIZE } from '../src/engine/game.ts';
import { GLUE_MODULE, GLUE_SOURCE } from './glue.ts';
import { errorText, isNode, loadPython, type LoadPythonOptions, type PyodideAPI } from './loader.ts';

/** A parameter passed to the Python class's constructor as a keyword argument. */
export type PythonParam = number | string | boolean;

/** Options of {@link pyodideGame}. Give `source` or `url`. */
export interface PyodideGameOptions {
  /** The Python source of the module defining the game class. */
  source?: string;
  /** Where to fetch the source from (same origin in a browser; a file path or `file:` URL in Node). */
  url?: string;
  /**
   * Name of the class in the module. Default: the module's `netroll_game`
   * variable (which must be the class).
   */
  className?: string;
  /** Bytes of input per player per frame (1–16). Default: the class's `input_size` attribute, else 1. */
  inputSize?: number;
  /**
   * The game's spec (peers must agree on it; the input log records it).
   * Default: `py-` plus the module name.
   */
  spec?: string;
  /** Module name in `sys.modules` (so `pickle` finds the class). Default: from `url`, else `netroll_game`. */
  moduleName?: string;
  /** Keyword arguments for the class's constructor: `Class(players, **params)`. */
  params?: Readonly<Record<string, PythonParam>>;
  /** An already loaded Pyodide runtime; otherwise {@link loadPython} is called with `python`. */
  pyodide?: PyodideAPI;
  /** How to load Pyodide when `pyodide` is not given. */
  python?: LoadPythonOptions;
}

/**
 * A game's state: one live instance of the Python class. `step` mutates it
 * in place (as the Game contract allows).
 */
export interface PythonState {
  /** The Python object (a Pyodide proxy). */
  readonly env: PyProxy;
  /** Players the instance was constructed for. */
  readonly players: number;
  /** `episode_over()` as of the last step, or null when not known. */
  over: boolean | null;
}

/** A {@link Game} implemented in Python, plus what only Python games have. */
export interface PythonGame extends Game<PythonState, unknown> {
  /** The runtime the game runs in. */
  readonly pyodide: PyodideAPI;
  /** Name of the Python class. */
  readonly className: string;
  /** `record()` of the class (JSON-able data about an episode), or null when it has none. */
  record(state: PythonState): unknown;
  /** True when the class defines `record()`. */
  readonly hasRecord: boolean;
}

type PyFn = PyProxy & ((...args: unknown[]) => unknown);

interface Glue {
  load_module: PyFn;
  find_class: PyFn;
  features: PyFn;
  make: PyFn;
  step: PyFn;
  step_over: PyFn;
  step_wide: PyFn;
  episode_over: PyFn;
  save: PyFn;
  load: PyFn;
  render: PyFn;
  record: PyFn;
}

const glues = new WeakMap<PyodideAPI, Glue>();
function glueFor(py: PyodideAPI): Glue {
  let glue = glues.get(py);
  if (!glue) {
    const mod = py.runPython(`
from types import ModuleType
from sys import modules
_m = ModuleType(${JSON.stringify(GLUE_MODULE)})
exec(${JSON.stringify(GLUE_SOURCE)}, _m.__dict__)
modules[${JSON.stringify(GLUE_MODULE)}] = _m
_m`) as PyProxy & Record<string, PyFn>;
    const names = ['load_module', 'find_class', 'features', 'make', 'step', 'step_over', 'step_wide', 'episode_over', 'save', 'load', 'render', 'record'] as const;
    glue = Object.fromEntries(names.map((n) => [n, mod[n]!])) as unknown as Glue; // kept alive with the module
    glues.set(py, glue);
  }
  return glue;
}

/** Is `e` an exception raised in Python (pyodide.ffi.PythonError)? */
function isPythonError(e: unknown): e is Error & { type: string } {
  return e instanceof Error && e.constructor.name === 'PythonError' && typeof (e as { type?: unknown }).type === 'string';
}

/** A Python exception (or any failure) of `method` as the project's typed error, traceback included. */
function gameError(spec: string, method: string, e: unknown): NetrollError {
  if (e instanceof NetrollError) return e;
  const detail = isPythonError(e) ? `${e.type} raised in Python\n${e.message.trimEnd()}` : errorText(e);
  return new NetrollError('game-error', `${spec}: ${method}() failed: ${detail}`, { cause: e });
}

async function readSource(options: PyodideGameOptions): Promise<string> {
  if (options.source !== undefined) return options.source;
  const url = options.url!;
  if (isNode() && !/^https?:/i.test(url)) {
    // Variable specifiers: bundlers building for the browser leave them alone.
    const fsName: string = 'node:fs/promises';
    const urlName: string = 'node:url';
    const { readFile } = (await import(/* @vite-ignore */ fsName)) as { readFile(path: string, encoding: 'utf8'): Promise<string> };
    const { fileURLToPath } = (await import(/* @vite-ignore */ urlName)) as { fileURLToPath(url: string): string };
    return readFile(url.startsWith('file:') ? fileURLToPath(url) : url, 'utf8');
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return res.text();
}

function moduleNameFor(options: PyodideGameOptions): string {
  if (options.moduleName) return options.moduleName;
  if (options.url) {
    const base = /([A-Za-z_][A-Za-z0-9_]*)\.py(?:[?#].*)?$/.exec(options.url)?.[1];
    if (base) return base;
  }
  return 'netroll_game';
}

/**
 * Build a netroll Game from a Python class. Resolves once Pyodide runs and
 * the module's code has executed.
 *
 * The class is constructed as `Class(players, **params)`, then
 * `reset(seed)` starts every episode. Each frame `step(actions)` receives a
 * list with one int per player: that player's `inputSize` input bytes read
 * as an unsigned big-endian integer (one byte: 0–255, the bit layout of the
 * page's input capture). `get_state()` returns `bytes` holding the whole
 * state and `set_state(bytes)` restores it exactly (the engine hashes these
 * bytes to detect desyncs). `render()` returns JSON-able data (a dict
 * arrives as a plain object). Optional: `episode_over()` (the engine
 * starts the next episode, with a new seed, after the frame where it turns
 * true) and `record()` (JSON-able data about the episode, for the research
 * export).
 *
 * @throws NetrollError `bad-game` when the source cannot be read or run,
 *   the class is missing or lacks a required method; later, every exception
 *   raised in Python becomes a NetrollError `game-error` whose message holds
 *   the Python traceback.
 */
export async function pyodideGame(options: PyodideGameOptions): Promise<PythonGame> {
  if ((options.source === undefined) === (options.url === undefined)) {
    throw new NetrollError('invalid-option', 'pyodideGame: give exactly one of `source` or `url`');
  }
  const moduleName = moduleNameFor(options);
  const spec = options.spec ?? `py-${moduleName}`;
  let source: string;
  try {
    source = await readSource(options);
  } catch (e) {
    throw new NetrollError('bad-game', `${spec}: could not read the Python source ${options.url}: ${errorText(e)}`, { cause: e });
  }
  const py = options.pyodide ?? (await loadPython(options.python));
  const glue = glueFor(py);
  let cls: PyProxy;
  let features: { render: boolean; episode_over: boolean; record: boolean; input_size: number };
  try {
    const mod = glue.load_module(`${moduleName}`, source, options.url ?? `<${moduleName}>`) as PyProxy;
    cls = glue.find_class(mod, options.className ?? "") as PyProxy;
    mod.destroy();
    const f = glue.features(cls) as PyProxy & { toJs(o: { dict_converter: typeof Object.fromEntries }): typeof features };
    features = f.toJs({ dict_converter: Object.fromEntries }) as typeof features;
    f.destroy();
  } catch (e) {
    throw new NetrollError('bad-game', `${spec}: ${isPythonError(e) ? `${e.type} raised in Python\n${e.message.trimEnd()}` : errorText(e)}`, { cause: e });
  }
  const inputSize = options.inputSize ?? (features.input_size || 1);
  if (!Number.isInteger(inputSize) || inputSize < 1 || inputSize > MAX_INPUT_SIZE) {
    throw new NetrollError('bad-game', `${spec}: inputSize must be an integer 1..${MAX_INPUT_SIZE}, got ${inputSize}`);
  }
  const className = String((cls as PyProxy & { __name__?: unknown }).__name__ ?? options.className ?? 'netroll_game');
  const paramsJson = JSON.stringify(options.params ?? {});
  const hasOver = features.episode_over;
  const stepFn = hasOver ? glue.step_over : glue.step;
  const wide = inputSize > 6;
  let lastPlayers = 2;
  const actions: number[] = [];

  const call = <T>(method: string, fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      throw gameError(spec, method, e);
    }
  };

  const game: PythonGame = {
    spec,
    inputSize,
    pyodide: py,
    className,
    hasRecord: features.record,
    init(seed: number, players: number): PythonState {
      lastPlayers = players;
      const env = call('reset', () => glue.make(cls, paramsJson, players, seed >>> 0) as PyProxy);
      return { env, players, over: null };
    },
    step(state: PythonState, inputs: Uint8Array): PythonState {
      const n = state.players;
      let over: unknown;
      if (wide) {
        over = call('step', () => glue.step_wide(state.env, inputs.subarray(0, n * inputSize), n, inputSize, hasOver));
      } else {
        actions.length = n;
        for (let p = 0; p < n; p++) {
          let v = 0;
          for (let i = p * inputSize, end = i + inputSize; i < end; i++) v = v * 256 + inputs[i]!;
          actions[p] = v;
        }
        over = call('step', () => stepFn(state.env, ...actions));
      }
      state.over = over === true;
      return state;
    },
    save(state: PythonState, reuse?: Uint8Array): Uint8Array {
      return call('get_state', () => glue.save(state.env, reuse) as Uint8Array);
    },
    load(bytes: Uint8Array, reuse?: PythonState): PythonState {
      const state = reuse ?? { env: call('reset', () => glue.make(cls, paramsJson, lastPlayers, 0) as PyProxy), players: lastPlayers, over: null };
      call('set_state', () => glue.load(state.env, bytes));
      state.over = null;
      return state;
    },
    record(state: PythonState): unknown {
      if (!features.record) return null;
      return JSON.parse(call('record', () => glue.record(state.env) as string)) as unknown;
    },
  };
  if (hasOver) {
    game.isEpisodeOver = (state) => {
      if (state.over === null) state.over = call('episode_over', () => glue.episode_over(state.env) === true);
      return state.over;
    };
  }
  if (features.render) {
    game.render = (state) => JSON.parse(call('render', () => glue.render(state.env) as string)) as unknown;
  }
  return game;
}

/** View a Python game as the engine's `Game<unknown>` (its state is opaque to the engine). */
export function asGame(game: PythonGame): Game<unknown> {
  return game as unknown as Game<unknown>;
}
