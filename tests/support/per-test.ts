/**
 * Per-test lifecycle: what a test starts is closed after it, pass or fail.
 * The harness pieces themselves (harness/) know nothing of vitest, so the
 * benchmarks use them too.
 */
import { afterEach } from 'vitest';
import { type Coturn, startCoturn } from '../../harness/coturn.ts';
import { type E2E, startE2E } from '../../harness/e2e.ts';
import { type ServerProcess, startServerProcess } from '../../harness/server-process.ts';
import { type RedisProcess, startRedis } from '../../scripts/redis-server.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';
import { startUdpProxy, type UdpProxy } from './udp-proxy.ts';

/**
 * Call at a test file's (or `describe`'s) top level: `start(...)` opens a
 * resource with `open` for the current test, and every resource opened is
 * closed with `close` after that test, the newest first. Every close runs
 * even when one fails (the first failure is rethrown).
 */
export function perTest<A extends unknown[], T>(open: (...args: A) => Promise<T>, close: (resource: T) => Promise<void>): { start(...args: A): Promise<T> } {
  const opened: T[] = [];
  afterEach(async () => {
    const errors: unknown[] = [];
    for (const r of opened.splice(0).reverse()) await close(r).catch((e: unknown) => errors.push(e));
    if (errors.length > 0) throw errors[0];
  });
  return {
    async start(...args) {
      const r = await open(...args);
      opened.push(r);
      return r;
    },
  };
}

/** The e2e environment (servers and Chromium, same arguments as {@link startE2E}) per test. */
export const e2ePerTest = (): { start: typeof startE2E } => perTest(startE2E, (e: E2E) => e.close());

/** A throwaway coturn per test. */
export const coturnPerTest = (): { start: typeof startCoturn } => perTest(startCoturn, (c: Coturn) => c.stop());

/** A seeded UDP impairment proxy per test. */
export const udpProxyPerTest = (): { start: typeof startUdpProxy } => perTest(startUdpProxy, (p: UdpProxy) => p.close());

/** A cuttable TCP proxy per test. */
export const tcpProxyPerTest = (): { start: typeof startTcpProxy } => perTest(startTcpProxy, (p: TcpProxy) => p.close());

/** The server as a child process per test (every one started is killed after the test, by its PID). */
export const serverProcessPerTest = (): { start: typeof startServerProcess } => perTest(startServerProcess, (p: ServerProcess) => p.kill());

/** A throwaway redis-server per test (stopped by its PID after the test). */
export const redisPerTest = (): { start: typeof startRedis } => perTest(startRedis, (r: RedisProcess) => r.stop());
