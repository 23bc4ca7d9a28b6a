/**
 * netroll network benchmark: `npm run bench:net` (readable table) or
 * `npm run bench:net -- --json` (one JSON object on the last line).
 *
 * Real Chromium pages (the e2e page, `harness/page`) joining through the
 * real server, as the e2e tests do (`harness/e2e.ts`):
 *
 * - connect time, `--runs` times (default 20) each for `direct` (no TURN
 *   configured, host candidates) and `relay` (a throwaway coturn with REST
 *   credentials, both pages on `iceTransportPolicy: 'relay'`);
 * - link RTT over the inputs DataChannel during a short game (the link pings);
 * - relay failover: in one direct game, `--failover-runs` times (default 5),
 *   one page closes its inputs channel and we read when the first input went
 *   over the server relay; between runs P2P takes the route back;
 * - server restart: `--restart-runs` times (default 5) the server process of
 *   a relay-only game is killed and restarted (bench/server-restart.ts);
 * - reload rejoin: `--reload-runs` times (default 5) one page of a direct
 *   game is reloaded and plays again (bench/reload.ts).
 *
 * Exact definitions are in `DEFINITIONS`, printed with the JSON. Nothing
 * asserts on timings. Every wait is bounded; pages, browser, servers and
 * coturn are closed at the end, also on errors and on SIGINT/SIGTERM.
 *
 * As root, the benchmark re-runs itself inside a private network namespace
 * (`unshare -n scripts/netns.sh`, like the e2e tests) so Chromium has a
 * non-loopback interface for host candidates and no packet leaves the
 * machine. Otherwise it runs on this host.
 *
 * - spectator lag: one direct 2-player game of --spectator-frames frames
 *   watched by two spectator pages (watchGame, delay 6 frames), one fed by a
 *   player over a DataChannel, one through the server's fan-out.
 *
 * Options: --json, --runs N (default 20), --failover-runs N (default 5),
 * --rtt-frames N (game length for the RTT sample, default 600),
 * --restart-runs N (default 5), --reload-runs N (default 5),
 * --spectator-frames N (600..1000, default 1000), --only spectators or
 * --only reload (just that part).
 */
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright';
import { type Coturn, startCoturn } from '../harness/coturn.ts';
import { type E2E, call, inNamespace, joinRoom, leaveAll, openPages, results, sleep, startE2E, waitFrames } from '../harness/e2e.ts';
import type { PlayResult } from '../harness/types.ts';
import { SERVER_RESTART_DEFINITION, serverRestartRuns } from './server-restart.ts';
import { REJOIN_DEFINITIONS, rejoinMs, snapshotTransferMs } from './rejoin.ts';
import { RELOAD_DEFINITION, reloadRuns } from './reload.ts';
import { median, p95 } from './stats.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LOOPBACK_ARG = '--allow-loopback-in-peer-connection';

const DEFINITIONS = {
  connectMs:
    'Per run, two fresh joins into a new room, started together from Node: for each page, ms from its joinGame() call to both of its DataChannels (inputs + control) being open (NetSession.timings.openMs, page clock); the run counts the later of the two pages. The pages are reused between runs (each run makes a new socket.io connection, RTCPeerConnection and engine worker). P50/P95: linear-interpolated percentiles over the successful runs.',
  connectMsDirect: 'connectMs with no STUN/TURN server configured: ICE uses host candidates on the namespace veth address (198.18.0.1).',
  connectMsRelay: "connectMs through a local coturn (127.0.0.1, REST credentials issued by the server) with iceTransportPolicy 'relay' on both pages.",
  connectMs_: 'connectMsP50 / connectMsP95 are the direct figures.',
  connectionTypesAtOpen:
    "Distinct connection types (PeerLink getStats: selected candidate pair) first read when the channels opened, over the connect runs. 'prflx' there means the peer's connectivity check arrived before its trickled candidate; PeerLink re-reads the type every 2 s.",
  inputRttMs:
    'Link-level ping RTT on the reliable control DataChannel (PeerLink pings every 200 ms, answered by the remote page on receipt), every sample from both pages over one game of --rtt-frames frames (rttWindow raised so no sample is dropped). inputRttMsP50/P95: direct; inputRttMsP50Relay: the same through coturn.',
  relayFailoverMs:
    "Direct game; the page of player 1 closes its inputs DataChannel (RTCDataChannel.close()); ms from that call to the first input packet that page sends to the peer through the server relay (page clock: route switch time + MeshTransport's lastFailoverMs). Median over --failover-runs closes in the same game, each after P2P took the route back. relayFailoverMsRemote: the same for the other page (its first relay input after the close, compared across pages via performance.timeOrigin).",
  serverRestartRecoveryMs: SERVER_RESTART_DEFINITION,
  spectatorLagMs:
    "Per confirmed-input batch a spectator receives: when its viewer (worker) steps the batch's last frame, minus when the sending player's engine confirmed that frame (the tick that moved its confirmed frame; epoch-ms clocks of the two pages' threads, performance.timeOrigin + now, same machine), minus the configured delay (6 frames x 16.7 ms). So it is the lag beyond the delay: the feed's poll (16 ms), the transport, the viewer's tick. spectatorLagMsP50: median over every sample of both spectators (one P2P, one via the server's fan-out) over one game of --spectator-frames frames; spectatorLagMsP50P2P / spectatorLagMsP50Server: per path.",
  rejoinMsP50: RELOAD_DEFINITION,
};

interface Args {
  json: boolean;
  runs: number;
  failoverRuns: number;
  rttFrames: number;
  restartRuns: number;
  spectatorFrames: number;
  onlySpectators: boolean;
  onlyReload: boolean;
  reloadRuns: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { json: false, runs: 20, failoverRuns: 5, rttFrames: 600, restartRuns: 5, spectatorFrames: 1000, onlySpectators: false, onlyReload: false, reloadRuns: 5 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1 || v > 1000) throw new Error(`${a}: expected an integer 1..1000`);
      return v;
    };
    if (a === '--json') args.json = true;
    else if (a === '--runs') args.runs = num();
    else if (a === '--failover-runs') args.failoverRuns = num();
    else if (a === '--rtt-frames') args.rttFrames = num();
    else if (a === '--restart-runs') args.restartRuns = num();
    else if (a === '--reload-runs') args.reloadRuns = num();
    else if (a === '--spectator-frames') args.spectatorFrames = Math.max(600, num());
    else if (a === '--only' && argv[i + 1] === 'spectators') {
      args.onlySpectators = true;
      i++;
    } else if (a === '--only' && argv[i + 1] === 'reload') {
      args.onlyReload = true;
      i++;
    } else throw new Error(`unknown option ${a} (options: --json --runs N --failover-runs N --rtt-frames N --restart-runs N --reload-runs N --spectator-frames N --only spectators|reload)`);
  }
  return args;
}

/** As root outside a namespace: run this same command inside one and exit with its status. Returns false to run here. */
function reexecInNamespace(): boolean {
  if (process.env.NETROLL_BENCH_NETNS === '1' || process.getuid?.() !== 0 || inNamespace()) return false;
  if (spawnSync('unshare', ['-n', 'true'], { stdio: 'ignore' }).status !== 0) return false;
  const r = spawnSync('unshare', ['-n', resolve(ROOT, 'scripts/netns.sh'), process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, NETROLL_BENCH_NETNS: '1' },
  });
  process.exit(r.status ?? 1);
}

const log = (msg: string) => process.stderr.write(`${msg}\n`);
const round = (v: number, digits = 1) => (Number.isFinite(v) ? Number(v.toFixed(digits)) : null);

/** Things to close at the end (last opened, first closed). */
const closers: (() => Promise<void>)[] = [];
async function closeAll(): Promise<void> {
  while (closers.length > 0) await closers.pop()!().catch((e: unknown) => log(`close failed: ${String(e)}`));
}

/** `runs` connections of two pages; returns the successful connect times and the connection types first read at open. */
async function connectRuns(e2e: E2E, pages: Page[], label: string, runs: number, policy: 'all' | 'relay'): Promise<{ ms: number[]; failures: number; types: string[] }> {
  const ms: number[] = [];
  const types = new Set<string>();
  let failures = 0;
  for (let i = 0; i < runs; i++) {
    try {
      const joined = await joinRoom(pages, { server: e2e.serverUrl, room: `connect-${label}-${i}`, players: 2, frames: 30, iceTransportPolicy: policy });
      const open = joined.map((j) => j.openMs);
      if (open.every((v): v is number => v !== null)) ms.push(Math.max(...open));
      else failures++;
      for (const r of await results(pages)) {
        const first = r.links[0]?.connectionHistory[0];
        if (first) types.add(first.type);
      }
    } catch (e) {
      failures++;
      log(`${label} run ${i}: ${e instanceof Error ? e.message : String(e)}`);
    }
    await leaveAll(pages);
    await sleep(100);
    log(`${label} connect ${i + 1}/${runs}: ${ms.at(-1)?.toFixed(1) ?? 'failed'} ms`);
  }
  return { ms, failures, types: [...types] };
}

/** Every RTT sample both pages took during one game. */
async function rttSamples(e2e: E2E, pages: Page[], room: string, frames: number, policy: 'all' | 'relay'): Promise<number[]> {
  await joinRoom(pages, { server: e2e.serverUrl, room, players: 2, frames, iceTransportPolicy: policy, link: { health: { rttWindow: 100_000 } } });
  await waitFrames(pages, frames);
  const samples = (await results(pages)).flatMap((r) => r.links[0]?.health.samples ?? []);
  await leaveAll(pages);
  return samples;
}

/** Absolute time of the first input sent via relay after the first switch to relay at or after `since` (absolute), or null. */
function firstRelayInput(r: PlayResult, since: number): number | null {
  const link = r.links[0];
  const sw = link?.routeHistory.find((h) => h.route === 'relay' && r.timeOrigin + h.at >= since - 1);
  if (!link || !sw || link.lastFailoverMs === null) return null;
  return r.timeOrigin + sw.at + link.lastFailoverMs;
}

/** Close the inputs channel `runs` times in one game; failover times for the closing page and the other one. */
async function failoverRuns(e2e: E2E, pages: Page[], runs: number): Promise<{ local: number[]; remote: number[] }> {
  const local: number[] = [];
  const remote: number[] = [];
  const joined = await joinRoom(pages, { server: e2e.serverUrl, room: 'failover', players: 2, frames: 60 * 60 * 5 });
  const closer = joined.findIndex((j) => j.playerIndex === 1);
  const other = 1 - closer;
  await waitFrames(pages, 120);
  for (let i = 0; i < runs; i++) {
    // wait (bounded) until P2P carries the inputs again
    const deadline = Date.now() + 15_000;
    let ready = false;
    while (!ready && Date.now() < deadline) {
      ready = (await results(pages)).every((r) => r.links[0]?.route === 'p2p' && r.links[0].open && r.links[0].failovers === r.links[0].recoveries);
      if (!ready) await sleep(100);
    }
    if (!ready) {
      log(`failover run ${i}: P2P did not take the route back within 15 s; stopping`);
      break;
    }
    await sleep(500);
    const closedAtPage = await call(pages[closer]!, 'closeChannel', 0);
    await sleep(1000); // past the failover, before the initiator re-opens the channel (2 s)
    const rs = await results(pages);
    const closedAt = rs[closer]!.timeOrigin + closedAtPage;
    const l = firstRelayInput(rs[closer]!, closedAt);
    const r = firstRelayInput(rs[other]!, closedAt);
    if (l !== null) local.push(l - closedAt);
    if (r !== null) remote.push(r - closedAt);
    log(`failover ${i + 1}/${runs}: closing page ${l === null ? 'none' : (l - closedAt).toFixed(1)} ms, other page ${r === null ? 'none' : (r - closedAt).toFixed(1)} ms`);
  }
  await leaveAll(pages);
  return { local, remote };
}

/** One 2-player game watched by a P2P spectator and a server-path spectator; their lag samples (ms beyond the delay). */
async function spectatorLag(e2e: E2E, pages: Page[], frames: number): Promise<{ p2p: number[]; server: number[] }> {
  const viewers = await openPages(e2e, 2);
  await joinRoom(pages, { server: e2e.serverUrl, room: 'spectators', players: 2, frames });
  await waitFrames(pages, 120);
  const sessionId = (await results(pages))[0]!.sessionId;
  await Promise.all(viewers.map((v, i) => call(v, 'watch', { server: e2e.serverUrl, session: sessionId, via: i === 0 ? 'p2p' : 'server', delayFrames: 6 })));
  await waitFrames(pages, frames);
  const end = Date.now() + 30_000;
  let ws = await Promise.all(viewers.map((v) => call(v, 'watchResult')));
  while (ws.some((w) => w.frame < frames) && Date.now() < end) {
    await sleep(200);
    ws = await Promise.all(viewers.map((v) => call(v, 'watchResult')));
  }
  for (const w of ws) log(`spectator (${w.path}): frame ${w.frame}, ${w.lagSamples.length} lag samples, p50 ${w.lagMsP50.toFixed(1)} ms, gaps ${w.gaps}`);
  await Promise.all(viewers.map((v) => call(v, 'unwatch')));
  await leaveAll(pages);
  await Promise.all(viewers.map((v) => v.context().close()));
  return { p2p: ws.filter((w) => w.path === 'p2p').flatMap((w) => w.lagSamples), server: ws.filter((w) => w.path === 'server').flatMap((w) => w.lagSamples) };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  reexecInNamespace();
  const namespace = inNamespace();
  if (!namespace) log('netroll bench:net: not in a private network namespace (needs root + unshare); running on this host.');
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => void closeAll().finally(() => process.exit(130)));
  }

  // direct: no TURN configured
  log('direct: starting server, Vite and Chromium');
  let e2e = await startE2E({}, namespace ? [] : [LOOPBACK_ARG]);
  closers.push(() => e2e.close());
  let pages = await openPages(e2e, 2);
  if (args.onlyReload) {
    log('reload: a page reloads mid-game and plays again');
    const reload = await reloadRuns(e2e, pages, args.reloadRuns, log);
    await closeAll();
    const only = { bench: 'net', rejoinMsP50: round(median(reload)), runs: { reloads: reload.length, rejoinMs: reload.map((v) => round(v)) }, environment: { namespace, node: process.version }, definitions: { rejoinMsP50: RELOAD_DEFINITION } };
    console.log(args.json ? JSON.stringify(only) : `rejoin P50 (reload → playing) ${String(only.rejoinMsP50)} ms over ${reload.length} reloads`);
    return;
  }
  log('direct: spectator game');
  const spect = await spectatorLag(e2e, pages, args.spectatorFrames);
  const spectatorFigures = {
    spectatorLagMsP50: round(median([...spect.p2p, ...spect.server])),
    spectatorLagMsP50P2P: round(median(spect.p2p)),
    spectatorLagMsP50Server: round(median(spect.server)),
  };
  if (args.onlySpectators) {
    await closeAll();
    const only = { bench: 'net', ...spectatorFigures, runs: { spectatorLagSamples: spect.p2p.length + spect.server.length }, environment: { namespace, node: process.version }, definitions: { spectatorLagMs: DEFINITIONS.spectatorLagMs } };
    console.log(args.json ? JSON.stringify(only) : `spectator lag beyond the delay P50 ${String(only.spectatorLagMsP50)} ms (P2P ${String(only.spectatorLagMsP50P2P)}, server ${String(only.spectatorLagMsP50Server)})`);
    return;
  }
  const direct = await connectRuns(e2e, pages, 'direct', args.runs, 'all');
  log('direct: RTT game');
  const rttDirect = await rttSamples(e2e, pages, 'rtt-direct', args.rttFrames, 'all');
  log('direct: failover game');
  const failover = await failoverRuns(e2e, pages, args.failoverRuns);
  log('server restart: relay-only game on a server process, killed and restarted');
  const restart = await serverRestartRuns(e2e, pages, args.restartRuns, log);
  log('reload: a page reloads mid-game and plays again');
  const reload = await reloadRuns(e2e, pages, args.reloadRuns, log);
  await closeAll();

  // relay: coturn with REST credentials, relay-only pages
  log('relay: starting coturn, server, Vite and Chromium');
  const coturn: Coturn = await startCoturn();
  closers.push(() => coturn.stop());
  e2e = await startE2E({ turnSecret: coturn.secret, turnUrls: [coturn.url] }, [LOOPBACK_ARG]);
  closers.push(() => e2e.close());
  pages = await openPages(e2e, 2);
  const relay = await connectRuns(e2e, pages, 'relay', args.runs, 'relay');
  log('relay: RTT game');
  const rttRelay = await rttSamples(e2e, pages, 'rtt-relay', args.rttFrames, 'relay');
  await closeAll();

  log('rejoin: engine-level state transfer and rejoin runs');
  const transfer = snapshotTransferMs(20);
  const rejoin = rejoinMs(7);

  const out = {
    bench: 'net',
    connectMsP50: round(median(direct.ms)),
    connectMsP95: round(p95(direct.ms)),
    connectMsP50Direct: round(median(direct.ms)),
    connectMsP95Direct: round(p95(direct.ms)),
    connectMsP50Relay: round(median(relay.ms)),
    connectMsP95Relay: round(p95(relay.ms)),
    inputRttMsP50: round(median(rttDirect), 2),
    inputRttMsP95: round(p95(rttDirect), 2),
    inputRttMsP50Relay: round(median(rttRelay), 2),
    relayFailoverMs: round(median(failover.local)),
    relayFailoverMsRemote: round(median(failover.remote)),
    serverRestartRecoveryMs: round(median(restart)),
    snapshotTransferMs: round(transfer.median, 2),
    snapshotTransferBytes: transfer.bytes,
    rejoinMsP50: round(median(reload)),
    rejoinEngineMsP50: round(rejoin.median),
    ...spectatorFigures,
    runs: {
      connectDirect: direct.ms.length,
      connectDirectFailures: direct.failures,
      connectRelay: relay.ms.length,
      connectRelayFailures: relay.failures,
      rttSamplesDirect: rttDirect.length,
      rttSamplesRelay: rttRelay.length,
      failovers: failover.local.length,
      serverRestarts: restart.length,
      spectatorLagSamples: spect.p2p.length + spect.server.length,
      reloads: reload.length,
    },
    connectionTypesAtOpen: { direct: direct.types, relay: relay.types },
    samples: {
      connectMsDirect: direct.ms.map((v) => round(v)),
      connectMsRelay: relay.ms.map((v) => round(v)),
      relayFailoverMs: failover.local.map((v) => round(v)),
      relayFailoverMsRemote: failover.remote.map((v) => round(v)),
      serverRestartRecoveryMs: restart.map((v) => round(v)),
      snapshotTransferMs: transfer.samples.map((v) => round(v, 2)),
      rejoinMs: reload.map((v) => round(v)),
      rejoinEngineMs: rejoin.samples.map((v) => round(v)),
    },
    environment: { namespace, node: process.version },
    definitions: { ...REJOIN_DEFINITIONS, ...DEFINITIONS },
  };
  if (args.json) {
    console.log(JSON.stringify(out));
    return;
  }
  const rows: [string, number | null, string][] = [
    ['connect direct P50', out.connectMsP50Direct, 'ms'],
    ['connect direct P95', out.connectMsP95Direct, 'ms'],
    ['connect relay P50', out.connectMsP50Relay, 'ms'],
    ['connect relay P95', out.connectMsP95Relay, 'ms'],
    ['input RTT direct P50', out.inputRttMsP50, 'ms'],
    ['input RTT direct P95', out.inputRttMsP95, 'ms'],
    ['input RTT relay P50', out.inputRttMsP50Relay, 'ms'],
    ['relay failover (closing page)', out.relayFailoverMs, 'ms'],
    ['relay failover (other page)', out.relayFailoverMsRemote, 'ms'],
    ['server restart → relay delivering', out.serverRestartRecoveryMs, 'ms'],
    ['64 KiB state transfer (engine)', out.snapshotTransferMs, 'ms'],
    ['rejoin P50 (reload → playing)', out.rejoinMsP50, 'ms'],
    ['rejoin P50 (engine, virtual)', out.rejoinEngineMsP50, 'ms'],
    ['spectator lag beyond delay P50', out.spectatorLagMsP50, 'ms'],
  ];
  for (const [name, v, unit] of rows) console.log(`${name.padEnd(32)} ${String(v ?? '-').padStart(9)} ${unit}`);
  console.log(`runs: ${JSON.stringify(out.runs)}; connection types at open: ${JSON.stringify(out.connectionTypesAtOpen)}; namespace: ${namespace}`);
}

main().then(
  () => process.exit(0),
  async (e: unknown) => {
    log(`bench:net failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    await closeAll();
    process.exit(1);
  },
);
