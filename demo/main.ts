/**
 * The netroll demo page: joins a game of `arena` through the netroll server
 * (two tabs are matched peer-to-peer; `?players=3|4` or `?room=NAME` for
 * more), draws the render states the engine delivers with correction
 * smoothing, and shows what the netcode is doing.
 */
import { joinGame, type NetSession } from '../main/connect.ts';
import { captureInput, type InputCapture } from '../main/input-capture.ts';
import { NetrollError } from '../src/contracts/errors.ts';
import { createSmoother } from '../main/smoothing.ts';
import type { ArenaRender } from '../src/games/arena.ts';
import { gameFromSpec } from '../src/games/index.ts';
import type { RenderFrame } from '../worker/api.ts';
import { ArenaView, asArenaRender, lerpArena } from './arena-view.ts';
import { FrameMeter, type FrameTimes, HeavyUi, tickTimes } from './heavy-ui.ts';
import { Hud, type HudSample, hudSample, rttByPeer } from './hud.ts';
import { ImpairControls } from './impair-controls.ts';
import { Overlay } from './overlay.ts';
import type { NetrollPageApi } from './page-api.ts';
import { describeGroup, gameSpec, hrefWith, parseOptions, ROUND_FRAMES } from './options.ts';
import { asSlimeRender, SlimeView } from './slime-view.ts';
import { Scoreboard } from './scoreboard.ts';
import { SessionCard } from './session-card.ts';
import { liveStatus, StatusPanel, type StatusView } from './status.ts';

const POLL_MS = 250;
const $ = <T extends HTMLElement>(selector: string): T => {
  const el = document.querySelector<T>(selector);
  if (!el) throw new Error(`demo page: missing ${selector}`);
  return el;
};

const options = parseOptions(location.search);
const group = describeGroup(options);

const waitingView: StatusView = {
  status: 'waiting',
  connection: null,
  title: options.players === 2 ? 'Waiting for a partner…' : `Waiting for ${options.players - 1} more players…`,
  detail: `Open this page in ${options.players === 2 ? 'another tab' : 'more tabs'} (or send the link to a friend) to be matched in ${group}.`,
};
const status = new StatusPanel($('#status'), waitingView);
const overlay = new Overlay($('#overlay'), location.href);
overlay.show(waitingView);

// Room and engine choices: links that reload the page with other options.
for (const a of document.querySelectorAll<HTMLAnchorElement>('a[data-players]')) {
  const n = Number(a.dataset.players);
  a.href = hrefWith(location, { players: n, room: null });
  if (n === options.players && options.room === null) a.setAttribute('aria-current', 'true');
}
for (const a of document.querySelectorAll<HTMLAnchorElement>('a[data-engine]')) {
  const engine = a.dataset.engine === 'main' ? 'main' : 'worker';
  a.href = hrefWith(location, { engine });
  if (engine === options.engine) a.setAttribute('aria-current', 'true');
}
for (const a of document.querySelectorAll<HTMLAnchorElement>('a[data-game]')) {
  const game = a.dataset.game === 'py-slime' ? 'py-slime' : 'arena';
  a.href = hrefWith(location, { game });
  if (game === options.game) a.setAttribute('aria-current', 'true');
}
$('#engine-where').textContent = options.engine === 'main' ? 'the main thread (for comparison: it hitches under heavy UI)' : 'a Web Worker';
document.body.dataset.engine = options.engine;

const hud = new Hud($('#hud'), $('#plot'));
const hudToggle = $<HTMLButtonElement>('#hud-toggle');
const setHud = (on: boolean) => {
  hud.setVisible(on);
  hudToggle.textContent = on ? 'Hide HUD' : 'Show HUD';
  hudToggle.setAttribute('aria-pressed', String(on));
};
hudToggle.addEventListener('click', () => {
  setHud(!hud.visible);
  hudToggle.blur();
});
addEventListener('keydown', (e) => {
  if (e.code === 'KeyH' && !e.repeat && !(e.target instanceof HTMLInputElement)) setHud(!hud.visible);
});
setHud(new URLSearchParams(location.search).get('hud') !== 'off');

const impairControls = new ImpairControls($('#impair'));
// Applied to the running session (before it runs, the session starts with the sliders' values).
impairControls.onChange((next) => session?.impair(next));

const heavy = new HeavyUi($('#heavy'));
const sessionCard = new SessionCard($('#session'), options);
const pageFrames = new FrameMeter();
let engineFrames: FrameTimes = { avgMs: 0, maxMs: 0, fps: 0 };
const frameReadout = $('#frame-times');

let session: NetSession | null = null;
let capture: InputCapture | null = null;
let lastHud: HudSample | null = null;
let rollbackDepthSincePoll = 0;
let sessionStart = 0;
let serverLost = false;

const smoother = createSmoother<ArenaRender>({ interpolate: lerpArena, durationMs: 100 });
const view = new ArenaView($<HTMLCanvasElement>('#game'), () => session?.assignment.playerIndex ?? null);
/** `?game=py-slime`: the Python example, drawn from its render dict. */
const slimeView = options.game === 'py-slime' ? new SlimeView($<HTMLCanvasElement>('#game'), () => session?.assignment.playerIndex ?? null) : null;
const scoreboard = new Scoreboard($('#scoreboard'));

function latestRender(): RenderFrame<ArenaRender> | null {
  const f = session?.latestRender();
  if (!f) return null;
  const state = asArenaRender(f.state);
  return state ? { ...f, state } : null;
}

function draw(now: number): void {
  heavy.work();
  pageFrames.tick(now);
  if (slimeView) {
    slimeView.draw(asSlimeRender(session?.latestRender()?.state));
  } else {
    const state = smoother.current(now);
    view.draw(state, now, ROUND_FRAMES);
    scoreboard.update(state, session?.assignment.playerIndex ?? null, session?.latestRender()?.episode ?? 0);
  }
  requestAnimationFrame(draw);
}
requestAnimationFrame(draw);

function showStatus(view: StatusView): void {
  if (status.set(view)) overlay.show(view);
}

const fmt = (t: FrameTimes) => (t.fps === 0 ? '—' : `${t.avgMs.toFixed(1)} ms avg · ${t.maxMs.toFixed(0)} ms worst`);
function showFrameTimes(): void {
  const page = pageFrames.summary();
  frameReadout.querySelector('[data-frames="page"]')!.textContent = fmt(page);
  frameReadout.querySelector('[data-frames="engine"]')!.textContent = fmt(engineFrames);
  frameReadout.querySelector<HTMLElement>('[data-frames="page"]')!.dataset.level = page.maxMs > 50 ? 'critical' : page.maxMs > 25 ? 'warning' : 'ok';
  frameReadout.querySelector<HTMLElement>('[data-frames="engine"]')!.dataset.level =
    engineFrames.maxMs > 50 ? 'critical' : engineFrames.maxMs > 25 ? 'warning' : 'ok';
}

async function poll(): Promise<void> {
  showFrameTimes();
  const s = session;
  if (!s) return;
  const [stats, history] = await Promise.all([s.stats(), s.tickHistory()]);
  engineFrames = tickTimes(history);
  const links = s.links();
  const rtt = rttByPeer(stats);
  lastHud = hudSample(stats, links, rollbackDepthSincePoll);
  rollbackDepthSincePoll = 0;
  hud.update(lastHud, links, rtt, (performance.now() - sessionStart) / 1000);
  if (status.current.status === 'ended' || status.current.status === 'error') return;
  const live = liveStatus(links, rtt);
  showStatus(serverLost && live.status !== 'ended' ? { ...live, detail: `${live.detail} (The server connection dropped; the game goes on peer-to-peer.)` } : live);
}

function schedulePoll(): void {
  setTimeout(() => {
    poll()
      .catch((err: unknown) => console.warn('netroll demo: poll failed', err))
      .finally(schedulePoll);
  }, POLL_MS);
}

/** Whether the netroll server answers at all (a quick, clear "unreachable" instead of a join timeout). */
async function serverReachable(base: string): Promise<boolean> {
  try {
    const res = await fetch(new URL('/healthz', base), { cache: 'no-store', mode: 'no-cors', signal: AbortSignal.timeout(5000) });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

function errorView(title: string, detail: string): StatusView {
  return { status: 'error', connection: null, title, detail };
}

/** Where the engine worker loads Pyodide from (the demo build serves it at pyodide/). */
const pyodideUrl = new URL('pyodide/', location.href).href;

async function start(): Promise<void> {
  const server = options.server ?? location.origin;
  showStatus(waitingView);
  if (!(await serverReachable(server))) {
    showStatus(errorView('Server unreachable', `Could not reach the netroll server at ${server}. Is \`npm start\` still running? Reload to try again.`));
    return;
  }
  // While waiting in the lobby, notice a server that went away (the join itself would only give up much later).
  const watchdog = setInterval(() => {
    void serverReachable(server).then((up) => {
      if (!up && status.current.status === 'waiting') {
        showStatus(errorView('Server unreachable', `Lost the netroll server at ${server} while waiting for players. Reload to try again.`));
      }
    });
  }, 3000);
  // Python games: start the engine worker now and let it load Pyodide before joining, so a
  // partner never waits on our multi-second load (their link would time out meanwhile).
  let pythonWorker: Worker | null = null;
  if (options.game !== 'arena') {
    showStatus({ status: 'waiting', connection: null, title: 'Loading Python…', detail: 'Starting Pyodide in the engine worker (from this server, no CDN). This takes a few seconds.' });
    pythonWorker = new Worker(new URL('../worker/builtin.ts', import.meta.url), { type: 'module', name: `netroll-pyodide:${pyodideUrl}` });
    const loaded = await new Promise<{ ok: boolean; message?: string }>((resolve) => {
      const onMessage = (ev: MessageEvent<unknown>) => {
        const d = ev.data as { netrollPython?: string; message?: string } | null;
        if (!d || typeof d.netrollPython !== 'string') return;
        pythonWorker!.removeEventListener('message', onMessage);
        resolve(d.netrollPython === 'ready' ? { ok: true } : { ok: false, message: d.message ?? 'unknown error' });
      };
      pythonWorker!.addEventListener('message', onMessage);
    });
    if (!loaded.ok) {
      clearInterval(watchdog);
      showStatus(errorView('Python did not load', loaded.message!));
      return;
    }
    showStatus(waitingView);
  }
  try {
    session = await joinGame({
      server,
      ...(options.room !== null ? { room: options.room } : { queue: options.queue }),
      players: options.players,
      game: gameSpec(options),
      // Python games load Pyodide inside the engine worker, from this origin.
      pyodideUrl,
      engine: pythonWorker
        ? pythonWorker
        : options.engine === 'main'
          ? { mainThread: (config) => gameFromSpec(config.game) }
          : () => new Worker(new URL('../worker/builtin.ts', import.meta.url), { type: 'module' }),
      // Impaired where each packet leaves: the engine's worker for the P2P channels it holds, this page for the relay.
      impairment: impairControls.values(),
      impairmentSeed: (Math.random() * 2 ** 32) >>> 0,
      onAssigned: (a) => {
        const others = a.players.filter((p) => p.index !== a.playerIndex).map((p) => `player ${p.index + 1}`);
        showStatus({
          status: 'connecting',
          connection: null,
          title: 'Connecting…',
          detail: `Matched as player ${a.playerIndex + 1}. Opening a peer-to-peer link (WebRTC) to ${others.join(', ')}.`,
        });
      },
    });
  } catch (err) {
    clearInterval(watchdog);
    const code = err instanceof NetrollError ? err.code : null;
    const message = err instanceof Error ? err.message : String(err);
    showStatus(
      code === 'unreachable'
        ? errorView('Server unreachable', `Lost the netroll server while waiting (${message}). Reload to try again.`)
        : errorView('Could not join', message),
    );
    return;
  }
  clearInterval(watchdog);
  const s = session;
  s.impair(impairControls.values()); // a slider moved while joining
  sessionStart = performance.now();
  document.body.dataset.player = String(s.assignment.playerIndex);
  s.onRender((f) => {
    const state = asArenaRender(f.state);
    if (state) smoother.push(state, f.corrected, performance.now());
  });
  s.on('rollback', (e) => {
    rollbackDepthSincePoll = Math.max(rollbackDepthSincePoll, e.depth);
  });
  s.on('desync', (e) => console.warn(`netroll demo: desync with player ${e.peer + 1} at frame ${e.frame}`));
  s.onEnded((e) => {
    capture?.dispose();
    if (e.reason === 'peer-disconnected') showStatus(liveStatus(s.links(), new Map()));
    else showStatus({ status: 'ended', connection: null, title: 'Session closed', detail: 'Reload the page to play again.' });
  });
  sessionCard.joined(s);
  s.signaling.on('connection', ({ connected }) => {
    serverLost = !connected;
    sessionCard.setServer(connected);
  });
  capture = captureInput({ onChange: (bytes) => s.setInput(bytes) });
  s.setInput(capture.read());
  showStatus(liveStatus(s.links(), new Map()));
  addEventListener('pagehide', () => void s.close());
}

const api: NetrollPageApi = {
  options,
  session: () => session,
  status: () => status.current,
  stats: () => (session ? session.stats() : Promise.reject(new Error('not in a session yet'))),
  exportSessionMetrics: () => (session ? session.exportSessionMetrics() : Promise.reject(new Error('not in a session yet'))),
  links: () => session?.links() ?? [],
  latestRender,
  hud: () => lastHud,
  frameTimes: () => ({ page: pageFrames.summary(), engine: engineFrames }),
  impair: (next) => impairControls.set(next),
  colorAt: (x, y) => view.colorAt(x, y),
};
window.netroll = api;

schedulePoll();
void start();
