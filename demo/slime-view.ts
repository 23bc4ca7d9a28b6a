/**
 * Draws the Python slime volleyball example (`?game=py-slime`) from its
 * render dict: court, net, slimes (half-discs looking at the ball), ball and
 * score. Units are the game's (1/100 px); the court is scaled to the canvas.
 */
import { playerColor } from './arena-view.ts';

/** What `SlimeVolley.render()` returns (see examples/python/slime.py). */
export interface SlimeRender {
  width: number;
  height: number;
  netX: number;
  netHeight: number;
  slimeRadius: number;
  ballRadius: number;
  frame: number;
  score: [number, number];
  ball: [number, number];
  slimes: [number, number][];
  paused: boolean;
}

const isPair = (v: unknown): v is [number, number] => Array.isArray(v) && v.length === 2 && v.every((n) => typeof n === 'number');

/** The render state as a SlimeRender, or null when it is something else. */
export function asSlimeRender(state: unknown): SlimeRender | null {
  if (typeof state !== 'object' || state === null) return null;
  const s = state as Partial<SlimeRender>;
  if (typeof s.width !== 'number' || typeof s.height !== 'number' || !isPair(s.ball) || !isPair(s.score)) return null;
  if (!Array.isArray(s.slimes) || !s.slimes.every(isPair)) return null;
  return s as SlimeRender;
}

export class SlimeView {
  private readonly ctx: CanvasRenderingContext2D;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly localPlayer: () => number | null,
  ) {
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas context');
    this.ctx = ctx;
  }

  draw(state: SlimeRender | null): void {
    const rect = this.canvas.getBoundingClientRect();
    const dpr = Math.min(2, globalThis.devicePixelRatio || 1);
    const w = Math.max(1, Math.round(rect.width * dpr));
    const h = Math.max(1, Math.round(rect.height * dpr));
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#0b1020';
    ctx.fillRect(0, 0, w, h);
    if (!state) return;
    const scale = Math.min(w / state.width, h / state.height);
    const ox = (w - state.width * scale) / 2;
    const oy = (h - state.height * scale) / 2;
    const X = (x: number) => ox + x * scale;
    const Y = (y: number) => oy + (state.height - y) * scale;
    ctx.fillStyle = '#111827';
    ctx.fillRect(X(0), Y(state.height), state.width * scale, state.height * scale);
    ctx.fillStyle = '#334155';
    ctx.fillRect(X(0), Y(0), state.width * scale, 4 * dpr);
    ctx.fillStyle = '#e2e8f0';
    ctx.fillRect(X(state.netX - 400), Y(state.netHeight), 800 * scale, state.netHeight * scale);
    const me = this.localPlayer();
    state.slimes.forEach(([sx, sy], p) => {
      ctx.fillStyle = playerColor(p);
      ctx.beginPath();
      ctx.arc(X(sx), Y(sy), state.slimeRadius * scale, Math.PI, 0);
      ctx.closePath();
      ctx.fill();
      if (p === me) {
        ctx.strokeStyle = '#ffffff';
        ctx.lineWidth = 2 * dpr;
        ctx.stroke();
      }
      // An eye that looks at the ball.
      const ex = sx + (p % 2 === 0 ? 1 : -1) * state.slimeRadius * 0.45;
      const ey = sy + state.slimeRadius * 0.55;
      const dx = state.ball[0] - ex;
      const dy = state.ball[1] - ey;
      const d = Math.hypot(dx, dy) || 1;
      ctx.fillStyle = '#ffffff';
      ctx.beginPath();
      ctx.arc(X(ex), Y(ey), state.slimeRadius * 0.18 * scale, 0, Math.PI * 2);
      ctx.fill();
      ctx.fillStyle = '#0f172a';
      ctx.beginPath();
      ctx.arc(X(ex + (dx / d) * state.slimeRadius * 0.08), Y(ey + (dy / d) * state.slimeRadius * 0.08), state.slimeRadius * 0.09 * scale, 0, Math.PI * 2);
      ctx.fill();
    });
    ctx.fillStyle = state.paused ? '#94a3b8' : '#fbbf24';
    ctx.beginPath();
    ctx.arc(X(state.ball[0]), Y(state.ball[1]), state.ballRadius * scale, 0, Math.PI * 2);
    ctx.fill();
    ctx.fillStyle = '#e2e8f0';
    ctx.font = `${Math.round(28 * dpr)}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    ctx.fillText(`${state.score[0]}  :  ${state.score[1]}`, w / 2, oy + 40 * dpr);
  }
}
