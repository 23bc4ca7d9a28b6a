/**
 * Canvas rendering of the arena from the render states the engine delivers,
 * and the interpolation the correction smoother uses (players glide to a
 * corrected position; coins snap).
 */
import type { ArenaRender } from '../src/games/arena.ts';

export const PLAYER_COLORS = ['#4cc9f0', '#f72585', '#a7f432', '#ffb703', '#9b5de5', '#ff7f51', '#2ec4b6', '#e9ecef'] as const;

export const playerColor = (index: number): string => PLAYER_COLORS[index % PLAYER_COLORS.length]!;

const PLAYER_RADIUS = 1.5;
const COIN_RADIUS = 1;
const TRAIL = 14;

/** Blend two arena views: player positions move from `a` to `b`; everything else is `b`'s. */
export function lerpArena(a: ArenaRender, b: ArenaRender, t: number): ArenaRender {
  if (a.players.length !== b.players.length) return b;
  return {
    ...b,
    players: b.players.map((p, i) => {
      const from = a.players[i]!;
      return { x: from.x + (p.x - from.x) * t, y: from.y + (p.y - from.y) * t, score: p.score };
    }),
  };
}

/** Read an arena view out of an untyped render state (the worker's `game.render`), or null if it is not one. */
export function asArenaRender(state: unknown): ArenaRender | null {
  if (typeof state !== 'object' || state === null) return null;
  const s = state as Partial<ArenaRender>;
  return Array.isArray(s.players) && Array.isArray(s.coins) && typeof s.width === 'number' && typeof s.height === 'number' ? (s as ArenaRender) : null;
}

/** A pre-rendered glowing disc (software canvases make shadowBlur expensive; a sprite is one drawImage). */
function discSprite(radius: number, paint: (ctx: CanvasRenderingContext2D, c: number, r: number) => void): HTMLCanvasElement {
  const pad = Math.ceil(radius * 0.9);
  const size = Math.ceil((radius + pad) * 2);
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = size;
  const ctx = canvas.getContext('2d')!;
  paint(ctx, size / 2, radius);
  return canvas;
}

function playerSprite(color: string, r: number): HTMLCanvasElement {
  return discSprite(r, (ctx, c) => {
    const glow = ctx.createRadialGradient(c, c, r * 0.8, c, c, r * 1.9);
    glow.addColorStop(0, color);
    glow.addColorStop(1, 'transparent');
    ctx.globalAlpha = 0.45;
    ctx.fillStyle = glow;
    ctx.fillRect(0, 0, c * 2, c * 2);
    ctx.globalAlpha = 1;
    const body = ctx.createRadialGradient(c - r * 0.35, c - r * 0.35, r * 0.1, c, c, r);
    body.addColorStop(0, '#ffffff');
    body.addColorStop(0.25, color);
    body.addColorStop(1, color);
    ctx.fillStyle = body;
    ctx.beginPath();
    ctx.arc(c, c, r, 0, Math.PI * 2);
    ctx.fill();
  });
}

function coinSprite(r: number): HTMLCanvasElement {
  return discSprite(r, (ctx, c) => {
    const glow = ctx.createRadialGradient(c, c, r * 0.6, c, c, r * 1.8);
    glow.addColorStop(0, 'rgba(255, 195, 0, 0.35)');
    glow.addColorStop(1, 'transparent');
    ctx.fillStyle = glow;
    ctx.fillRect(0, 0, c * 2, c * 2);
    const g = ctx.createRadialGradient(c - r * 0.3, c - r * 0.3, r * 0.1, c, c, r);
    g.addColorStop(0, '#fff3b0');
    g.addColorStop(0.6, '#ffc300');
    g.addColorStop(1, '#b8860b');
    ctx.fillStyle = g;
    ctx.beginPath();
    ctx.arc(c, c, r, 0, Math.PI * 2);
    ctx.fill();
  });
}

export class ArenaView {
  private readonly ctx: CanvasRenderingContext2D;
  private readonly trails: { x: number; y: number }[][] = [];
  private cssWidth = 0;
  private cssHeight = 0;
  private dpr = 1;
  /** Where the field was drawn last (CSS pixels). */
  private last: { ox: number; oy: number; scale: number } | null = null;
  /** Sprites and the field background, for the current scale (device pixels per field unit). */
  private cache: { scale: number; players: HTMLCanvasElement[]; coin: HTMLCanvasElement; field: HTMLCanvasElement } | null = null;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly localPlayer: () => number | null,
  ) {
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas context');
    this.ctx = ctx;
  }

  /** Match the canvas backing store to its CSS size and the device pixel ratio. */
  private fit(): void {
    const rect = this.canvas.getBoundingClientRect();
    const dpr = Math.min(2, globalThis.devicePixelRatio || 1);
    const w = Math.max(1, Math.round(rect.width * dpr));
    const h = Math.max(1, Math.round(rect.height * dpr));
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    this.cssWidth = rect.width;
    this.cssHeight = rect.height;
    this.dpr = dpr;
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  }

  private sprites(scale: number, fieldW: number, fieldH: number): NonNullable<ArenaView['cache']> {
    const px = scale * this.dpr;
    if (this.cache && this.cache.scale === px) return this.cache;
    const field = document.createElement('canvas');
    field.width = Math.max(1, Math.round(fieldW * px));
    field.height = Math.max(1, Math.round(fieldH * px));
    const f = field.getContext('2d')!;
    const bg = f.createLinearGradient(0, 0, 0, field.height);
    bg.addColorStop(0, '#111827');
    bg.addColorStop(1, '#0b1020');
    f.fillStyle = bg;
    f.fillRect(0, 0, field.width, field.height);
    f.strokeStyle = 'rgba(148, 163, 184, 0.08)';
    f.lineWidth = this.dpr;
    f.beginPath();
    for (let x = 6; x < fieldW; x += 6) {
      f.moveTo(Math.round(x * px) + 0.5, 0);
      f.lineTo(Math.round(x * px) + 0.5, field.height);
    }
    for (let y = 6; y < fieldH; y += 6) {
      f.moveTo(0, Math.round(y * px) + 0.5);
      f.lineTo(field.width, Math.round(y * px) + 0.5);
    }
    f.stroke();
    f.strokeStyle = 'rgba(125, 211, 252, 0.35)';
    f.lineWidth = 2 * this.dpr;
    f.strokeRect(this.dpr, this.dpr, field.width - 2 * this.dpr, field.height - 2 * this.dpr);
    this.cache = {
      scale: px,
      players: PLAYER_COLORS.map((c) => playerSprite(c, PLAYER_RADIUS * px)),
      coin: coinSprite(COIN_RADIUS * px),
      field,
    };
    return this.cache;
  }

  /** The colour drawn at field position (x, y) in the last frame, or null before the first. */
  colorAt(x: number, y: number): [number, number, number] | null {
    const { last } = this;
    if (!last) return null;
    const px = Math.round((last.ox + x * last.scale) * this.dpr);
    const py = Math.round((last.oy + y * last.scale) * this.dpr);
    const d = this.ctx.getImageData(px, py, 1, 1).data;
    return [d[0]!, d[1]!, d[2]!];
  }

  /** Draw `state` (or an empty field while there is none). `episodeFrames` scales the round timer. */
  draw(state: ArenaRender | null, now: number, episodeFrames: number): void {
    this.fit();
    const { ctx, cssWidth: cw, cssHeight: ch } = this;
    const fieldW = state?.width ?? 96;
    const fieldH = state?.height ?? 54;
    const scale = Math.min(cw / fieldW, ch / fieldH);
    const ox = (cw - fieldW * scale) / 2;
    const oy = (ch - fieldH * scale) / 2;
    this.last = { ox, oy, scale };
    const sprites = this.sprites(scale, fieldW, fieldH);
    const blit = (sprite: HTMLCanvasElement, x: number, y: number, size = 1) => {
      const w = (sprite.width / this.dpr) * size;
      ctx.drawImage(sprite, x - w / 2, y - w / 2, w, w);
    };

    ctx.clearRect(0, 0, cw, ch);
    ctx.drawImage(sprites.field, ox, oy, fieldW * scale, fieldH * scale);
    if (!state) {
      this.trails.length = 0;
      return;
    }

    // round timer
    const left = Math.max(0, 1 - state.frame / episodeFrames);
    ctx.fillStyle = 'rgba(125, 211, 252, 0.55)';
    ctx.fillRect(ox, oy, fieldW * scale * left, 3);

    const pulse = 1 + 0.08 * Math.sin(now / 180);
    for (const c of state.coins) blit(sprites.coin, ox + c.x * scale, oy + c.y * scale, pulse);

    // players, with short trails
    const me = this.localPlayer();
    ctx.font = '600 12px system-ui, sans-serif';
    ctx.textAlign = 'center';
    state.players.forEach((p, i) => {
      const trail = (this.trails[i] ??= []);
      const last = trail[trail.length - 1];
      if (last && Math.hypot(last.x - p.x, last.y - p.y) > 10) trail.length = 0; // a new round: no streak across the field
      trail.push({ x: p.x, y: p.y });
      if (trail.length > TRAIL) trail.shift();
      // a tapering streak behind the player
      ctx.strokeStyle = playerColor(i);
      ctx.lineCap = 'round';
      for (let k = 1; k < trail.length; k++) {
        const a = trail[k - 1]!;
        const b = trail[k]!;
        ctx.globalAlpha = (k / trail.length) * 0.35;
        ctx.lineWidth = PLAYER_RADIUS * scale * 2 * (0.2 + (0.6 * k) / trail.length);
        ctx.beginPath();
        ctx.moveTo(ox + a.x * scale, oy + a.y * scale);
        ctx.lineTo(ox + b.x * scale, oy + b.y * scale);
        ctx.stroke();
      }
      ctx.globalAlpha = 1;
      const x = ox + p.x * scale;
      const y = oy + p.y * scale;
      const r = PLAYER_RADIUS * scale;
      blit(sprites.players[i % sprites.players.length]!, x, y);
      if (i === me) {
        ctx.strokeStyle = 'rgba(255, 255, 255, 0.9)';
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.arc(x, y, r + 4, 0, Math.PI * 2);
        ctx.stroke();
      }
      ctx.fillStyle = '#e2e8f0';
      const label = i === me ? `P${i + 1} · you` : `P${i + 1}`;
      const half = ctx.measureText(label).width / 2 + 4;
      const lx = Math.min(Math.max(x, ox + half), ox + fieldW * scale - half); // keep labels inside the field
      ctx.fillText(label, lx, y - oy < r + 24 ? y + r + 18 : y - r - 8);
    });
  }
}
