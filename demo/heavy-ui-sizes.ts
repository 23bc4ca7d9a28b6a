/**
 * The size of the heavy UI of the demo's switch and of `npm run bench:browser`'s
 * scenario B (one definition for both; no DOM here, so the bench's Node side
 * reads it too).
 */

/** UI work per animation frame, ms: 60% of a 60 Hz frame (16.7 ms). */
export const HEAVY_UI_BUDGET_MS = 10;
/** DOM nodes whose text, transform and colour change every frame. */
export const HEAVY_UI_DOM_NODES = 200;
/** 4×4 canvas rects drawn every frame. */
export const HEAVY_UI_RECTS = 2000;
