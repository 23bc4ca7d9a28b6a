/** Per-test lifecycle of the end-to-end environment (kept apart from the harness, which bench/net.ts also uses outside vitest). */
import { afterEach } from 'vitest';
import { type E2E, startE2E } from './harness.ts';

/**
 * Call at a test file's top level: `start(...)` (same arguments as
 * {@link startE2E}) starts the servers and Chromium for one test, and they
 * are closed after it, pass or fail.
 */
export function e2ePerTest(): { start: typeof startE2E } {
  let current: E2E | null = null;
  afterEach(async () => {
    await current?.close();
    current = null;
  });
  return {
    async start(...args) {
      current = await startE2E(...args);
      return current;
    },
  };
}
