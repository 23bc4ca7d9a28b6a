/** Worker entry hosting the built-in games (`arena`, `swarm?entities=N`) by spec. */
import { gameFromSpec } from '../src/games/index.ts';
import { hostEngine } from './expose.ts';

hostEngine((config) => gameFromSpec(config.game));
