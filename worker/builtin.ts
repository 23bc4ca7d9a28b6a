/**
 * Worker entry hosting the built-in games (`arena`, `swarm?entities=N`) by
 * spec, and the Python examples (`py-slime`), which load Pyodide from
 * `config.pyodideUrl` only when asked for.
 */
import { gameFromSpec } from '../src/games/index.ts';
import { hostEngine } from './expose.ts';

// `new Worker(url, { name: 'netroll-pyodide:<pyodideUrl>' })`: start loading Pyodide now, before configure.
if (self.name.startsWith('netroll-pyodide:')) {
  void import('../python/host.ts').then((m) => m.preloadFromWorkerName(self.name, (msg) => self.postMessage(msg)));
}

hostEngine(async (config) => {
  if (config.game.startsWith('py-')) {
    const [{ pythonGameFromSources }, { PYTHON_EXAMPLES }] = await Promise.all([import('../python/host.ts'), import('../python/builtin.ts')]);
    return pythonGameFromSources(config, PYTHON_EXAMPLES, self.location.href);
  }
  return gameFromSpec(config.game);
});
