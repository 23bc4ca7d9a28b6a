/**
 * Specs of Python games, so peers (and replays) agree on a game by name:
 * - `py-NAME` or `py-NAME?key=value&...`: the module `NAME.py` among the
 *   app's Python games (the examples ship `py-slime`); values are integers
 *   and become the class's constructor keyword arguments;
 * - `py:PATH` or `py:PATH#Class` (Node only): a `.py` file on disk.
 */
import { NetrollError } from '../src/contracts/errors.ts';

/** A parsed Python game spec. */
export type PythonSpec =
  | { readonly kind: 'named'; readonly name: string; readonly params: Readonly<Record<string, number>> }
  | { readonly kind: 'path'; readonly path: string; readonly className: string | undefined };

/** True when `spec` names a Python game (`py-…` or `py:…`). */
export function isPythonSpec(spec: string): boolean {
  return spec.startsWith('py-') || spec.startsWith('py:');
}

/**
 * Parse a Python game spec.
 * @throws NetrollError `bad-game` for a malformed spec.
 */
export function parsePythonSpec(spec: string): PythonSpec {
  if (spec.startsWith('py:')) {
    const rest = spec.slice(3);
    const hash = rest.lastIndexOf('#');
    const path = hash < 0 ? rest : rest.slice(0, hash);
    const className = hash < 0 ? undefined : rest.slice(hash + 1);
    if (path === '' || (className !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(className))) {
      throw new NetrollError('bad-game', `bad Python game spec "${spec}" (expected py:PATH or py:PATH#Class)`);
    }
    return { kind: 'path', path, className };
  }
  const m = /^py-([A-Za-z_][A-Za-z0-9_]{0,63})(?:\?(.*))?$/.exec(spec);
  if (!m) throw new NetrollError('bad-game', `bad Python game spec "${spec}" (expected py-NAME or py-NAME?key=integer&...)`);
  const params: Record<string, number> = {};
  if (m[2] !== undefined) {
    for (const part of m[2].split('&')) {
      const p = /^([A-Za-z_][A-Za-z0-9_]*)=(-?\d{1,15})$/.exec(part);
      if (!p) throw new NetrollError('bad-game', `bad parameter "${part}" in "${spec}" (expected key=integer)`);
      if (Object.hasOwn(params, p[1]!)) throw new NetrollError('bad-game', `duplicate parameter "${p[1]}" in "${spec}"`);
      params[p[1]!] = Number(p[2]);
    }
  }
  return { kind: 'named', name: m[1]!, params };
}

/** Is `url` a Python module URL (`….py`, optionally with `#Class` or a query)? */
export function isPythonUrl(url: string): boolean {
  return /\.py(?:[?#].*)?$/i.test(url);
}
