/** The app's engine worker: hosts its own game. */
import { hostEngine } from 'netroll/worker';
import { race } from './game.ts';

hostEngine(race);
