/**
 * bench:net's server-restart figure: a relay-only session (no P2P path, so
 * every input goes through the server relay) on a server process that is
 * killed (SIGKILL) and started again on the same port and data directory,
 * `runs` times in one game. Per run: ms from the restarted server saying it
 * listens to the first relay packet received by the later of the two pages
 * (their seats resumed with the secrets the first process issued).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright';
import { call, type E2E, hostAddress, joinRoom, leaveAll, sleep, until } from '../harness/e2e.ts';
import { type ServerProcess, startServerProcess } from '../harness/server-process.ts';

/** The definition printed with the JSON. */
export const SERVER_RESTART_DEFINITION =
  "serverRestartRecoveryMs: a 2-page relay-only game (iceTransportPolicy 'relay', no TURN: the server relay carries every input) on a server child process with an on-disk data directory; the process is SIGKILLed, the pages see signaling lost, and 500 ms later it is started again on the same port and directory (the pages use mesh.disconnectedMs 60 s: with no P2P path, a peer silent for the default 5 s would count as gone while the server is down). Per run: ms from the restarted process printing that it listens (Node wall clock) to the first relay packet received by the later of the two pages (page wall clock, performance.timeOrigin + now()); both pages reconnect with backoff (250 ms doubling to 1 s, ±30 %) and resume their seats first. Median over --restart-runs kills in one game.";

/** `runs` kill-and-restart cycles; the recovery time of each completed one. */
export async function serverRestartRuns(e2e: E2E, pages: Page[], runs: number, log: (msg: string) => void): Promise<number[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'netroll-bench-restart-'));
  const origin = new URL(e2e.pageUrl).origin;
  const opts = { host: hostAddress(), dataDir, corsOrigins: [origin] };
  let server: ServerProcess = await startServerProcess(opts);
  const out: number[] = [];
  const info = () => Promise.all(pages.map((p) => call(p, 'signalingInfo')));
  try {
    await joinRoom(pages, { server: server.url, room: 'restart', players: 2, frames: 60 * 60 * 10, iceTransportPolicy: 'relay', p2pTimeoutMs: 1000, mesh: { disconnectedMs: 60_000 } });
    for (let i = 0; i < runs; i++) {
      for (const p of pages) await call(p, 'markRelay');
      await until(async () => (await info()).every((s) => s.relaySinceMark >= 30), 20_000, 'the relay to carry the game');
      await server.kill();
      await until(async () => (await info()).every((s) => s.state === 'lost'), 10_000, 'both pages to see signaling lost');
      await sleep(500);
      for (const p of pages) await call(p, 'markRelay');
      server = await startServerProcess({ ...opts, port: server.port });
      const back = server.listeningAt;
      const s = await until(async () => {
        const now = await info();
        return now.every((x) => x.firstRelayAfterMark !== null) ? now : null;
      }, 20_000, 'relay packets after the restart');
      const ms = Math.max(...s.map((x) => x.firstRelayAfterMark! - back));
      out.push(ms);
      log(`server restart ${i + 1}/${runs}: relay delivering ${ms.toFixed(0)} ms after the server was back`);
    }
  } finally {
    await leaveAll(pages);
    await server.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return out;
}
