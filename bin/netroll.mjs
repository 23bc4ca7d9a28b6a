#!/usr/bin/env node
// `npx netroll <command>`: research tools (export, replay) and the server.
// Runs the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../server/research/cli.ts');
