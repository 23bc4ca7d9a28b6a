/**
 * Game registry: builds a game from its spec string (`name?k=v&k=v`), so
 * peers can agree on a game by exchanging `game.spec`.
 */
import { NetrollError } from '../contracts/errors.ts';
import type { Game } from '../engine/game.ts';
import { ARENA_VERSION, createArena } from './arena.ts';
import { createSwarm, SWARM_VERSION } from './swarm.ts';

export {
  createArena,
  type ArenaOptions,
  type ArenaState,
  type ArenaRender,
} from './arena.ts';
export {
  createSwarm,
  type SwarmOptions,
  type SwarmState,
  type SwarmRender,
} from './swarm.ts';

/** Names accepted by {@link gameFromSpec}. */
export const gameNames = ['arena', 'swarm'] as const;
/** A registered game name. */
export type GameName = (typeof gameNames)[number];

const factories: Record<GameName, { version: number; keys: readonly string[]; create(p: Record<string, number>): Game<unknown> }> = {
  arena: {
    version: ARENA_VERSION,
    keys: ['coins', 'episodeFrames', 'height', 'targetScore', 'width'],
    create: (p) => createArena(p),
  },
  swarm: {
    version: SWARM_VERSION,
    keys: ['entities', 'episodeFrames'],
    create: (p) => createSwarm(p),
  },
};

/**
 * Parse `name[@version]` or `name[@version]?k=v&k=v` (integer values only)
 * and create that game. Without `@version` the current version is meant.
 * Parameters may come in any order; the game's own `spec` is canonical
 * (sorted keys, defaults omitted except swarm's `entities`).
 * @throws Error for a malformed spec, an unknown game or parameter, or a
 *   duplicate parameter; RangeError (from the game) for out-of-range values;
 *   NetrollError `game-version-mismatch` for a version this build does not have.
 */
export function gameFromSpec(spec: string): Game<unknown> {
  const q = spec.indexOf('?');
  const head = q < 0 ? spec : spec.slice(0, q);
  const at = head.indexOf('@');
  const name = at < 0 ? head : head.slice(0, at);
  if (!(gameNames as readonly string[]).includes(name)) {
    throw new Error(`gameFromSpec: unknown game "${name}" in "${spec}" (known: ${gameNames.join(', ')})`);
  }
  const entry = factories[name as GameName];
  if (at >= 0 && head.slice(at + 1) !== String(entry.version)) {
    throw new NetrollError(
      'game-version-mismatch',
      `gameFromSpec: "${spec}" asks for ${name} version ${head.slice(at + 1)}, this build has ${name}@${entry.version}`,
    );
  }
  const params: Record<string, number> = {};
  if (q >= 0) {
    for (const part of spec.slice(q + 1).split('&')) {
      const m = /^([A-Za-z][A-Za-z0-9]*)=(-?\d{1,15})$/.exec(part);
      if (!m) throw new Error(`gameFromSpec: bad parameter "${part}" in "${spec}" (expected key=integer)`);
      const key = m[1]!;
      if (!entry.keys.includes(key)) {
        throw new Error(`gameFromSpec: unknown parameter "${key}" for ${name} (allowed: ${entry.keys.join(', ')})`);
      }
      if (Object.hasOwn(params, key)) throw new Error(`gameFromSpec: duplicate parameter "${key}" in "${spec}"`);
      params[key] = Number(m[2]);
    }
  }
  return entry.create(params);
}
