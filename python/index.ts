/**
 * `netroll/python`: games written in Python (Gymnasium-style classes) run in
 * the engine worker through Pyodide. Needs the optional peer dependency
 * `pyodide`; apps that do not import this entry install and load nothing
 * more.
 */
export { asGame, pyodideGame, type PyodideGameOptions, type PythonGame, type PythonParam, type PythonState } from './game.ts';
export { loadPython, type LoadPythonOptions, type PyodideAPI } from './loader.ts';
export { isPythonSpec, isPythonUrl, parsePythonSpec, type PythonSpec } from './spec.ts';
export { PRELOAD_NAME_PREFIX, preloadFromWorkerName, pyodideUrlFor, pythonGameFromSources, pythonGameFromUrl, type PreloadMessage } from './host.ts';
