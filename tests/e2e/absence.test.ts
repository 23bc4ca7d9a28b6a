/**
 * The absent-partner policy with real pages: a page's hidden tab (faked
 * with the page's `hideFor`: headless Chromium never hides a page itself)
 * is told to the partner, `pauseOnPeerHidden` stalls both engines at one
 * agreed frame with identical logs, and `focusLossTimeoutMs` ends the
 * session on both pages with reason `focus-timeout`, stored as each
 * player's `end_reason`.
 */
import { describe, expect, it } from 'vitest';
import { call, joinRoom, leaveAll, openPages, results, until, waitFrames } from '../../harness/e2e.ts';
import { e2ePerTest } from '../support/per-test.ts';

const env = e2ePerTest();

describe('absent partners, real pages', () => {
  it('a focus timeout ends the session on every page with reason focus-timeout', async () => {
    const e2e = await env.start();
    const pages = await openPages(e2e, 2);
    const joined = await joinRoom(pages, { server: e2e.serverUrl, room: 'focus-timeout', players: 2, frames: 60 * 600, focusLossTimeoutMs: 1500 });
    await waitFrames(pages, 120);
    const hidden = joined[0]!.playerIndex;
    const hiding = call(pages[0]!, 'hideFor', 6000);
    const ended = await until(async () => {
      const r = await results(pages);
      return r.every((x) => x.ended) ? r : null;
    }, 20_000, 'both pages to end their session');
    for (const r of ended) {
      expect(r.ended).toMatchObject({ reason: 'focus-timeout', peer: hidden });
      expect(r.pauses.filter((p) => p.final)).toEqual([{ type: 'pause', player: hidden, id: 1, frame: r.ended!.frame, reason: 'focus-timeout', final: true }]);
    }
    // Both ended at the same frame, with identical logs.
    expect(ended[0]!.ended!.frame).toBe(ended[1]!.ended!.frame);
    expect(ended[0]!.inputLogHex).toBe(ended[1]!.inputLogHex);
    expect(ended[0]!.confirmedFrame).toBe(ended[0]!.ended!.frame! - 1);
    // The partner was told the page was hidden.
    const partner = ended.find((r) => r.playerIndex !== hidden)!;
    expect(partner.presence).toContainEqual({ player: hidden, focused: false });
    // Each player's stored end reason.
    const store = e2e.server.store!;
    const sessionId = ended[0]!.sessionId;
    await until(async () => ((await store.rows('participants', sessionId)) as { end_reason: string | null }[]).every((p) => p.end_reason === 'focus-timeout'), 15_000, 'both end reasons stored');
    await hiding;
    await leaveAll(pages);
  });

  it('pauseOnPeerHidden stalls both pages at the same frame while one is hidden; logs stay identical', async () => {
    const e2e = await env.start();
    const pages = await openPages(e2e, 2);
    const frames = 600;
    const joined = await joinRoom(pages, { server: e2e.serverUrl, room: 'pause-hidden', players: 2, frames, pauseOnPeerHidden: true });
    await waitFrames(pages, 120);
    const hidden = joined[1]!.playerIndex;
    // Hidden for 8 s: the checks below (light stats polls) finish well inside it.
    const hiding = call(pages[1]!, 'hideFor', 8000);
    const stats = () => Promise.all(pages.map((p) => call(p, 'stats')));
    const held = await until(async () => {
      const s = await stats();
      return s.every((x) => x.pausedTicks > 0 && x.frame === s[0]!.frame) ? s : null;
    }, 6000, 'both pages held at one frame');
    const frame = held[0]!.frame;
    await new Promise((r) => setTimeout(r, 1000));
    for (const s of await stats()) {
      expect(s.frame).toBe(frame); // still there: nothing simulated while the page is hidden
      expect(s.confirmedFrame).toBe(frame - 1);
    }
    await hiding;
    await waitFrames(pages, frames);
    const done = await results(pages);
    for (const r of done) {
      expect(r.pauses).toEqual([
        { type: 'pause', player: hidden, id: 1, frame, reason: 'peer-hidden', final: false },
        { type: 'resume', player: hidden, id: 1, frame, reason: 'peer-hidden', final: false },
      ]);
      expect(r.pausedTicks).toBeGreaterThan(60); // held for well over a second of ticks
      expect(r.desyncs).toBe(0);
    }
    expect(done[0]!.inputLogHex).toBe(done[1]!.inputLogHex);
    await leaveAll(pages);
  });
});
