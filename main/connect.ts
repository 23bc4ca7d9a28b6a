/**
 * joinGame: the whole peer-to-peer path in one call. Join a room or queue on
 * the netroll server, get the symmetric assignment, connect a PeerLink to
 * every other player (falling back to the server relay for any that cannot
 * connect), and start a Session whose packets travel over that mesh.
 */
import { ErrorCode, NetrollError } from '../src/contracts/errors.ts';
import type { EndReason, PeerStatus } from '../src/contracts/vocabulary.ts';
import { Emitter } from '../src/engine/events.ts';
import type { ReportKind } from '../src/research/report.ts';
import type { Assignment, ParticipantMetadata, SpectatorMode, WaitingUpdate } from '../src/signaling/events.ts';
import type { HostConfig } from '../worker/api.ts';
import { AbsenceWatch, MAX_REJOIN_WINDOW_MS } from './absence.ts';
import { followLateJoins, lateJoinEngineSettings, seatCount } from './late-join.ts';
import { type LinkReport, type MeshConfig, meshConfig, MeshTransport } from './mesh.ts';
import { sessionTagFromId } from './session-tag.ts';
import type { LinkFactory } from './link.ts';
import { EngineChannels } from './engine-channels.ts';
import { checkConditions, linkConditions } from '../src/sim/impairment.ts';
import { type Impairment, type ImpairedTransport, impairTransport } from './impair.ts';
import { type LinkConfig, peerLinkFactory } from './peer-link.ts';
import { ReportUploader, ResearchRecorder, type SessionMetrics, type UploadStatus } from './research.ts';
import { clearResumeRecord, loadResumeRecord, RESUME_STORAGE_KEY } from './resume-store.ts';
import { passRttGate } from './rtt-probe.ts';
import { createSession, type EngineThread, type Session } from './session.ts';
import { watchFocus } from './focus.ts';
import { SpectatorFeed, type SpectatorFeedCounters } from './spectator-feed.ts';
import { SignalingClient, type SignalingOptions } from './signaling.ts';
import type { PacketTransport } from './transport.ts';

/** The engine settings of a networked session (players, local player and seed come from the assignment). */
export type EngineSettings = Omit<HostConfig, 'players' | 'localPlayer' | 'seed'>;

/** The research layer's settings. */
export interface ResearchConfig {
  /** Partial report upload interval, ms (0 = only at episode and session end). Default 15,000. */
  reportIntervalMs?: number;
  /** Live stats interval, ms. Default 2,000. */
  liveStatsIntervalMs?: number;
}

/**
 * `joinGame` options: where to play, and one small config per layer
 * (`signaling`, `mesh`, `link`, `research`); the engine settings are the
 * host's own ({@link EngineSettings}).
 */
export interface JoinGameOptions extends EngineSettings {
  /** netroll server URL. Default: this page's origin. */
  server?: string;
  /**
   * Other nodes of the same netroll cluster, tried in turn when the
   * connection to the current one is lost (the seat is resumed on whichever
   * answers); research uploads go to the node connected at the time.
   * Default none.
   */
  fallbackServers?: readonly string[];
  /** Join a named room (starts when `players` joined)... */
  room?: string;
  /** ...optionally with a secret (8–128 printable characters): only clients giving it share the room. */
  roomSecret?: string;
  /** ...or a matchmaking queue (default queue `default`). */
  queue?: string;
  /** Players in the session, 2..8 (with `startPlayers`: its seats). */
  players: number;
  /**
   * Free seats (late join): start once this many (2..`players`) joined;
   * later joins of the same room (same secret) or queue take the free seats
   * while the session runs. Every member must give the same value. Default
   * `players`. See the README's Late join section.
   */
  startPlayers?: number;
  /**
   * Late join by id: take a free seat of this running session (its
   * `assignment.sessionId`, shared by a member) instead of a room or queue;
   * `players` must be its seat count. Rejects with `not-found` (the session
   * ended) or `session-full`.
   */
  session?: string;
  /** Display name sent when joining (at most 64 characters, no control characters); the server defaults it to `Player <index+1>`. */
  name?: string;
  /**
   * The study participant's id (1–64 of `A-Z a-z 0-9 _ -`, e.g. from the
   * page's `?participant=`): stored with the session, never shown to the
   * other players. The server refuses a second tab of the same participant
   * (`duplicate-participant`) and, by default, a participant who already
   * completed a session (`participant-completed`).
   */
  participantId?: string;
  /** Participant metadata stored with the session: at most 32 flat string/number/boolean values, 4 KiB. */
  metadata?: ParticipantMetadata;
  /** Ask the server to give up waiting after this long, ms (1,000 or more; the server's own limit caps it). */
  waitTimeoutMs?: number;
  /**
   * Queues only: play only with partners whose DataChannel RTT is at most
   * this, ms. A full group measures it (median of 5 pings per link) before
   * it is confirmed; a group over the limit goes back to the queue, and
   * after the server's `rttMaxRequeues` failures `joinGame` rejects with
   * `rtt-too-high`.
   */
  maxRttMs?: number;
  /** The waiting room changed: `count` of `needed` players are there (pushed by the server on every change). */
  onWaiting?: (update: WaitingUpdate) => void;
  /** The server gave up waiting (its `waitTimeoutMs`); `joinGame` then rejects with `timeout`. */
  onWaitTimeout?: (waitedMs: number) => void;
  /** Where the engine runs: a Worker, or a function making one once the session is known. */
  engine: EngineThread | ((assignment: Assignment) => EngineThread);
  /** How long to wait for the P2P channels before using the relay, ms. Default 10,000. */
  p2pTimeoutMs?: number;
  /** How long to wait for the session to form, ms. Default 120,000. */
  matchTimeoutMs?: number;
  /** Called with the assignment before connecting (UI: "connecting"). */
  onAssigned?: (assignment: Assignment) => void;
  /**
   * Wrap the mesh transport before the session uses it (e.g. with
   * `impairTransport`). A wrapper sees only packets that pass this page, so
   * with it the inputs channels stay on the page (`mesh.channelsInEngine`
   * is off).
   */
  wrapTransport?: (mesh: MeshTransport) => PacketTransport;
  /**
   * Impair this peer's outgoing engine packets (added latency, jitter, loss;
   * demos and experiments), starting with these settings; change them with
   * the session's `impair`. Unlike `wrapTransport`, the inputs channels stay
   * in the engine's worker (the default): the packets the engine sends on
   * them are impaired there, and those that pass this page (the relay) by
   * `impairTransport`. Not together with `wrapTransport`.
   */
  impairment?: Partial<Impairment>;
  /** Seed of the impairment's random decisions (default 1), so a run can be repeated. */
  impairmentSeed?: number;
  /** Signaling connection timeouts. */
  signaling?: Omit<SignalingOptions, 'url'>;
  /** Route and liveness: relay fallback, silence thresholds, recovery time. */
  mesh?: MeshConfig;
  /** Every peer link: ICE policy and restarts, health thresholds, connection-type reading. */
  link?: LinkConfig;
  /** Makes the link to each remote player. Default: a PeerLink (WebRTC) with `link`. */
  links?: LinkFactory;
  /**
   * Research data: live stats to the server's dashboard, and report uploads
   * at each episode end, every `reportIntervalMs` and at session end. `false`
   * turns it off. Default: on whenever the server stores data (the
   * assignment carries a report token).
   */
  research?: false | ResearchConfig;
  /**
   * Fewest players (this one included) the session goes on with after
   * players leave; below it the session ends at the agreed departure frame.
   * Default 2.
   */
  minPlayers?: number;
  /**
   * Spectators of this session (see the README's Spectators section):
   * `p2p` (default) feeds up to the server's peer-slot count of them over
   * DataChannels, the rest through the server; `server` uploads the stream
   * once to the server, which fans it out (for a constrained upload); `off`
   * refuses every spectator of the session.
   */
  spectators?: SpectatorMode;
  /**
   * When every other player is gone, how long to wait for the engine to
   * reach the agreed departure frame before ending the session anyway, ms.
   * Default 5,000.
   */
  leaveGraceMs?: number;
  /**
   * How long a player who drops out (the mesh reports it `disconnected`: a
   * network cut, a reload) keeps its seat, ms: meanwhile every other peer
   * uses its neutral input from an agreed frame (`peer-absent` event), and
   * when it is heard from again it gets its seat back from a state transfer
   * (`peer-returned`; on the returning page `rejoining` and `transfer`).
   * After the window it has left for good (as with 0: today's leave). Turns
   * on the mesh's `reconnect`. Default 60,000.
   *
   * A page that reloads takes its own seat back: with a positive window,
   * `joinGame` first looks for this tab's resume record (`sessionStorage`,
   * `signaling.resumeStorageKey`, default `netroll.resume`) for the same
   * server and sends `resume` instead of `join`; the engine then starts
   * `joining` and plays on from a state transfer. With a positive window
   * and a storage key, closing the page does not send `leave` (a reload
   * looks the same): the seat is kept for the window.
   */
  rejoinWindowMs?: number;
}

/**
 * Why a networked session ended: `completed` (the engine finished: its
 * `endFrame`), `peer-disconnected` (the transport lost a peer and too few
 * players remain), `peer-left` (a peer left on purpose, by `dropPlayer` or
 * by closing its page, and too few remain), `closed` (this page closed it),
 * `focus-timeout` (a player's page stayed hidden `focusLossTimeoutMs`),
 * or another {@link EndReason}. `peer` is the player whose departure (or
 * hidden page) ended it; `frame` its agreed departure (or end) frame (absent when the engine could not
 * agree one in time, see `leaveGraceMs`). The research report stores the
 * reason as this player's `end_reason`.
 */
export interface SessionEnded {
  /** Why it ended (see above). */
  reason: EndReason;
  /** The player whose departure ended it. */
  peer?: number;
  /** That player's agreed departure frame. */
  frame?: number;
}


/** A session playing over the mesh, with its research data. */
export interface NetSession extends Omit<Session, 'exportSessionMetrics'> {
  /** This peer's research metrics: engine figures, links over time, hidden periods, the confirmed input log. */
  exportSessionMetrics(): Promise<SessionMetrics>;
  /** Upload progress of research reports (null when research is off). */
  uploads(): UploadStatus | null;
  /** The server's assignment: session, this peer's player index, the players. */
  readonly assignment: Assignment;
  /** The mesh carrying engine packets to the other peers. */
  readonly mesh: MeshTransport;
  /** The signaling connection to the server. */
  readonly signaling: SignalingClient;
  /** Per-link reports: route, connection type, health, counters. */
  links(): LinkReport[];
  /** ms from `joinGame` to the session forming / to every channel open (null if P2P did not connect). */
  readonly timings: { assignedMs: number; openMs: number | null };
  /**
   * The session ended: this page closed it, or players left (the transport
   * reported them `disconnected`, or `dropPlayer` was called) until fewer
   * than `minPlayers` remained; it ends at the agreed departure frame.
   * Its data is kept.
   */
  onEnded(handler: (e: SessionEnded) => void): () => void;
  /** How the session ended, or null while it is running. */
  readonly ended: SessionEnded | null;
  /** What this page's spectator feed did (null with `spectators: 'off'`). */
  spectators(): SpectatorFeedCounters | null;
  /**
   * Change the impairment of this peer's outgoing packets (the settings not
   * given keep their values), on the engine's channels and on the page.
   * @throws NetrollError `invalid-state` without `joinGame`'s `impairment`
   *   option; `invalid-option` for a bad value (nothing changes then).
   */
  impair(next: Partial<Impairment>): void;
  /** The impairment's current settings (null without `joinGame`'s `impairment` option). */
  readonly impairment: Readonly<Impairment> | null;
}

/** The engine settings among `options` (the rest — callbacks, server, layer configs — must not reach the worker: they cannot be cloned). */
function engineSettings(o: JoinGameOptions): EngineSettings {
  return {
    game: o.game,
    gameUrl: o.gameUrl,
    pyodideUrl: o.pyodideUrl,
    inputDelay: o.inputDelay,
    maxPrediction: o.maxPrediction,
    hashInterval: o.hashInterval,
    tickRate: o.tickRate,
    renderMode: o.renderMode,
    endFrame: o.endFrame,
    profile: o.profile,
    minPlayers: o.minPlayers,
    desyncPolicy: o.desyncPolicy,
    sessionTag: o.sessionTag,
    episodes: o.episodes,
    countdownFrames: o.countdownFrames,
    pauseOnPeerHidden: o.pauseOnPeerHidden,
    focusLossTimeoutMs: o.focusLossTimeoutMs,
    rejoinable: o.rejoinable,
    joining: o.joining,
    seated: o.seated,
    rejoinLeadFrames: o.rejoinLeadFrames,
    onAbsent: o.onAbsent,
  };
}

/**
 * Join a room or queue, connect to every other player and start the session.
 *
 * @throws NetrollError (as the rejection): the server's refusal code (e.g.
 *   `players-mismatch`), `unreachable` (no server, or no P2P path with the
 *   relay disabled), `timeout` (no session formed within `matchTimeoutMs`),
 *   `bad-server-message`, `invalid-option` for a bad layer setting, or
 *   `bad-game` when the engine cannot load the game.
 */
export async function joinGame(options: JoinGameOptions): Promise<NetSession> {
  const started = performance.now();
  // Every layer's settings are checked before anything connects: a bad one changes nothing.
  const rejoinWindowMs = options.rejoinWindowMs ?? 60_000;
  if (!(Number.isInteger(rejoinWindowMs) && rejoinWindowMs >= 0 && rejoinWindowMs <= MAX_REJOIN_WINDOW_MS)) {
    throw new NetrollError(ErrorCode.InvalidOption, `rejoinWindowMs must be an integer of ms in 0..${MAX_REJOIN_WINDOW_MS}, got ${String(options.rejoinWindowMs)}`);
  }
  if (options.onAbsent !== undefined && options.onAbsent !== 'neutral' && options.onAbsent !== 'pause') {
    throw new NetrollError(ErrorCode.InvalidOption, `onAbsent must be 'neutral' or 'pause', got ${String(options.onAbsent)}`);
  }
  if (options.impairment !== undefined) {
    if (options.wrapTransport) throw new NetrollError(ErrorCode.InvalidOption, 'impairment and wrapTransport cannot be used together (wrap the transport with impairTransport instead)');
    try {
      checkConditions(options.impairment);
    } catch (e) {
      throw new NetrollError(ErrorCode.InvalidOption, `impairment: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
  const impairmentSeed = options.impairmentSeed ?? 1;
  if (!Number.isFinite(impairmentSeed)) throw new NetrollError(ErrorCode.InvalidOption, `impairmentSeed must be a finite number, got ${String(options.impairmentSeed)}`);
  // A wrapper sees only what passes this page: the inputs channels stay here then.
  const channelsOff: MeshConfig = options.wrapTransport ? { channelsInEngine: false } : {};
  const gateOptions: MeshConfig = { ...options.mesh, ...channelsOff };
  const meshOptions: MeshConfig = rejoinWindowMs > 0 ? { reconnect: true, ...gateOptions } : gateOptions;
  meshConfig(meshOptions);
  const links = options.links ?? peerLinkFactory(options.link);
  const signaling = new SignalingClient({
    ...options.signaling,
    url: options.server,
    ...(options.fallbackServers !== undefined ? { fallbackUrls: options.fallbackServers } : {}),
  });
  const offWaiting = [
    signaling.on('waiting', (w) => options.onWaiting?.(w)),
    signaling.on('timeout', (t) => options.onWaitTimeout?.(t.waitedMs)),
  ];
  let assignment: Assignment | null = null;
  // A reload: this tab kept the resume record of a seat on this server (see resume-store.ts); take the seat back.
  const storageKey = options.signaling?.resumeStorageKey === undefined ? RESUME_STORAGE_KEY : options.signaling.resumeStorageKey;
  const record = rejoinWindowMs > 0 && storageKey !== false ? loadResumeRecord(storageKey, signaling.url) : null;
  if (record && storageKey !== false) {
    try {
      assignment = (await signaling.resume(record.secret)).assignment;
    } catch {
      clearResumeRecord(storageKey); // the seat is gone (session over, secret expired or revoked): join afresh
    }
  }
  const reloaded = assignment !== null;
  try {
    assignment ??= await signaling.join(
      {
        players: options.players,
        ...(options.session !== undefined
          ? { session: options.session }
          : options.room
            ? { room: options.room, ...(options.roomSecret ? { secret: options.roomSecret } : {}) }
            : { queue: options.queue ?? 'default' }),
        ...(options.startPlayers !== undefined ? { startPlayers: options.startPlayers } : {}),
        ...(options.name ? { name: options.name } : {}),
        ...(options.participantId !== undefined ? { participantId: options.participantId } : {}),
        ...(options.metadata !== undefined ? { metadata: options.metadata } : {}),
        ...(options.waitTimeoutMs !== undefined ? { waitTimeoutMs: options.waitTimeoutMs } : {}),
        ...(options.maxRttMs !== undefined ? { maxRttMs: options.maxRttMs } : {}),
        ...(options.spectators ? { spectators: options.spectators } : {}),
      },
      options.matchTimeoutMs,
    );
  } catch (e) {
    for (const off of offWaiting) off();
    signaling.close();
    throw e;
  }
  // A latency-gated queue: the group is confirmed only once its RTT probe passes (main/rtt-probe.ts).
  let gated: MeshTransport | undefined;
  try {
    if (assignment.probe && !reloaded) {
      const wait = (options.matchTimeoutMs ?? 120_000) - (performance.now() - started);
      ({ assignment, mesh: gated } = await passRttGate(signaling, assignment, (a) => new MeshTransport(signaling, a, links, gateOptions, { engineChannels: new EngineChannels() }), wait));
    }
  } catch (e) {
    signaling.close();
    throw e;
  } finally {
    for (const off of offWaiting) off();
  }
  const assignedMs = performance.now() - started;
  options.onAssigned?.(assignment);
  let mesh: MeshTransport;
  try {
    mesh = gated ?? new MeshTransport(signaling, assignment, links, meshOptions, { relink: reloaded, engineChannels: new EngineChannels() });
  } catch (e) {
    signaling.close();
    throw e;
  }
  let openMs: number | null = null;
  try {
    await mesh.waitOpen(options.p2pTimeoutMs ?? 10_000);
    openMs = performance.now() - started;
  } catch {
    if (options.mesh?.relay === false) {
      mesh.close();
      signaling.close();
      throw new NetrollError(ErrorCode.Unreachable, 'peer-to-peer connection failed and the relay fallback is disabled');
    }
    mesh.relayUnopened();
  }
  let impaired: ImpairedTransport | null = null;
  let session: Session;
  try {
    const engine = typeof options.engine === 'function' ? options.engine(assignment) : options.engine;
    // A reloaded page, founder or late joiner, loads everything (free seats included) from a state transfer: no `seated`.
    const late: ReturnType<typeof lateJoinEngineSettings> = reloaded ? { joining: true, rejoinable: true } : lateJoinEngineSettings(assignment);
    // The page's share of the impairment (relay packets); the engine's channels get the same settings below.
    impaired = options.impairment !== undefined ? impairTransport(mesh, options.impairment, impairmentSeed) : null;
    session = await createSession({
      ...engineSettings(options),
      players: seatCount(assignment),
      localPlayer: assignment.playerIndex,
      seed: assignment.seed,
      sessionTag: options.sessionTag ?? sessionTagFromId(assignment.sessionId),
      // Back after a reload: the engine starts empty and takes its seat back from a live peer's state transfer (as a late joiner does).
      joining: options.joining ?? late.joining === true,
      seated: options.seated ?? late.seated,
      rejoinable: options.rejoinable ?? (rejoinWindowMs > 0 || late.rejoinable === true),
      engine,
      transport: options.wrapTransport ? options.wrapTransport(mesh) : impaired ?? mesh,
    });
  } catch (e) {
    // the engine could not start (e.g. bad-game): leave the session rather than keep its links open
    mesh.close();
    signaling.leave();
    signaling.close();
    throw e;
  }
  // The engine's share of the impairment: the packets it sends on its channels (posted in order after the channels themselves).
  const impairChannels = () => {
    if (!impaired) return;
    mesh.impairEngineChannels(linkConditions(impaired.impairment), impairmentSeed);
  };
  impairChannels();

  const feed = options.spectators === 'off' ? null : new SpectatorFeed(signaling.rawSocket, session, assignment.playerIndex, links);

  const recorder = new ResearchRecorder({
    assignment,
    mesh,
    hostMetrics: () => session.exportSessionMetrics(),
    hostStats: () => session.stats(),
    sendLiveStats: (stats) => signaling.liveStats(stats),
  });
  const researchConfig = options.research === false ? null : (options.research ?? {});
  const research = researchConfig !== null && assignment.reportToken !== undefined;
  const reportIntervalMs = researchConfig?.reportIntervalMs ?? 15_000;
  const uploader = research
    ? new ReportUploader({ server: () => signaling.serverUrl, onAnswer: (report, ack) => recorder.answered(report, ack) })
    : null;
  // The final report, once started: `close()` waits for it to be queued, so closing right after the end loses nothing.
  let finalUpload: Promise<void> | null = null;
  const upload = (kind: ReportKind): Promise<void> => {
    if (!uploader) return Promise.resolve();
    if (finalUpload) return kind === 'final' ? finalUpload : Promise.resolve();
    const sending = (async () => {
      try {
        uploader.enqueue(await recorder.report(kind));
      } catch {
        // the worker is already gone: what was uploaded before stays
      }
    })();
    if (kind === 'final') finalUpload = sending;
    return sending;
  };
  const reportTimer = research && reportIntervalMs > 0 ? setInterval(() => void upload('partial'), reportIntervalMs) : null;
  // A state transfer replaced what this page confirmed alone (the cut side of a cut): its stored log is replaced too.
  session.on('transfer', (e) => {
    if (e.direction === 'loaded') recorder.logReplaced();
  });
  if (research) {
    recorder.startLiveStats(researchConfig?.liveStatsIntervalMs ?? 2000);
    recorder.startFrameClock();
    session.on('episode', () => void upload('episode'));
  }

  const endEvents = new Emitter<{ ended: SessionEnded }>();
  let ended: SessionEnded | null = null;
  const end = (e: SessionEnded) => {
    if (ended) return;
    ended = e;
    recorder.setEnd(e);
    if (graceTimer !== null) clearTimeout(graceTimer);
    absences.close();
    lateJoins.off();
    feed?.close();
    void session.stop();
    if (e.reason !== 'closed') void upload('final');
    endEvents.emit('ended', e);
  };
  // Players leaving: a peer the transport reports disconnected is dropped from the engine, which agrees its
  // departure frame with the others and goes on with its neutral input. The session ends only when the engine
  // finishes because fewer than minPlayers remain (or, with every other player gone, after leaveGraceMs).
  const minPlayers = options.minPlayers ?? 2;
  const leaveGraceMs = options.leaveGraceMs ?? 5000;
  const explicitDrops = new Set<number>();
  let lastLeft: { player: number; frame: number; remaining: number } | null = null;
  let graceTimer: ReturnType<typeof setTimeout> | null = null;
  const endReason = (player: number): SessionEnded['reason'] => (explicitDrops.has(player) ? 'peer-left' : 'peer-disconnected');
  session.on('peer-left', (e) => {
    lastLeft = e;
  });
  // The absent-partner policy: the page's visibility goes to the engine; a final focus-timeout pause ends the session.
  const offFocus = watchFocus((visible) => void session.setFocused(visible).catch(() => undefined));
  let timedOut: { player: number; frame: number } | null = null;
  session.on('pause', (p) => {
    if (p.final && p.reason === 'focus-timeout' && !timedOut) timedOut = { player: p.player, frame: p.frame };
  });
  session.on('finished', () => {
    offFocus();
    if (lastLeft && lastLeft.remaining < minPlayers) end({ reason: endReason(lastLeft.player), peer: lastLeft.player, frame: lastLeft.frame });
    else if (timedOut && timedOut.frame <= (lastLeft?.frame ?? Number.POSITIVE_INFINITY)) end({ reason: 'focus-timeout', peer: timedOut.player, frame: timedOut.frame });
    else end({ reason: 'completed' });
  });
  // Closing this page: tell the server at once, so the others know it left on purpose. With a rejoin window
  // and a resume record the page may be reloading (a page cannot tell a reload from a close), and leaving would
  // give its seat up: it says nothing, and the others keep the seat for the window.
  const onPageHide = () => {
    if (!(rejoinWindowMs > 0 && storageKey !== false)) signaling.leave();
  };
  globalThis.addEventListener?.('pagehide', onPageHide);
  const drop = (player: number): Promise<boolean> => session.dropPlayer(player).catch(() => false);
  // With a rejoin window, a peer that drops out keeps its seat first (main/absence.ts); dropped after the window.
  const absences = new AbsenceWatch(session, rejoinWindowMs);
  // Free seats: links to late joiners, and this page's own late join confirmed once its state loaded (main/late-join.ts).
  const lateJoins = followLateJoins(assignment, { signaling, mesh, session, absences });
  const onStatus = (peer: number, status: PeerStatus) => {
    // A newcomer still arriving: its seat is absent already; if it never confirms, the server frees the seat (seat-freed).
    if (ended || (status === 'disconnected' && lateJoins.arriving(peer)) || absences.onStatus(peer, status)) return;
    if (status !== 'disconnected') return;
    void drop(peer);
    // Nobody left to agree with: the engine finishes by itself; this bound only covers a host that cannot.
    if (graceTimer === null && mesh.report().every((r) => r.status === 'disconnected')) {
      graceTimer = setTimeout(() => end({ reason: endReason(peer), peer }), leaveGraceMs);
    }
  };
  // A peer that said `leave` to the server (its app closed the session, or its page closed without a rejoin
  // window) left on purpose: a departure at once, even with a rejoin window (no seat is kept for it).
  signaling.on('peer-left', ({ playerIndex, reason }) => {
    if (reason !== 'left' || ended) return;
    explicitDrops.add(playerIndex);
    if (!absences.left(playerIndex)) void drop(playerIndex);
  });
  mesh.on('status', ({ peer, status }) => onStatus(peer, status));
  // A peer already gone while the session was starting (its status changed before this listener): handled now.
  for (const r of mesh.report()) if (r.status === 'disconnected') onStatus(r.peer, r.status);

  return {
    ...session,
    assignment,
    mesh,
    signaling,
    exportSessionMetrics: () => recorder.metrics(),
    uploads: () => uploader?.state ?? null,
    spectators: () => (feed ? { ...feed.counters } : null),
    links: () => mesh.report(),
    timings: { assignedMs, openMs },
    onEnded: (handler) => endEvents.on('ended', handler),
    async dropPlayer(player: number) {
      explicitDrops.add(player);
      return drop(player);
    },
    get ended() {
      return ended;
    },
    impair(next: Partial<Impairment>) {
      if (!impaired) throw new NetrollError(ErrorCode.InvalidState, 'impair() needs the impairment option of joinGame');
      impaired.set(next); // validated first: a bad value throws and changes nothing
      impairChannels();
    },
    get impairment() {
      return impaired ? { ...impaired.impairment } : null;
    },
    async close() {
      if (reportTimer !== null) clearInterval(reportTimer);
      globalThis.removeEventListener?.('pagehide', onPageHide);
      offFocus();
      if (!ended) recorder.setEnd({ reason: 'closed' });
      await upload('final');
      end({ reason: 'closed' });
      // The others learn at once that this player left on purpose (a departure, not an absence), before the final report's upload.
      signaling.leave();
      recorder.close();
      await uploader?.flush(3000);
      uploader?.stop();
      await session.close();
      mesh.close();
      signaling.close();
    },
  };
}
