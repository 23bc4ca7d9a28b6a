/**
 * The end-to-end test page: `window.e2e` joins a game through the real
 * server and plays it with random inputs; tests drive it with Playwright.
 */
import { joinGame, type NetSession } from '../../main/connect.ts';
import { type Viewer, watchGame } from '../../main/watch.ts';
import type { HostMetrics } from '../../worker/api.ts';
import type { LinkConfig } from '../../main/peer-link.ts';
import { PeerLink } from '../../main/peer-link.ts';
import { gate, gated } from './gate.ts';
import { Prng } from '../../src/util/prng.ts';
import { decodeInputLog } from '../../src/engine/input-log.ts';
import { Simulation } from '../../src/engine/simulation.ts';
import { gameFromSpec } from '../../src/games/index.ts';
import type { ArenaRender } from '../../src/games/arena.ts';
import type { LinkPairOptions, LinkPairResult, PlayOptions, PlayResult, SeenScores, SignalingSummary, UploadSummary, WatchOptions, WatchResult } from '../types.ts';

let current: NetSession | null = null;
/** The links of the current session, by remote player (made here, so a test can close a channel). */
const peerLinks = new Map<number, PeerLink>();
const statuses: PlayResult['statuses'] = [];
const departures: PlayResult['peerLeft'] = [];
const serverPeerLeft: PlayResult['serverPeerLeft'] = [];
const pauses: PlayResult['pauses'] = [];
const presence: PlayResult['presence'] = [];
let inputTimer: ReturnType<typeof setInterval> | null = null;
/** Signaling state changes (wall clock), and relay receipts since the last `markRelay`. */
const signalingStates: SignalingSummary['states'] = [];
let relayMark = { first: null as number | null, count: 0 };
const wallNow = () => performance.timeOrigin + performance.now();
/** Absence and rejoin events of the current session, with the page time they arrived. */
const rejoinEvents: Record<string, unknown>[] = [];

/** Cut this page's game traffic (every link, both ways) for `ms`; resolves when it is back. */
function blackout(ms: number): Promise<number> {
  gate.closed = true;
  return new Promise((resolve) =>
    setTimeout(() => {
      gate.closed = false;
      resolve(performance.now());
    }, ms),
  );
}
const waiting: PlayResult['waiting'] = [];
/** Confirmed arena states this page rendered (at most 20,000). */
const seen: SeenScores[] = [];

const hex = (b: Uint8Array) => Array.from(b, (v) => v.toString(16).padStart(2, '0')).join('');

async function join(o: PlayOptions): Promise<{ playerIndex: number; openMs: number | null }> {
  if (inputTimer) clearInterval(inputTimer);
  statuses.length = 0;
  departures.length = 0;
  serverPeerLeft.length = 0;
  rejoinEvents.length = 0;
  pauses.length = 0;
  presence.length = 0;
  waiting.length = 0;
  seen.length = 0;
  peerLinks.clear();
  signalingStates.length = 0;
  relayMark = { first: null, count: 0 };
  const link: LinkConfig = { ...o.link, connection: { ...o.link?.connection, iceTransportPolicy: o.iceTransportPolicy ?? 'all' } };
  const turnUrl = o.turnUrl;
  current = await joinGame({
    server: o.server,
    ...(o.fallbackServers !== undefined ? { fallbackServers: o.fallbackServers } : {}),
    ...(o.session !== undefined ? { session: o.session } : o.room !== undefined ? { room: o.room } : { queue: o.queue ?? 'default' }),
    players: o.players,
    ...(o.startPlayers !== undefined ? { startPlayers: o.startPlayers } : {}),
    onWaiting: (w) => waiting.push({ ...w }),
    ...(o.maxRttMs !== undefined ? { maxRttMs: o.maxRttMs } : {}),
    ...(o.waitTimeoutMs !== undefined ? { waitTimeoutMs: o.waitTimeoutMs } : {}),
    ...(o.matchTimeoutMs !== undefined ? { matchTimeoutMs: o.matchTimeoutMs } : {}),
    ...(o.participantId !== undefined ? { participantId: o.participantId } : {}),
    game: o.game ?? 'arena',
    // Python games (py-NAME) load Pyodide in the worker from this origin (served by the harness's pyodideAssets plugin).
    pyodideUrl: new URL('/pyodide/', location.href).href,
    endFrame: o.frames,
    hashInterval: 60,
    engine: new Worker(new URL('../../worker/builtin.ts', import.meta.url), { type: 'module' }),
    links: (spec) => {
      const iceServers = turnUrl === undefined ? spec.iceServers : spec.iceServers.map((s) => (s.username !== undefined ? { ...s, urls: turnUrl } : s));
      const l = new PeerLink({ ...link, ...spec, iceServers });
      peerLinks.set(spec.remotePlayer, l);
      return gated(l);
    },
    ...(o.p2pTimeoutMs !== undefined ? { p2pTimeoutMs: o.p2pTimeoutMs } : {}),
    ...(o.research ? { research: o.research } : {}),
    ...(o.mesh ? { mesh: o.mesh } : {}),
    ...(o.minPlayers !== undefined ? { minPlayers: o.minPlayers } : {}),
    rejoinWindowMs: o.rejoinWindowMs ?? 0,
    ...(o.pauseOnPeerHidden !== undefined ? { pauseOnPeerHidden: o.pauseOnPeerHidden } : {}),
    ...(o.focusLossTimeoutMs !== undefined ? { focusLossTimeoutMs: o.focusLossTimeoutMs } : {}),
    ...(o.episodes !== undefined ? { episodes: o.episodes } : {}),
    ...(o.countdownFrames !== undefined ? { countdownFrames: o.countdownFrames } : {}),
    ...(o.spectators !== undefined ? { spectators: o.spectators } : {}),
  });
  current.on('peer', (e) => statuses.push({ peer: e.peer, status: e.status, at: performance.now() }));
  current.signaling.on('state', (e) => signalingStates.push({ state: e.state, at: wallNow() }));
  current.signaling.on('relay', () => {
    relayMark.count++;
    relayMark.first ??= wallNow();
  });
  current.on('peer-left', (e) => departures.push({ player: e.player, frame: e.frame, remaining: e.remaining }));
  current.signaling.on('peer-left', (e) => serverPeerLeft.push({ player: e.playerIndex, reason: e.reason }));
  for (const type of ['peer-absent', 'peer-returned', 'rejoining', 'transfer'] as const) {
    current.on(type, (e) => rejoinEvents.push({ ...e, at: performance.now() }));
  }
  for (const type of ['pause', 'resume'] as const) {
    current.on(type, (e) => pauses.push({ type, player: e.player, id: e.id, frame: e.frame, reason: e.reason, final: e.final }));
  }
  current.on('presence', (e) => presence.push({ player: e.player, focused: e.focused }));
  current.onRender((f) => {
    // a render's state is the start of `frame`: after frame - 1, confirmed once confirmedFrame reached it
    const state = f.state as ArenaRender | null;
    if (!state?.players || f.frame < 1 || f.confirmedFrame < f.frame - 1 || seen.length >= 20_000) return;
    if (seen.length > 0 && seen.at(-1)!.frame === f.frame - 1) return;
    seen.push({ frame: f.frame - 1, episode: f.episode, scores: state.players.map((p) => p.score) });
  });
  const rng = new Prng(o.inputSeed);
  inputTimer = setInterval(() => {
    current?.setInput(Uint8Array.of(rng.nextInt(32)));
  }, 50);
  return { playerIndex: current.assignment.playerIndex, openMs: current.timings.openMs };
}

async function waitConfirmed(frame: number, timeoutMs: number): Promise<number> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const s = await current!.stats();
    if (s.confirmedFrame >= frame - 1 || performance.now() > end) return s.confirmedFrame;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function result(): Promise<PlayResult> {
  const m: HostMetrics = await current!.exportSessionMetrics();
  return {
    playerIndex: current!.assignment.playerIndex,
    sessionId: current!.assignment.sessionId,
    confirmedFrame: m.stats.confirmedFrame,
    desyncs: m.stats.desyncs,
    rollbacks: m.stats.rollbacks,
    maxRollback: m.stats.maxRollback,
    inputLogHex: hex(m.inputLog),
    confirmedHash: m.confirmedHash.hash,
    links: current!.links(),
    timings: current!.timings,
    statuses: statuses.slice(),
    peerLeft: departures.slice(),
    serverPeerLeft: serverPeerLeft.slice(),
    departures: m.departures.map((d) => ({ ...d })),
    ended: current!.ended,
    iceServers: current!.assignment.iceServers.map((s) => ({ ...s })),
    turn: current!.assignment.turn,
    timeOrigin: performance.timeOrigin,
    pauses: pauses.slice(),
    presence: presence.slice(),
    frame: m.stats.frame,
    pausedTicks: m.stats.pausedTicks,
    waiting: waiting.slice(),
    hashes: m.hashes.map((h) => ({ ...h })),
    malformed: m.stats.malformed,
    packetsReceived: m.stats.packetsReceived,
    directChannels: m.stats.directChannels,
    spectatorFeed: current!.spectators(),
  };
}

/** The confirmed arena states this page rendered. */
function seenScores(): SeenScores[] {
  return seen.slice();
}

/** This page's own confirmed input log replayed here with its game's record(): one object per frame. */
async function recordRows(): Promise<Record<string, number>[]> {
  const m = await current!.exportSessionMetrics();
  const d = decodeInputLog(m.inputLog);
  if (!d.ok) throw new Error(d.error.message);
  const log = d.log;
  const game = gameFromSpec(log.spec);
  const rows: Record<string, number>[] = [];
  const sim = new Simulation(game, log.seed, log.players, { step: (_f, state) => void rows.push(game.record!(state) as Record<string, number>) });
  const stride = log.players * log.inputSize;
  for (let f = 0; f < log.frames; f++) sim.step(log.inputs.subarray(f * stride, (f + 1) * stride), f);
  return rows;
}

let viewer: Viewer | null = null;
let viewerLink: PeerLink | null = null;
let renders = 0;
const errors: string[] = [];

async function watch(o: WatchOptions): Promise<{ spectatorId: string; path: string; feeder: number }> {
  viewer = await watchGame({
    server: o.server,
    session: o.session,
    engine: new Worker(new URL('../../worker/builtin.ts', import.meta.url), { type: 'module' }),
    ...(o.via ? { via: o.via } : {}),
    ...(o.delayFrames !== undefined ? { delayFrames: o.delayFrames } : {}),
    ...(o.adminToken ? { adminToken: o.adminToken } : {}),
    links: (spec) => (viewerLink = new PeerLink(spec)),
    onRender: () => renders++,
  });
  viewer.on('error', (e) => errors.push(`${e.code}: ${e.message}`));
  viewer.on('info', (e) => errors.push(`info ${JSON.stringify(e.info)}`));
  viewer.on('lost', (e) => errors.push(`lost ${e.reason}`));
  viewer.on('rewatched', (e) => errors.push(`rewatched ${JSON.stringify(e)}`));
  return { spectatorId: viewer.spectatorId, path: viewer.path, feeder: viewer.feeder };
}

async function watchResult(): Promise<WatchResult> {
  const v = viewer!;
  const s = await v.stats();
  return {
    spectatorId: v.spectatorId,
    feeder: v.feeder,
    path: s.path,
    frame: s.frame,
    receivedFrame: s.receivedFrame,
    snapshotsLoaded: s.snapshotsLoaded,
    gaps: s.gaps,
    malformed: s.malformed,
    viaP2P: s.viaP2P,
    viaServer: s.viaServer,
    lagMsP50: s.lagMsP50,
    lagSamples: await v.lagSamples(),
    hashes: await v.hashes(),
    renders,
    messages: s.messages,
    events: errors.slice(-5),
    ended: v.ended ? { ...v.ended } : null,
    rewatches: s.rewatches,
    snapshotsBehind: s.snapshotsBehind,
  };
}

/** As a hostile spectator: send `n` junk messages to the feeding player on both channels of the link; returns how many went out. */
function spectatorJunk(n: number): number {
  let sent = 0;
  for (let i = 0; i < n; i++) {
    const junk = Uint8Array.of(1, 1, 0, 0xff, i & 0xff, 0, 0, 0, 0).buffer;
    if (viewerLink?.send(junk)) sent++;
    if (viewerLink?.sendControl(Uint8Array.of(3, i & 0xff).buffer)) sent++;
  }
  return sent;
}

async function unwatch(): Promise<void> {
  await viewer?.close();
}

/** Close the inputs DataChannel to `peer`; returns the page time it happened. */
function closeChannel(peer: number): number {
  const at = performance.now();
  const l = peerLinks.get(peer);
  if (!l) throw new Error(`no link to player ${peer}`);
  l.closeInputsChannel();
  return at;
}

/** Drop this page's server connection (socket.io), keeping the game and its P2P links. */
function dropSignaling(): number {
  current!.signaling.close();
  return performance.now();
}

function signalingInfo(): SignalingSummary {
  const s = current!.signaling;
  return { state: s.state, seated: s.seated, relayDropped: s.relayDropped, states: signalingStates.slice(), firstRelayAfterMark: relayMark.first, relaySinceMark: relayMark.count };
}

/** Start counting relay receipts afresh (see `signalingInfo`). */
function markRelay(): void {
  relayMark = { first: null, count: 0 };
}

async function stats() {
  return current!.stats();
}

/**
 * Headless Chromium never hides a page, so this plays the browser's part: it
 * reports `document.visibilityState` as hidden for `ms` and fires
 * `visibilitychange` on entering and leaving, as a real tab switch does.
 */
function hideFor(ms: number): Promise<void> {
  const set = (state: DocumentVisibilityState) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
    document.dispatchEvent(new Event('visibilitychange'));
  };
  set('hidden');
  return new Promise((resolve) =>
    setTimeout(() => {
      set('visible');
      delete (document as { visibilityState?: unknown }).visibilityState; // back to Document.prototype's
      resolve();
    }, ms),
  );
}

/**
 * Two PeerLinks in this page, signaling each other directly. The answerer's
 * candidates reach the initiator late (or never), so the initiator's first
 * connectivity checks come from a candidate it has not been told of: the
 * peer-reflexive case PeerLink must not record for a host link.
 */
async function linkPair(o: LinkPairOptions): Promise<LinkPairResult> {
  const links: PeerLink[] = [];
  const deliver = (to: number, kind: Parameters<PeerLink['handleSignal']>[0], data: unknown) => {
    const late = to === 0 && kind === 'candidate';
    if (late && o.dropCandidates) return;
    setTimeout(() => void links[to]!.handleSignal(kind, data), late ? o.candidateDelayMs : 0);
  };
  for (const p of [0, 1]) {
    links.push(
      new PeerLink({
        localPlayer: p,
        remotePlayer: 1 - p,
        iceServers: [],
        connectionType: { prflxSettleMs: o.prflxSettleMs },
        signal: (kind, data) => deliver(1 - p, kind, data),
      }),
    );
  }
  const started = performance.now();
  const opened = links.map((l) => new Promise<number>((resolve) => l.on('open', () => resolve(performance.now()))));
  await links[0]!.start();
  const openAt = await Promise.race([Promise.all(opened), new Promise<null>((r) => setTimeout(() => r(null), 15_000))]);
  if (!openAt) {
    for (const l of links) l.close();
    throw new Error('the PeerLink pair did not open within 15 s');
  }
  await new Promise((r) => setTimeout(r, o.watchMs));
  const histories = links.map((l, i) => l.connectionHistory.map((c) => ({ type: c.type, remoteType: c.remoteType, at: Math.round(c.at - openAt[i]!) })));
  for (const l of links) l.close();
  return { histories, openMs: Math.round(Math.max(...openAt) - started) };
}

function uploads(): UploadSummary | null {
  const u = current?.uploads();
  return u ? { acked: u.acked, attempts: u.attempts, pending: u.pending, lastError: u.lastError } : null;
}

async function leave(): Promise<void> {
  if (inputTimer) clearInterval(inputTimer);
  await current?.close();
}

Object.assign(globalThis, {
  e2e: {
    join,
    waitConfirmed,
    result,
    closeChannel,
    dropSignaling,
    stats,
    uploads,
    hideFor,
    linkPair,
    leave,
    blackout,
    rejoinEvents: () => rejoinEvents.slice(),
    watch,
    watchResult,
    spectatorJunk,
    unwatch,
    now: () => performance.now(),
    signalingInfo,
    markRelay,
    seenScores,
    recordRows,
  },
});
document.title = 'netroll e2e ready';
