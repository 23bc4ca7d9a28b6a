/** Python game specs and the Vite plugin's file list (no Pyodide needed). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isPythonSpec, isPythonUrl, parsePythonSpec } from '../../python/spec.ts';
import { PYODIDE_FILES, pyodideAssets, pyodideDir } from '../../python/vite.ts';

describe('Python game specs', () => {
  it('parses py-NAME with integer params and py:PATH#Class', () => {
    expect(parsePythonSpec('py-slime')).toEqual({ kind: 'named', name: 'slime', params: {} });
    expect(parsePythonSpec('py-slime?target=5&episode_frames=-1')).toEqual({ kind: 'named', name: 'slime', params: { target: 5, episode_frames: -1 } });
    expect(parsePythonSpec('py:envs/my_env.py#MyEnv')).toEqual({ kind: 'path', path: 'envs/my_env.py', className: 'MyEnv' });
    expect(parsePythonSpec('py:envs/my_env.py')).toEqual({ kind: 'path', path: 'envs/my_env.py', className: undefined });
    expect(isPythonSpec('py-slime')).toBe(true);
    expect(isPythonSpec('arena')).toBe(false);
  });

  it('refuses malformed specs with bad-game', () => {
    for (const bad of ['py-', 'py-1x', 'py-a?b=c', 'py-a?b=1&b=2', 'py:', 'py:x.py#1Bad', 'arena']) {
      expect(() => parsePythonSpec(bad), bad).toThrow(expect.objectContaining({ code: 'bad-game' }));
    }
  });

  it('recognises .py game URLs (with a #Class or query)', () => {
    expect(isPythonUrl('/games/env.py')).toBe(true);
    expect(isPythonUrl('https://x.test/env.py#Env')).toBe(true);
    expect(isPythonUrl('/env.py?v=3')).toBe(true);
    expect(isPythonUrl('/game.js')).toBe(false);
    expect(isPythonUrl('/env.pyc')).toBe(false);
  });
});

describe('pyodideAssets', () => {
  it('finds every runtime file in the installed pyodide package', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const dir = pyodideDir(root);
    expect(dir).not.toBeNull();
    for (const f of PYODIDE_FILES) expect(existsSync(join(dir!, f)), f).toBe(true);
    expect(pyodideAssets().name).toBe('netroll:pyodide-assets');
    expect(() => pyodideAssets({ base: 'pyodide' })).toThrow(/base must start and end/);
  });
});
