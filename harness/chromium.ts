/**
 * How tests and benchmarks launch Chromium: the executable (`CHROMIUM_PATH`,
 * default `/usr/bin/chromium`) and the flags for headless runs on CI
 * machines. Plain data, so vitest.config.ts, the e2e harness and the
 * benchmarks all read the same values.
 */

/** The Chromium executable. */
export const chromiumPath: string = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Chromium flags for headless runs on CI machines (no mDNS hiding, so pages gather host candidates). */
export const chromiumArgs: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

/** Playwright launch options: {@link chromiumPath} with {@link chromiumArgs} and `extraArgs`. */
export function chromiumLaunchOptions(extraArgs: readonly string[] = []): { executablePath: string; args: string[] } {
  return { executablePath: chromiumPath, args: [...chromiumArgs, ...extraArgs] };
}
