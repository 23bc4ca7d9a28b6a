/**
 * The demo page's `window.netroll` as a test or any other Node-side driver
 * sees it (through Playwright): the part of demo/page-api.ts they read,
 * without DOM types so it type-checks with tsconfig.node.json.
 * demo/page-api.ts checks at compile time that the real API still fits it.
 */

export interface DemoPageView {
  session(): { readonly assignment: { readonly playerIndex: number; readonly sessionId: string } } | null;
  status(): { readonly status: string; readonly connection: string | null; readonly title: string };
  latestRender(): { readonly frame: number; readonly episode: number; readonly state: { readonly players: readonly { readonly x: number; readonly y: number; readonly score: number }[] } | null } | null;
  stats(): Promise<{
    readonly frame: number;
    readonly confirmedFrame: number;
    readonly desyncs: number;
    readonly rollbacks: number;
    readonly peers: readonly { readonly player: number; readonly rttMs: number }[];
    readonly directChannels: { readonly sent: readonly number[]; readonly impairDelayed: number } | null;
  }>;
  /** Change this peer's outgoing impairment (as the sliders do). */
  impair(next: { latencyMs?: number; jitterMs?: number; loss?: number }): void;
  /** The canvas colour (r, g, b) drawn at a field position. */
  colorAt(x: number, y: number): readonly [number, number, number] | null;
}

/** `globalThis` in the demo page, as the tests see it. */
export type DemoGlobal = { netroll?: DemoPageView };
