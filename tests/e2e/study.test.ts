/**
 * The example study (examples/study) end to end with real pages: two
 * participants open it with their ids, consent, wait in the waiting room
 * (which shows the live count), play the configured rounds with a countdown
 * between them, and both reach the end screen with the completion code; the
 * server stores both participants with end reason `completed` and the
 * episodes they played. Driven like a participant would: clicks and text.
 */
import type { Page } from 'playwright';
import { describe, expect, it } from 'vitest';
import { until } from '../../harness/e2e.ts';
import config from '../../examples/study/study.config.ts';
import { e2ePerTest } from '../support/per-test.ts';

const env = e2ePerTest();

describe('the example study', () => {
  it('consent → waiting room with the live count → rounds → completion code, for both participants', async () => {
    const e2e = await env.start();
    const studyUrl = e2e.pageUrl.replace('/harness/page/index.html', '/examples/study/index.html');
    const open = async (participant: string): Promise<Page> => {
      const page = await (await e2e.browser.newContext()).newPage();
      page.on('pageerror', (err) => console.error('[study page error]', err.message));
      await page.goto(`${studyUrl}?participant=${participant}&server=${encodeURIComponent(e2e.serverUrl)}&rounds=2&roundFrames=240&countdownFrames=60`);
      await page.locator('#consent').waitFor({ state: 'visible', timeout: 30_000 });
      return page;
    };
    const consent = async (page: Page) => {
      expect(await page.locator('#start').isDisabled()).toBe(true);
      await page.locator('#agree').check();
      await page.locator('#start').click();
    };
    const first = await open('P01');
    await consent(first);
    // Alone in the waiting room: the count says so.
    await first.locator('#waiting').waitFor({ state: 'visible' });
    await expect.poll(() => first.locator('#waiting-count').textContent(), { timeout: 10_000 }).toBe('1 of 2');
    const second = await open('P02');
    await consent(second);
    const pages = [first, second];
    for (const p of pages) await p.locator('#game').waitFor({ state: 'visible', timeout: 30_000 });
    for (const p of pages) await p.locator('#end').waitFor({ state: 'visible', timeout: 90_000 });
    for (const p of pages) {
      // One countdown, between the two rounds (the page counts the ones it showed), and the last round's title.
      expect(await p.locator('body').getAttribute('data-countdowns')).toBe('1');
      expect(await p.locator('#round').textContent()).toBe('Round 2 of 2');
    }
    for (const p of pages) {
      expect(await p.locator('#end-message').textContent()).toBe(config.messages.completed);
      expect(await p.locator('#completion-code').textContent()).toBe(config.completionCode);
    }
    const store = e2e.server.store!;
    const sessionId = (await store.sessions())[0]!.id;
    const rows = await until(async () => {
      const r = (await store.rows('participants', sessionId)) as { participant_id: string; end_reason: string | null; episodes_completed: number | null }[];
      return r.length === 2 && r.every((x) => x.end_reason === 'completed') ? r : null;
    }, 15_000, 'both participants stored as completed').catch(async (e: unknown) => {
      console.error(JSON.stringify(await store.rows('participants', sessionId)));
      throw e;
    });
    expect(rows.map((r) => r.participant_id).sort()).toEqual(['P01', 'P02']);
    for (const r of rows) expect(r.episodes_completed).toBe(2);
    // Both peers' logs end at the start of the third round: 2 × 240 frames.
    const logs = await store.inputLogs(sessionId);
    expect(logs.map((l) => l.frames)).toEqual([480, 480]);
  });
});
