#!/usr/bin/env node
// `netroll <command>`: `netroll serve [flags]` starts the server;
// `netroll export|replay|sessions ...` are the research tools.
// The published package runs its bundled dist/; inside the netroll
// repository (where the TypeScript sources sit next to this file) it runs
// the sources through tsx, so a checkout never runs a stale build.
import { existsSync } from 'node:fs';

const here = new URL('../', import.meta.url);
const fromSource = existsSync(new URL('cli.ts', here)) && process.env.NETROLL_SERVER_DIST !== '1';
const command = process.argv[2];
const serve = command === 'serve';
if (serve) process.argv.splice(2, 1);
if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
  console.log('netroll server\n\n  npx netroll serve [options]\n      starts the server (npx netroll serve --help lists the options)\n');
}

if (fromSource) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL(serve ? 'cli.ts' : 'research/cli.ts', here).href);
} else {
  await import(new URL(serve ? 'dist/cli.js' : 'dist/research-cli.js', here).href);
}
