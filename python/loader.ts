/**
 * Loading Pyodide: from the `pyodide` package in Node, from a same-origin
 * directory in a browser or worker (no CDN). One runtime per directory is
 * shared by every game that asks for it.
 */
import type { PyodideAPI } from 'pyodide';
import { NetrollError } from '../src/contracts/errors.ts';

export type { PyodideAPI };

/** How to load Pyodide. */
export interface LoadPythonOptions {
  /**
   * URL of the directory holding `pyodide.mjs`, `pyodide.asm.mjs`,
   * `pyodide.asm.wasm`, `python_stdlib.zip` and `pyodide-lock.json`
   * (the files of the `pyodide` npm package), ending in `/`.
   * Required in a browser or worker; in Node the `pyodide` package is used
   * when it is not given.
   */
  indexURL?: string;
  /**
   * Pure-Python wheels to install before any game loads: URLs (same
   * origin in a browser) or, in Node, file paths. Packages are installed
   * with `pyodide.loadPackage`, so nothing is fetched from a CDN.
   */
  packages?: readonly string[];
  /** Where Python's `print` goes. Default: dropped. */
  stdout?: (line: string) => void;
  /** Where Python's stderr goes. Default: `console.warn`. */
  stderr?: (line: string) => void;
}

interface NodeLike {
  process?: { versions?: { node?: string } };
}

/** True when running in Node (not in a browser or worker). */
export function isNode(): boolean {
  return typeof (globalThis as NodeLike).process?.versions?.node === 'string';
}

type LoadPyodide = (config: {
  indexURL?: string;
  packages?: string[];
  stdout?: (msg: string) => void;
  stderr?: (msg: string) => void;
}) => Promise<PyodideAPI>;

const PYODIDE_PACKAGE: string = 'pyodide';

const runtimes = new Map<string, Promise<PyodideAPI>>();

async function importLoader(indexURL: string | undefined): Promise<LoadPyodide> {
  if (indexURL === undefined) {
    if (!isNode()) {
      throw new NetrollError(
        'invalid-option',
        'loadPython: give `indexURL`, the same-origin directory serving the pyodide package files (pyodide.mjs, pyodide.asm.mjs, pyodide.asm.wasm, python_stdlib.zip, pyodide-lock.json)',
      );
    }
    // The optional peer dependency, resolved by Node from the app. A variable
    // specifier, so bundlers building for the browser leave it alone.
    const mod = (await import(/* @vite-ignore */ PYODIDE_PACKAGE)) as { loadPyodide: LoadPyodide };
    return mod.loadPyodide;
  }
  const mod = (await import(/* @vite-ignore */ new URL('pyodide.mjs', indexURL).href)) as { loadPyodide: LoadPyodide };
  return mod.loadPyodide;
}

/**
 * Load (once) and return a Pyodide runtime. Calls with the same `indexURL`
 * share one runtime; each call's `packages` are installed into it.
 * @throws NetrollError `bad-game` when Pyodide cannot be loaded (the files
 *   are not served, or the `pyodide` package is not installed).
 */
export function loadPython(options: LoadPythonOptions = {}): Promise<PyodideAPI> {
  const indexURL = options.indexURL === undefined ? undefined : options.indexURL.endsWith('/') ? options.indexURL : `${options.indexURL}/`;
  const key = indexURL ?? '(package)';
  let runtime = runtimes.get(key);
  if (!runtime) {
    runtime = (async () => {
      let loadPyodide: LoadPyodide;
      try {
        loadPyodide = await importLoader(indexURL);
      } catch (e) {
        if (e instanceof NetrollError) throw e;
        throw new NetrollError(
          'bad-game',
          indexURL === undefined
            ? `loadPython: the optional peer dependency "pyodide" is not installed (npm install pyodide@314.0.8): ${errorText(e)}`
            : `loadPython: could not load ${indexURL}pyodide.mjs (serve the pyodide package files there): ${errorText(e)}`,
          { cause: e },
        );
      }
      try {
        const py = await loadPyodide({
          ...(indexURL !== undefined ? { indexURL } : {}),
          stdout: options.stdout ?? (() => {}),
          stderr: options.stderr ?? ((line) => console.warn(`python: ${line}`)),
        });
        if (options.packages && options.packages.length > 0) await py.loadPackage([...options.packages], { messageCallback: () => {} });
        return py;
      } catch (e) {
        throw new NetrollError('bad-game', `loadPython: Pyodide failed to start from ${indexURL ?? 'the pyodide package'}: ${errorText(e)}`, { cause: e });
      }
    })();
    runtime.catch(() => runtimes.delete(key));
    runtimes.set(key, runtime);
    return runtime;
  }
  // A later caller may need more wheels in the shared runtime (loadPackage skips installed ones).
  const more = options.packages;
  if (more && more.length > 0) {
    return runtime.then(async (py) => {
      try {
        await py.loadPackage([...more], { messageCallback: () => {} });
      } catch (e) {
        throw new NetrollError('bad-game', `loadPython: could not install ${more.join(', ')}: ${errorText(e)}`, { cause: e });
      }
      return py;
    });
  }
  return runtime;
}

/** A thrown value as text (a Python error's message is its traceback). */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
