/**
 * netroll load benchmark: `npm run bench:load` (readable lines) or
 * `npm run bench:load -- --json` (one JSON object on the last line).
 *
 * Starts N server nodes (default 2, each in its own process, `bench/load-node.ts`)
 * sharing one Redis (started here), all on loopback, and one or two load
 * generator processes (`bench/load-clients.ts`) of socket.io-client clients
 * that speak the project's signaling contract. Clients connect evenly
 * to the nodes, join queues in pairs and form sessions (half across nodes),
 * exchange the signals a real join does (offer, answer, trickled candidates,
 * real-sized), and the members of a stated fraction of the sessions relay
 * 60 Hz input packets through the server relay. Then the same load runs on
 * a single node without Redis, so the adapter's cost is a measured ratio.
 *
 * Options:
 *   --json                  one JSON object on the last line
 *   --clients N             clients (default 2000; even, at most 8000)
 *   --nodes N               nodes (default 2, at most 8)
 *   --no-redis              no Redis (only sensible with --nodes 1)
 *   --duration-ms MS        how long the relaying sessions relay (default 20000)
 *   --relay-fraction F      share of sessions that relay (default 0.1)
 *   --relay-hz HZ           input packets a second a relaying client sends (default 60)
 *   --generators N          load generator processes (default 1 up to 1000 clients, else 2)
 *   --queues N              queues the clients spread over (default 10)
 *   --connect-rate N        client connections a second, all generators (default 200)
 *   --join-rate N           joins a second, all generators (default 200)
 *   --no-compare            skip the single-node comparison run
 *   --count-unhandled       a node counts an unhandled promise rejection (reported in
 *                           errorsByKind) instead of exiting as a real server does
 *
 * Bounds: every phase has a time limit; the whole run stops itself after
 * 20 minutes. Every process started here is ended by its pid on exit,
 * errors and SIGINT/SIGTERM. Figures depend on the machine and what else
 * runs on it: the JSON reports the CPU each process used and the rest of
 * the machine's (from /proc/stat). Nothing here asserts; tests/bench/load.test.ts
 * checks the behaviour at a small scale.
 */
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedis } from '../scripts/redis-server.ts';
import type { ClientRecord } from './load-clients.ts';
import { busyCores, CLOCK_TICKS_PER_SECOND, forkChild, machineTicks, processTicks, type Child, type Lag } from './proc.ts';
import { percentile } from './stats.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');

// ── options ─────────────────────────────────────────────────────────────────

const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(name);
const num = (name: string, fallback: number, min: number, max: number): number => {
  const i = argv.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(argv[i + 1]);
  if (!Number.isFinite(v) || v < min || v > max) throw new Error(`${name} must be a number from ${min} to ${max}, got ${argv[i + 1]}`);
  return v;
};
const JSON_OUT = flag('--json');
const CLIENTS = Math.round(num('--clients', 2000, 2, 8000) / 2) * 2;
const NODES = Math.round(num('--nodes', 2, 1, 8));
const REDIS = !flag('--no-redis');
const DURATION_MS = Math.round(num('--duration-ms', 20_000, 100, 600_000));
const RELAY_FRACTION = num('--relay-fraction', 0.1, 0, 1);
const RELAY_HZ = num('--relay-hz', 60, 1, 240);
const GENERATORS = Math.round(num('--generators', CLIENTS > 1000 ? 2 : 1, 1, 4));
const QUEUES = Math.round(num('--queues', 10, 1, 1000));
const CONNECT_RATE = num('--connect-rate', 200, 1, 10_000);
const JOIN_RATE = num('--join-rate', 200, 1, 10_000);
const COUNT_UNHANDLED = flag('--count-unhandled');
const COMPARE = !flag('--no-compare') && (NODES > 1 || REDIS);

/** Time limit of the whole run, ms. */
const RUN_LIMIT_MS = 20 * 60_000;
/** Time limit of one client's connect or join, ms. */
const CLIENT_TIMEOUT_MS = 30_000;

const log = (line: string): void => {
  if (JSON_OUT) console.error(line);
  else console.log(line);
};
const round1 = (x: number): number => Math.round(x * 10) / 10;
const round2 = (x: number): number => Math.round(x * 100) / 100;
const p = (xs: readonly number[], q: number): number | null => (xs.length > 0 ? round1(percentile(xs, q)) : null);

const DEFINITIONS = {
  nodes: 'server node processes, each a real netroll server (startServer) on 127.0.0.1; with Redis they share it',
  clients: 'socket.io-client clients (WebSocket only) spread evenly over the nodes (pairs 2p, 2p+1: even pairs on two nodes, odd pairs on one, so half the sessions are cross-node), 10 per loopback source address',
  sessionsFormed: 'distinct sessions whose 2 members both received assigned',
  crossNodeSessions: 'formed sessions whose 2 members are connected to different nodes',
  errors:
    'sum of errorsByKind: failed connects, refused joins, server error events, wait timeouts, unexpected disconnects, peers leaving, clients never assigned, clients missing part of their peer signals, malformed server messages, and (with --count-unhandled) unhandled promise rejections in the nodes',
  joinRetries:
    'joins answered unavailable (a node could not reach Redis in time and held nothing) that their client tried again after 200 ms, 400 ms, … (at most 5 times; the last refusal counts as an error)',
  joinToAssignedMsP99:
    "99th percentile over clients of (assigned received) − (the later of its session's two join emits): the server's matching time, the wait for a partner excluded",
  signalLatencyMsP99: '99th percentile over signals (offer, answer, candidates) of receive time − send time (one clock, two processes)',
  eventLoopLagMsP99: "per node: 99th percentile of the node's event-loop delay (perf_hooks monitorEventLoopDelay, 1 ms resolution) from the first connect to the end of the relay phase",
  relayPhaseLagMsP99: 'per node: the same, over the relay phase only',
  rssMB: "per node: resident memory at the end of the relay phase (peakRssMB: the highest seen, sampled every 250 ms)",
  relayFraction: 'share of the formed sessions whose two members relay input packets through the server',
  relayHz: 'input packets a second each relaying client sends its peer (an engine input packet: 1-byte inputs, the last 3 frames)',
  relayServerBytesPerSecondPerSession: 'relay payload bytes a node receives plus sends a second for one relaying session (both members)',
  relayWireBytesPerSecondPerSession: 'the same in WebSocket bytes (socket.io text header frame + binary frame, each way; TCP/IP headers excluded)',
  capacity:
    'connectCpuMsPerClient: node (and Redis) CPU ms of the connect phase per client; setupCpuMsPerSession: of the join phase (join, matching, assigned, 10 signals) per session; relayPhaseCoresPerRelayingSession: node cores in the relay phase per relaying session (the idle members of the other sessions included); sessionsPerCoreAtRelayFraction: sessions held per node core in the relay phase at this relayFraction (at relayHzAchieved); relayCpuUsPerPacket: node (and Redis) CPU µs in the relay phase per relayed packet; relayingSessionsPerCoreAtRelayHz: relaying sessions one node core forwards at relayHz (2 members each), from relayCpuUsPerPacket',
  relayHzAchieved: 'input packets a second each relaying client actually sent (below relayHz when its generator was short of CPU: relaySlotsSkipped)',
  setupCpuRatioClusterVsSingle: 'capacity.setupCpuMsPerSession of the cluster run / of the single-node run: the CPU cost of the adapter and the Redis lobby per session formed',
  relayDeliveredRatio: 'relay packets received by the peers / sent, counted until none arrived for 0.5 s (at most 5 s after the relay phase)',
  cpu: 'per phase: CPU cores used (CPU time / wall time) by each node, each generator, Redis, this process; machineBusyCores from /proc/stat; otherCpuCores = machine − all of those (other work on the machine)',
  lagRatioClusterVsSingle: 'highest node eventLoopLagMsP99 of the cluster run / the single node eventLoopLagMsP99 of the comparison run (same clients, same load)',
  nodeCpuRatioClusterVsSingle: 'CPU time of all cluster nodes (Redis included) / CPU time of the single node, over the same phases',
};

// ── processes ───────────────────────────────────────────────────────────────

/** Every process started here (ended by pid on exit). */
const started = new Set<{ kill: () => void }>();

async function fork(file: string, what: string): Promise<Child> {
  const child = await forkChild(resolve(HERE, file), what, { cwd: ROOT, stdio: 'inherit' });
  started.add(child);
  return child;
}

/**
 * WebSocket bytes one relayed packet of `packetBytes` costs at a node, in and
 * out: socket.io sends a binary event as a text frame (`451-["relay",to,{placeholder}]`)
 * and a binary frame; client frames carry a 4-byte mask. TCP/IP headers not included.
 */
function relayFrameBytes(packetBytes: number): number {
  const header = `451-${JSON.stringify(['relay', 1, { _placeholder: true, num: 0 }])}`.length;
  const frame = (payload: number, masked: boolean): number => payload + (payload < 126 ? 2 : 4) + (masked ? 4 : 0);
  return frame(header, true) + frame(packetBytes, true) + frame(header, false) + frame(packetBytes, false);
}

// ── one configuration ───────────────────────────────────────────────────────

interface PhaseCpu {
  wallMs: number;
  nodes: number[];
  generators: number[];
  redis?: number;
  orchestrator: number;
  machineBusyCores?: number;
  otherCpuCores?: number;
}

interface GenPhase {
  cpuShare: number;
  cpuMs: number;
  wallMs: number;
  errors: Record<string, number>;
}

interface RunResult {
  nodes: number;
  redis: boolean;
  clients: number;
  generators: number;
  sessionsFormed: number;
  crossNodeSessions: number;
  errors: number;
  errorsByKind: Record<string, number>;
  /** Joins answered `unavailable` and tried again by their client. */
  joinRetries: number;
  joinToAssignedMsP50: number | null;
  joinToAssignedMsP99: number | null;
  signalLatencyMsP50: number | null;
  signalLatencyMsP99: number | null;
  relaySessions: number;
  relayPacketsSent: number;
  relayPacketsReceived: number;
  relayDeliveredRatio: number | null;
  relaySlotsSkipped: number;
  relayPacketBytes: number;
  relayServerBytesPerSecondPerSession: number | null;
  relayWireBytesPerSecondPerSession: number | null;
  capacity: {
    connectCpuMsPerClient: number | null;
    setupCpuMsPerSession: number | null;
    relayPhaseCoresPerRelayingSession: number | null;
    sessionsPerCoreAtRelayFraction: number | null;
    relayCpuUsPerPacket: number | null;
    relayingSessionsPerCoreAtRelayHz: number | null;
  };
  relayHzAchieved: number | null;
  perNode: {
    node: number;
    clients: number;
    eventLoopLagMsP99: number;
    eventLoopLagMsMax: number;
    relayPhaseLagMsP99: number;
    cpuCores: number;
    rssMB: number;
    peakRssMB: number;
    sessionsCreated: number;
    rejected: Record<string, number>;
    dropped: Record<string, number>;
  }[];
  /** CPU time of all nodes (and Redis) over connect + join + relay, ms. */
  nodeCpuMs: number;
  phasesMs: { connect: number; join: number; relay: number };
  cpu: { connect: PhaseCpu; join: PhaseCpu; relay: PhaseCpu };
}

/** Runs the load against `nodes` nodes (with or without Redis) and returns its figures. */
async function runConfiguration(nodes: number, redis: boolean): Promise<RunResult> {
  const label = `${nodes} node${nodes > 1 ? 's' : ''}${redis ? ' + Redis' : ''}`;
  const r = redis ? await startRedis() : undefined;
  const stopRedis = { kill: () => void r?.stop() };
  if (r) started.add(stopRedis);
  const nodeProcs: Child[] = [];
  const gens: Child[] = [];
  let ending = false;
  try {
    for (let i = 0; i < nodes; i++) nodeProcs.push(await fork('load-node.ts', `node ${i}`));
    // A node that dies (a crash, the out-of-memory killer) ends the run at once, with the reason.
    let nodeDied: (e: Error) => void = () => undefined;
    const died = new Promise<never>((_, reject) => (nodeDied = reject));
    died.catch(() => undefined);
    nodeProcs.forEach((n, i) => n.proc.once('exit', (code, signal) => ending || nodeDied(new Error(`node ${i} exited (${signal ?? code}) during the run`))));
    const options = r ? { redisUrl: r.url } : {};
    const urls = await Promise.all(nodeProcs.map((n) => n.call<{ url: string }>('start', { options, countUnhandled: COUNT_UNHANDLED }).then((s) => s.url)));
    for (let g = 0; g < GENERATORS; g++) gens.push(await fork('load-clients.ts', `generator ${g}`));
    log(`${label}: nodes at ${urls.join(' ')}, ${GENERATORS} generator process(es)`);

    const nodeLag = (cmd: 'lagStart' | 'lagStop', name: string): Promise<Lag[]> => Promise.all(nodeProcs.map((n) => n.call<Lag>(cmd, { name })));
    /** Runs one phase on every generator, measuring CPU of every process around it. */
    const phase = async <T extends GenPhase>(name: string, run: (g: Child, i: number) => Promise<T>): Promise<{ results: T[]; cpu: PhaseCpu; lags: Lag[] }> => {
      const ticks0 = machineTicks();
      const redis0 = r ? processTicks(r.pid) : undefined;
      const own0 = process.cpuUsage();
      const t0 = performance.now();
      await nodeLag('lagStart', name);
      const results = await Promise.race([Promise.all(gens.map(run)), died]);
      const lags = await nodeLag('lagStop', name);
      const wallMs = performance.now() - t0;
      const ticks1 = machineTicks();
      const redis1 = r ? processTicks(r.pid) : undefined;
      const own = process.cpuUsage(own0);
      const machine = busyCores(ticks0, ticks1, cpus().length);
      const redisCores = redis0 !== undefined && redis1 !== undefined ? (redis1 - redis0) / CLOCK_TICKS_PER_SECOND / (wallMs / 1000) : undefined;
      const orchestrator = (own.user + own.system) / 1000 / wallMs;
      const ours = lags.reduce((s, l) => s + l.cpuShare, 0) + results.reduce((s, g) => s + g.cpuShare, 0) + (redisCores ?? 0) + orchestrator;
      return {
        results,
        lags,
        cpu: {
          wallMs: Math.round(wallMs),
          nodes: lags.map((l) => l.cpuShare),
          generators: results.map((g) => g.cpuShare),
          ...(redisCores !== undefined ? { redis: round2(redisCores) } : {}),
          orchestrator: round2(orchestrator),
          ...(machine !== undefined ? { machineBusyCores: round2(machine), otherCpuCores: round2(Math.max(0, machine - ours)) } : {}),
        },
      };
    };

    await nodeLag('lagStart', 'all');
    // Connect: each generator a contiguous share of the client indices.
    const share = Math.ceil(CLIENTS / 2 / GENERATORS) * 2;
    const connect = await phase('connect', (g, i) =>
      g.call<GenPhase & { connected: number }>(
        'connect',
        { urls, from: i * share, count: Math.max(0, Math.min(share, CLIENTS - i * share)), perSecond: CONNECT_RATE / GENERATORS, timeoutMs: CLIENT_TIMEOUT_MS },
        (CLIENTS / CONNECT_RATE) * 1000 + CLIENT_TIMEOUT_MS + 30_000,
      ),
    );
    log(`${label}: ${connect.results.reduce((n, c) => n + c.connected, 0)} clients connected in ${connect.cpu.wallMs} ms`);
    // Join, form sessions and signal.
    const join = await phase('join', (g) =>
      g.call<GenPhase & { records: ClientRecord[]; signalLatencies: number[]; joinRetries: number }>(
        'join',
        { queues: QUEUES, perSecond: JOIN_RATE / GENERATORS, timeoutMs: CLIENT_TIMEOUT_MS },
        (CLIENTS / JOIN_RATE) * 1000 + 2 * CLIENT_TIMEOUT_MS + 30_000,
      ),
    );
    const records = join.results.flatMap((j) => j.records);
    const bySession = new Map<string, ClientRecord[]>();
    for (const c of records) {
      if (c.sessionId === undefined) continue;
      const members = bySession.get(c.sessionId) ?? [];
      members.push(c);
      bySession.set(c.sessionId, members);
    }
    const formed = [...bySession.entries()].filter(([, m]) => m.length === 2);
    const joinToAssigned: number[] = [];
    for (const [, members] of formed) {
      const lastJoin = Math.max(...members.map((m) => m.joinSentAt ?? Infinity));
      for (const m of members) if (m.assignedAt !== undefined && Number.isFinite(lastJoin)) joinToAssigned.push(m.assignedAt - lastJoin);
    }
    const signalLatencies = join.results.flatMap((j) => j.signalLatencies);
    log(`${label}: ${formed.length} sessions formed in ${join.cpu.wallMs} ms`);
    // Relay: the first relayFraction of the formed sessions (by id).
    const relaying = formed
      .map(([id]) => id)
      .sort()
      .slice(0, Math.round(formed.length * RELAY_FRACTION));
    const before = await Promise.all(nodeProcs.map((n) => n.call<{ relayedPackets: number }>('stats')));
    const relay = await phase('relay', (g) =>
      g.call<GenPhase & { senders: number; sent: number; skipped: number; received: number; packetBytes: number }>(
        'relay',
        { sessions: relaying, hz: RELAY_HZ, durationMs: DURATION_MS },
        DURATION_MS + 60_000,
      ),
    );
    const all = await nodeLag('lagStop', 'all');
    const mem = await Promise.all(nodeProcs.map((n) => n.call<{ rssMB: number; peakRssMB: number }>('mem')));
    const stats = await Promise.all(
      nodeProcs.map((n) =>
        n.call<{ unhandledRejections: number; lastUnhandled: string; clients: number; sessionsCreated: number; relayedPackets: number; rejected: Record<string, number>; dropped: Record<string, number> }>('stats'),
      ),
    );
    const relayedPackets = stats.reduce((s, x, i) => s + x.relayedPackets - before[i]!.relayedPackets, 0);
    const errorsByKind: Record<string, number> = {};
    // Each generator returns its counts so far: the last phase has them all.
    for (const g of relay.results) for (const [k, v] of Object.entries(g.errors)) errorsByKind[k] = (errorsByKind[k] ?? 0) + v;
    const unhandled = stats.reduce((n, x) => n + x.unhandledRejections, 0);
    if (unhandled > 0) errorsByKind[`node-unhandled-rejection:${stats.find((x) => x.lastUnhandled)?.lastUnhandled ?? ''}`] = unhandled;
    const sent = relay.results.reduce((s, g) => s + g.sent, 0);
    const received = relay.results.reduce((s, g) => s + g.received, 0);
    const packetBytes = relay.results.find((g) => g.packetBytes > 0)?.packetBytes ?? 0;
    const relaySeconds = relay.cpu.wallMs / 1000;
    const clientsConnected = connect.results.reduce((n, c) => n + c.connected, 0);
    const cpuMs = (c: PhaseCpu): number => (c.nodes.reduce((s, x) => s + x, 0) + (c.redis ?? 0)) * c.wallMs;
    return {
      nodes,
      redis,
      clients: clientsConnected,
      generators: GENERATORS,
      sessionsFormed: formed.length,
      crossNodeSessions: formed.filter(([, m]) => m[0]!.node !== m[1]!.node).length,
      errors: Object.values(errorsByKind).reduce((s, v) => s + v, 0),
      errorsByKind,
      joinRetries: join.results.reduce((n, j) => n + j.joinRetries, 0),
      joinToAssignedMsP50: p(joinToAssigned, 0.5),
      joinToAssignedMsP99: p(joinToAssigned, 0.99),
      signalLatencyMsP50: p(signalLatencies, 0.5),
      signalLatencyMsP99: p(signalLatencies, 0.99),
      relaySessions: relaying.length,
      relayPacketsSent: sent,
      relayPacketsReceived: received,
      relayDeliveredRatio: sent > 0 ? Math.round((received / sent) * 10_000) / 10_000 : null,
      relaySlotsSkipped: relay.results.reduce((s, g) => s + g.skipped, 0),
      relayPacketBytes: packetBytes,
      // Payload bytes the server receives plus sends for one relaying session, a second (both directions).
      relayServerBytesPerSecondPerSession: relaying.length > 0 && relaySeconds > 0 ? Math.round((relayedPackets * packetBytes * 2) / relaySeconds / relaying.length) : null,
      relayWireBytesPerSecondPerSession:
        relaying.length > 0 && relaySeconds > 0 ? Math.round((relayedPackets * relayFrameBytes(packetBytes)) / relaySeconds / relaying.length) : null,
      capacity: {
        connectCpuMsPerClient: clientsConnected > 0 ? round2(cpuMs(connect.cpu) / clientsConnected) : null,
        setupCpuMsPerSession: formed.length > 0 ? round2(cpuMs(join.cpu) / formed.length) : null,
        relayPhaseCoresPerRelayingSession: relaying.length > 0 ? Math.round((cpuMs(relay.cpu) / relay.cpu.wallMs / relaying.length) * 10_000) / 10_000 : null,
        sessionsPerCoreAtRelayFraction: cpuMs(relay.cpu) > 0 ? Math.round(formed.length / (cpuMs(relay.cpu) / relay.cpu.wallMs)) : null,
        relayCpuUsPerPacket: relayedPackets > 0 ? round1((cpuMs(relay.cpu) * 1000) / relayedPackets) : null,
        relayingSessionsPerCoreAtRelayHz: relayedPackets > 0 ? Math.round(1 / ((2 * RELAY_HZ * cpuMs(relay.cpu)) / 1000 / relayedPackets)) : null,
      },
      relayHzAchieved: relaying.length > 0 && relaySeconds > 0 ? round1(sent / (2 * relaying.length) / relaySeconds) : null,
      perNode: all.map((l, i) => ({
        node: i,
        clients: records.filter((c) => c.node === i).length,
        eventLoopLagMsP99: l.p99Ms,
        eventLoopLagMsMax: l.maxMs,
        relayPhaseLagMsP99: relay.lags[i]!.p99Ms,
        cpuCores: l.cpuShare,
        rssMB: mem[i]!.rssMB,
        peakRssMB: mem[i]!.peakRssMB,
        sessionsCreated: stats[i]!.sessionsCreated,
        rejected: stats[i]!.rejected,
        dropped: stats[i]!.dropped,
      })),
      nodeCpuMs: Math.round(cpuMs(connect.cpu) + cpuMs(join.cpu) + cpuMs(relay.cpu)),
      phasesMs: { connect: connect.cpu.wallMs, join: join.cpu.wallMs, relay: relay.cpu.wallMs },
      cpu: { connect: connect.cpu, join: join.cpu, relay: relay.cpu },
    };
  } finally {
    ending = true;
    await Promise.all(gens.map((g) => g.call('close', {}, 10_000).catch(() => undefined)));
    await Promise.all(nodeProcs.map((n) => n.call('stop', {}, 10_000).catch(() => undefined)));
    for (const c of [...gens, ...nodeProcs]) {
      c.kill();
      started.delete(c);
    }
    await r?.stop();
    started.delete(stopRedis);
  }
}

// ── run ─────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  const limit = setTimeout(() => {
    console.error(`netroll bench:load: over ${RUN_LIMIT_MS / 60_000} minutes, stopping`);
    shutdown();
    process.exit(2);
  }, RUN_LIMIT_MS);
  limit.unref();
  if (NODES > 1 && !REDIS) log('note: several nodes without Redis never match clients across nodes');
  const load0 = loadavg()[0]!;
  const cluster = await runConfiguration(NODES, REDIS);
  const single = COMPARE ? await runConfiguration(1, false) : undefined;
  const maxLag = Math.max(...cluster.perNode.map((n) => n.eventLoopLagMsP99));
  const out = {
    bench: 'load',
    ...cluster,
    relayFraction: RELAY_FRACTION,
    relayHz: RELAY_HZ,
    durationMs: DURATION_MS,
    queues: QUEUES,
    connectRate: CONNECT_RATE,
    joinRate: JOIN_RATE,
    ...(single
      ? {
          single,
          lagRatioClusterVsSingle: single.perNode[0]!.eventLoopLagMsP99 > 0 ? round2(maxLag / single.perNode[0]!.eventLoopLagMsP99) : null,
          nodeCpuRatioClusterVsSingle: single.nodeCpuMs > 0 ? round2(cluster.nodeCpuMs / single.nodeCpuMs) : null,
          setupCpuRatioClusterVsSingle:
            cluster.capacity.setupCpuMsPerSession !== null && single.capacity.setupCpuMsPerSession ? round2(cluster.capacity.setupCpuMsPerSession / single.capacity.setupCpuMsPerSession) : null,
        }
      : {}),
    goal: {
      nodes: 2,
      clients: 2000,
      sessions: 1000,
      errors: 0,
      eventLoopLagMsP99PerNode: 50,
      met: cluster.nodes >= 2 && cluster.clients >= 2000 && cluster.sessionsFormed >= 1000 && cluster.errors === 0 && maxLag <= 50,
    },
    machine: {
      cpus: cpus().length,
      loadavg1mAtStart: round2(load0),
      loadavg1mAtEnd: round2(loadavg()[0]!),
      note: 'figures depend on the machine and its other load: see cpu.*.otherCpuCores',
    },
    definitions: DEFINITIONS,
  };
  if (JSON_OUT) {
    console.log(JSON.stringify(out));
    return;
  }
  const show = (name: string, x: RunResult): void => {
    console.log(`\n${name}: ${x.nodes} node(s)${x.redis ? ' + Redis' : ''}, ${x.clients} clients, ${x.generators} generator(s)`);
    console.log(`  sessions formed ${x.sessionsFormed} (across nodes ${x.crossNodeSessions}), errors ${x.errors} ${JSON.stringify(x.errorsByKind)}`);
    console.log(`  join → assigned P50 ${x.joinToAssignedMsP50} ms, P99 ${x.joinToAssignedMsP99} ms; signal latency P50 ${x.signalLatencyMsP50} ms, P99 ${x.signalLatencyMsP99} ms`);
    console.log(`  relay: ${x.relaySessions} sessions at ${RELAY_HZ} Hz, ${x.relayPacketsReceived}/${x.relayPacketsSent} delivered, ${x.relayPacketBytes} B packets`);
    for (const n of x.perNode) console.log(`  node ${n.node}: lag P99 ${n.eventLoopLagMsP99} ms (relay phase ${n.relayPhaseLagMsP99} ms), CPU ${n.cpuCores} cores, RSS ${n.rssMB} MB`);
    for (const [ph, c] of Object.entries(x.cpu)) console.log(`  cpu ${ph}: ${JSON.stringify(c)}`);
  };
  show('cluster', cluster);
  if (single) show('single node', single);
  if ('lagRatioClusterVsSingle' in out) console.log(`\nlag ratio cluster/single ${String(out.lagRatioClusterVsSingle)}, node CPU ratio ${String(out.nodeCpuRatioClusterVsSingle)}`);
  console.log(`goal met: ${out.goal.met}`);
}

function shutdown(): void {
  for (const s of started) s.kill();
  started.clear();
}
process.on('SIGINT', () => (shutdown(), process.exit(130)));
process.on('SIGTERM', () => (shutdown(), process.exit(143)));
main()
  .catch((e: unknown) => {
    console.error(e);
    // The last line is JSON in every case, so a caller can read why.
    if (JSON_OUT) console.log(JSON.stringify({ bench: 'load', failed: e instanceof Error ? e.message : String(e), nodes: NODES, clients: CLIENTS, machine: { cpus: cpus().length, loadavg1m: round2(loadavg()[0]!) } }));
    process.exitCode = 1;
  })
  .finally(() => {
    shutdown();
    setTimeout(() => process.exit(), 500).unref();
  });
