/**
 * `npm start`: until the demo server lands, runs a rollback session between
 * two simulated peers over an impaired in-memory network and prints what
 * happened.
 */
import { runSoak } from '../src/sim/soak.ts';

const result = runSoak({
  players: 2,
  frames: 1800,
  seed: 1,
  game: 'arena',
  latencyMs: 50,
  jitterMs: 20,
  loss: 0.05,
  dup: 0.01,
  reorder: 0.02,
});
console.log('netroll: a 2-player arena session (30 s of game time) over a simulated 100 ms RTT link with 5% loss');
console.log(`  confirmed frames  ${result.confirmedFrames}`);
console.log(`  rollbacks         ${result.rollbacks} (max depth ${result.maxRollback})`);
console.log(`  desyncs           ${result.desyncs}`);
console.log(`  logs identical    ${result.logsIdentical}`);
console.log(`  final hashes      ${result.finalHashes.join(' ')}`);
console.log('Try `npm run soak -- --help` for your own network conditions.');
