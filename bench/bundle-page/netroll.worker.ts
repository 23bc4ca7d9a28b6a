/** The page's engine worker: the built-in arena game. */
import { createArena } from 'netroll/core';
import { hostEngine } from 'netroll/worker';

hostEngine(createArena());
