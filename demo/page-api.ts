/**
 * `window.netroll`: what the demo page exposes to tests and embedders — the
 * session's `stats()` and `exportSessionMetrics()`, its links, the latest
 * render state, the HUD figures and the status shown to the player.
 */
import type { NetSession } from '../main/connect.ts';
import type { Impairment } from '../main/impair.ts';
import type { LinkReport } from '../main/mesh.ts';
import type { ArenaRender } from '../src/games/arena.ts';
import type { HostMetrics, HostStats, RenderFrame } from '../worker/api.ts';
import type { FrameTimes } from './heavy-ui.ts';
import type { HudSample } from './hud.ts';
import type { DemoOptions } from './options.ts';
import type { StatusView } from './status.ts';
import type { DemoPageView } from './page-view.ts';

export interface NetrollPageApi {
  /** What the page was asked to do (from its URL). */
  readonly options: DemoOptions;
  /** The session once joined, else null. */
  session(): NetSession | null;
  /** The status shown to the player (the same as the `[data-status]` element's attributes). */
  status(): StatusView;
  /** The session's engine stats. Rejects before the session exists. */
  stats(): Promise<HostStats>;
  /** The session's exportable metrics (input log, hashes, rollback histogram...). Rejects before the session exists. */
  exportSessionMetrics(): Promise<HostMetrics>;
  /** Per-peer link reports (empty before the session exists). */
  links(): LinkReport[];
  /** The newest render state the engine delivered, with the arena view typed. */
  latestRender(): RenderFrame<ArenaRender> | null;
  /** The newest HUD sample. */
  hud(): HudSample | null;
  /** Page frame times and engine tick times over the last second. */
  frameTimes(): { page: FrameTimes; engine: FrameTimes };
  /** Change this peer's outgoing impairment (as the sliders do). */
  impair(next: Partial<Impairment>): void;
  /** The canvas colour (r, g, b) drawn at field position (x, y), or null before the first frame. */
  colorAt(x: number, y: number): [number, number, number] | null;
}

/** The end-to-end tests read this API through a DOM-free copy of its shape: fail to compile when they drift apart. */
type Fits<T extends true> = T;
export type TestViewFits = Fits<NetrollPageApi extends DemoPageView ? true : false>;

declare global {
  interface Window {
    netroll?: NetrollPageApi;
  }
}
