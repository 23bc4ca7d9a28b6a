/// <reference types="node" />
/**
 * `pyodideAssets()`: a Vite plugin serving the `pyodide` package's runtime
 * files from the app's own origin (no CDN): under `base` (default
 * `/pyodide/`) in `vite dev`, and copied to `<outDir>/<base>` by
 * `vite build`. Pass the same directory to the engine as `pyodideUrl`.
 *
 * ```ts
 * // vite.config.ts
 * import { pyodideAssets } from 'netroll/python/vite';
 * export default { plugins: [pyodideAssets()] };
 * ```
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';

/** The files Pyodide needs at run time (the standard library included). */
export const PYODIDE_FILES = ['pyodide.mjs', 'pyodide.asm.mjs', 'pyodide.asm.wasm', 'python_stdlib.zip', 'pyodide-lock.json'] as const;

const TYPES: Record<string, string> = {
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.zip': 'application/zip',
  '.json': 'application/json; charset=utf-8',
};

/** Options of {@link pyodideAssets}. */
export interface PyodideAssetsOptions {
  /** URL path the files are served under, with leading and trailing `/`. Default `/pyodide/`. */
  base?: string;
  /** The `pyodide` package directory. Default: resolved from the Vite root. */
  dir?: string;
}

/** Where the `pyodide` package is installed, seen from `from` (a directory); null when it is not. */
export function pyodideDir(from: string): string | null {
  try {
    return dirname(createRequire(join(from, 'package.json')).resolve('pyodide/package.json'));
  } catch {
    return null;
  }
}

/** The Vite plugin (see the module comment). */
export function pyodideAssets(options: PyodideAssetsOptions = {}): Plugin {
  const base = options.base ?? '/pyodide/';
  if (!base.startsWith('/') || !base.endsWith('/')) throw new Error(`pyodideAssets: base must start and end with "/", got "${base}"`);
  let dir: string | null = options.dir ?? null;
  const resolveDir = (root: string): string => {
    dir ??= pyodideDir(root);
    if (!dir || !PYODIDE_FILES.every((f) => existsSync(join(dir!, f)))) {
      throw new Error('pyodideAssets: the "pyodide" package (314.0.8) is not installed: npm install pyodide@314.0.8');
    }
    return dir;
  };
  let root = process.cwd();
  return {
    name: 'netroll:pyodide-assets',
    configResolved(config) {
      root = config.root;
    },
    configureServer(server) {
      const from = resolveDir(server.config.root);
      server.middlewares.use((req, res, next) => {
        const path = (req.url ?? '').split('?')[0]!;
        if (!path.startsWith(base)) return next();
        const name = path.slice(base.length);
        if (!(PYODIDE_FILES as readonly string[]).includes(name)) return next();
        const file = join(from, name);
        res.setHeader('content-type', TYPES[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream');
        res.setHeader('content-length', String(statSync(file).size));
        res.setHeader('cache-control', 'no-cache');
        createReadStream(file).pipe(res);
      });
    },
    generateBundle() {
      const from = resolveDir(root);
      for (const name of PYODIDE_FILES) {
        this.emitFile({ type: 'asset', fileName: `${base.slice(1)}${name}`, source: readFileSync(join(from, name)) });
      }
    },
  };
}
