/**
 * The dashboard's viewer page (`/admin/watch?session=ID`): watches a live
 * session as a spectator with watchGame. The socket carries the dashboard's
 * admin cookie, so it may watch on a server that lets only admins watch.
 * Draws the built-in arena (players and coins); other games show their figures.
 */
import { type Viewer, watchGame } from '../../../main/watch.ts';
import type { RenderFrame } from '../../../worker/api.ts';

const session = new URLSearchParams(location.search).get('session') ?? '';
const status = document.getElementById('status')!;
const figures = document.getElementById('figures')!;
const canvas = document.getElementById('field') as HTMLCanvasElement;
document.getElementById('session')!.textContent = session;

interface ArenaLike {
  width: number;
  height: number;
  players: { x: number; y: number; score: number }[];
  coins: { x: number; y: number }[];
}

function isArena(s: unknown): s is ArenaLike {
  const a = s as Partial<ArenaLike> | null;
  return typeof a === 'object' && a !== null && typeof a.width === 'number' && Array.isArray(a.players) && Array.isArray(a.coins);
}

let latest: RenderFrame | null = null;
function draw(): void {
  const ctx = canvas.getContext('2d');
  const s = latest?.state;
  if (ctx && isArena(s)) {
    ctx.fillStyle = '#111';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    const sx = canvas.width / s.width;
    const sy = canvas.height / s.height;
    ctx.fillStyle = '#fc3';
    for (const c of s.coins) ctx.fillRect(c.x * sx - 3, c.y * sy - 3, 6, 6);
    const colors = ['#4cf', '#f64', '#6f6', '#c6f', '#fd4', '#4fd', '#f4c', '#aaa'];
    s.players.forEach((p, i) => {
      ctx.fillStyle = colors[i % colors.length]!;
      ctx.beginPath();
      ctx.arc(p.x * sx, p.y * sy, 8, 0, Math.PI * 2);
      ctx.fill();
    });
  }
  requestAnimationFrame(draw);
}

async function start(): Promise<void> {
  if (!session) {
    status.textContent = 'no session given (?session=ID)';
    return;
  }
  let viewer: Viewer;
  try {
    viewer = await watchGame({
      session,
      engine: new Worker(new URL('../../../worker/builtin.ts', import.meta.url), { type: 'module' }),
      onRender: (f) => (latest = f),
    });
  } catch (e) {
    status.textContent = `cannot watch: ${e instanceof Error ? e.message : String(e)}`;
    return;
  }
  status.textContent = `watching (${viewer.path}, fed by player ${viewer.feeder})`;
  viewer.on('ended', (e) => (status.textContent = `ended: ${e.reason}`));
  viewer.on('error', (e) => (status.textContent = `error: ${e.code} ${e.message}`));
  requestAnimationFrame(draw);
  setInterval(() => {
    void viewer.stats().then((s) => {
      figures.textContent = `frame ${s.frame}  received ${s.receivedFrame}  delay ${s.delayFrames} frames  path ${s.path}\nlag beyond the delay (p50) ${s.lagMsP50.toFixed(1)} ms  snapshots ${s.snapshotsLoaded}  gaps ${s.gaps}  malformed ${s.malformed}`;
    });
  }, 500);
}

void start();
