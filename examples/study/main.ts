/**
 * The example study: consent → waiting room (live count) → N rounds of the
 * arena → end screen with a completion code. Every setting is in
 * study.config.ts; `npm start` serves this page at /study/.
 */
import { joinGame, type NetSession, type SessionEnded } from '../../main/connect.ts';
import { captureInput } from '../../main/input-capture.ts';
import { NetrollError } from '../../src/contracts/errors.ts';
import { ArenaView, asArenaRender } from '../../demo/arena-view.ts';
import defaults, { OVERRIDABLE, type StudyConfig } from './study.config.ts';

const params = new URLSearchParams(location.search);
const config: StudyConfig = { ...defaults };
for (const key of OVERRIDABLE) {
  const v = params.get(key);
  if (v !== null && /^\d+$/.test(v)) config[key] = Number(v);
}
/** The netroll server: this page's origin (as `npm start` serves it), or `?server=` for a development setup. */
const server = params.get('server') ?? location.origin;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const screens = ['consent', 'waiting', 'game', 'end'] as const;
function show(screen: (typeof screens)[number]): void {
  for (const s of screens) $(s).hidden = s !== screen;
  document.body.dataset.screen = screen;
}

function participantId(): string | null {
  const id = params.get(config.participantParam);
  if (id) return id;
  if (!config.allowAnonymous) return null;
  // A made-up id for pilots (only the page picks it, never the simulation).
  return `anon-${Math.random().toString(36).slice(2, 10)}`;
}

function end(message: string, code: string): void {
  $('end-message').textContent = message;
  $('completion-code').textContent = code;
  $('code-line').hidden = code === '';
  show('end');
}

function endOf(e: SessionEnded): void {
  const m = config.messages;
  if (e.reason === 'completed') end(m.completed, config.completionCode);
  else if (e.reason === 'focus-timeout') end(m.focusTimeout, config.partialCode);
  else if (e.reason === 'peer-left' || e.reason === 'peer-disconnected') end(m.partnerLeft, config.partialCode);
  else if (e.reason !== 'closed') end(m.error, '');
}

function play(session: NetSession): void {
  show('game');
  const me = session.assignment.playerIndex;
  const view = new ArenaView($<HTMLCanvasElement>('canvas'), () => me);
  const capture = captureInput({ onChange: (bytes) => session.setInput(bytes) });
  let round = 1;
  const roundText = () => ($('round').textContent = `Round ${round} of ${config.rounds}`);
  roundText();
  session.on('episode', (e) => {
    round = Math.min(config.rounds, e.episode + 2);
    roundText();
  });
  const countdown = $('countdown');
  let countdownEnds = 0;
  let countdowns = 0;
  session.on('countdown', (c) => {
    if (c.counting && c.ticksLeft > 0) document.body.dataset.countdowns = String(++countdowns);
    countdown.hidden = c.ticksLeft === 0;
    countdownEnds = c.counting ? performance.now() + (c.ticksLeft * 1000) / 60 : 0;
    if (!c.counting) countdown.textContent = 'Waiting for every player…';
  });
  const hidden = new Set<number>();
  const notice = () => ($('notice').textContent = hidden.size > 0 ? 'Your partner looked away: the game is paused.' : '');
  session.on('presence', (p) => {
    if (p.player === me) return;
    if (p.focused) hidden.delete(p.player);
    else hidden.add(p.player);
    notice();
  });
  session.onEnded((e) => {
    capture.dispose();
    endOf(e);
    void session.close();
  });
  const draw = (now: number) => {
    if (session.ended) return;
    view.draw(asArenaRender(session.latestRender()?.state ?? null), now, config.roundFrames);
    if (countdownEnds > 0) countdown.textContent = String(Math.max(1, Math.ceil((countdownEnds - now) / 1000)));
    requestAnimationFrame(draw);
  };
  requestAnimationFrame(draw);
}

async function start(id: string): Promise<void> {
  show('waiting');
  const count = $('waiting-count');
  count.textContent = `1 of ${config.players}`;
  let waitTimedOut = false;
  try {
    const session = await joinGame({
      server,
      queue: config.queue,
      players: config.players,
      participantId: id,
      metadata: { study: config.title },
      waitTimeoutMs: config.waitTimeoutMs,
      matchTimeoutMs: config.waitTimeoutMs + 10_000,
      onWaiting: (w) => (count.textContent = `${w.count} of ${w.needed}`),
      onWaitTimeout: () => (waitTimedOut = true),
      game: `arena?episodeFrames=${config.roundFrames}`,
      episodes: config.rounds,
      countdownFrames: config.countdownFrames,
      pauseOnPeerHidden: config.pauseOnPeerHidden,
      focusLossTimeoutMs: config.focusLossTimeoutMs,
      engine: new Worker(new URL('../../worker/builtin.ts', import.meta.url), { type: 'module' }),
    });
    play(session);
  } catch (e) {
    const code = e instanceof NetrollError ? e.code : undefined;
    if (waitTimedOut || code === 'timeout') end(config.messages.waitTimeout, '');
    else if (code === 'duplicate-participant' || code === 'participant-completed') end(config.messages.refused, '');
    else end(`${config.messages.error} (${e instanceof Error ? e.message : String(e)})`, '');
  }
}

$('title').textContent = config.title;
document.title = config.title;
for (const text of config.consent) $('consent-text').append(Object.assign(document.createElement('p'), { textContent: text }));
const id = participantId();
if (id === null) end(`Open this page with ?${config.participantParam}=YOUR_ID.`, '');
else {
  show('consent');
  const agree = $<HTMLInputElement>('agree');
  const button = $<HTMLButtonElement>('start');
  agree.addEventListener('change', () => (button.disabled = !agree.checked));
  button.addEventListener('click', () => void start(id), { once: true });
}
