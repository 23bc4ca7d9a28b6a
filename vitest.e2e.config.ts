import { defineConfig } from 'vitest/config';

/** End-to-end tests: real server, real Chromium over WebRTC (run by scripts/test.mjs, in a private network namespace when possible). */
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.test.ts'],
    globalSetup: ['tests/e2e/global-setup.ts'],
    environment: 'node',
    testTimeout: 180_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
