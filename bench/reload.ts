/**
 * bench:net's page-level rejoin figure: two real pages play, one page is
 * reloaded (Playwright `page.reload()`) and joins again with the same
 * options; it takes its seat back (resume record in sessionStorage), the
 * other page replaces its link to it, and its engine plays on from a state
 * transfer. One fresh room per run; see RELOAD_DEFINITION.
 */
import type { Page } from 'playwright';
import { call, type E2E, joinRoom, leaveAll, sleep, until, waitFrames } from '../harness/e2e.ts';
import type { PlayOptions } from '../harness/types.ts';

/** The definition printed with the JSON. */
export const RELOAD_DEFINITION =
  "rejoinMsP50: two real Chromium pages in a direct game (the shipped defaults: rejoinWindowMs 60 s, mesh timings 750 ms / 5 s), a fresh room per run; after 180 confirmed frames the page of player 0 is reloaded (page.reload()) and calls joinGame again with the same options. Per run: Node wall-clock ms from the page.reload() call to the first poll (every 25 ms) at which the other page has confirmed the reloaded player's return frame (its peer-returned frame: from there the log holds that player's own input again) and the reloaded page's own frame is past it. Includes the reload, page and worker start, the server resume, the new WebRTC link, the Hellos, the state transfer, fast-forward and rejoinLeadFrames (30 frames). Median of --reload-runs runs.";

/** `runs` reloads, one per fresh room; the reload → playing-again time of each. */
export async function reloadRuns(e2e: E2E, pages: Page[], runs: number, log: (msg: string) => void): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const options: Omit<PlayOptions, 'inputSeed'> = {
      server: e2e.serverUrl,
      room: `bench-reload-${i}`,
      players: 2,
      frames: 60 * 60 * 10,
      rejoinWindowMs: 60_000,
    };
    try {
      const joined = await joinRoom(pages, options);
      await waitFrames(pages, 180);
      const at = joined.findIndex((j) => j.playerIndex === 0);
      const reloaded = pages[at]!;
      const live = pages[1 - at]!;
      const started = Date.now();
      await reloaded.reload();
      await reloaded.waitForFunction(() => 'e2e' in globalThis, undefined, { timeout: 30_000 });
      await call(reloaded, 'join', { ...options, inputSeed: 1000 + at });
      const returnFrame = await until(async () => {
        const e = (await call(live, 'rejoinEvents')).find((x) => x.type === 'peer-returned');
        return e ? Number(e.frame) : null;
      }, 30_000, 'peer-returned on the live page');
      const end = Date.now() + 30_000;
      let ms: number | null = null;
      while (Date.now() < end) {
        const [l, r] = await Promise.all([call(live, 'stats'), call(reloaded, 'stats')]);
        if (l.confirmedFrame >= returnFrame && r.frame > returnFrame) {
          ms = Date.now() - started;
          break;
        }
        await sleep(25);
      }
      if (ms === null) throw new Error('the reloaded page did not play again within 30 s');
      out.push(ms);
      log(`reload ${i + 1}/${runs}: playing again ${ms} ms after page.reload() (return frame ${returnFrame})`);
    } finally {
      await leaveAll(pages);
    }
  }
  return out;
}
