/**
 * `netroll/testing`: networks for tests and experiments without a server.
 * {@link createMemoryNetwork} links sessions in one page,
 * {@link impairTransport} adds latency, jitter and loss to any transport,
 * {@link SimNetwork} and {@link runSoak} run many engines in one process on a
 * seeded, impaired network.
 *
 * @packageDocumentation
 */
export { createMemoryNetwork, type MemoryLinkOptions } from './transport.ts';
export { impairTransport, type Impairment, type ImpairedTransport } from './impair.ts';
export { SimNetwork, type LinkConditions, type NetworkCounters, type Outage } from '../src/sim/network.ts';
export type { OutageWindow } from '../src/sim/impairment.ts';
export { runSoak, type OracleResult, type PeerSummary, type SoakOptions, type SoakResult } from '../src/sim/soak.ts';
export type { PacketTransport, PeerStatus } from './transport.ts';
export type { Game } from '../src/engine/game.ts';
