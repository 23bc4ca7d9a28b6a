/**
 * The page's focus for the absent-partner policy: whether the page is
 * visible (`document.visibilityState`), reported on every
 * `visibilitychange`. Outside a page (no `document`) it never reports.
 */

/** Call `onChange(visible)` now and on every visibility change; returns the unsubscribe function. */
export function watchFocus(onChange: (visible: boolean) => void): () => void {
  const doc = (globalThis as { document?: Document }).document;
  if (!doc) return () => {};
  const report = () => onChange(doc.visibilityState !== 'hidden');
  doc.addEventListener('visibilitychange', report);
  report();
  return () => doc.removeEventListener('visibilitychange', report);
}
