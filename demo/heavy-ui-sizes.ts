/**
 * The size of the heavy UI of the demo's switch and of `npm run bench:browser`'s
 * scenario B (one definition for both; no DOM here, so the bench's Node side
 * reads it too).
 */

/**
 * Script work per animation frame, ms. With the browser's own style, layout
 * and paint of these nodes, the page's main thread is busy about 70% of every
 * 60 Hz frame (0.67-0.70 cores measured in Chromium on a 2-core machine,
 * `uiMainThreadShareNone` of `npm run bench:browser`).
 */
export const HEAVY_UI_BUDGET_MS = 7;
/** DOM nodes whose text, transform and colour change every frame. */
export const HEAVY_UI_DOM_NODES = 200;
/** 4×4 canvas rects drawn every frame. */
export const HEAVY_UI_RECTS = 2000;
