/**
 * PeerLink's connection-type reading in real Chromium (inside the test
 * run's network namespace, so both links gather host candidates): with
 * trickle ICE the first connectivity check can arrive before the candidate
 * that names it, and Chromium then calls the remote candidate peer-reflexive.
 * A host link must still be recorded as `host` from its first reading; a
 * remote candidate that never gets signaled is recorded as `prflx` once the
 * settle time has passed.
 */
import { describe, expect, it } from 'vitest';
import { call, openPage } from '../../harness/e2e.ts';
import { e2ePerTest } from '../support/per-test.ts';

const env = e2ePerTest();

describe('PeerLink connection type in real Chromium', () => {
  it('a host link whose remote candidates arrive late is recorded as host, never prflx', async () => {
    const e2e = await env.start();
    const page = await openPage(e2e);
    const r = await call(page, 'linkPair', { candidateDelayMs: 700, dropCandidates: false, prflxSettleMs: 1500, watchMs: 2500 });
    console.log(`late candidates: opened in ${r.openMs} ms; readings ${JSON.stringify(r.histories)}`);
    for (const h of r.histories) {
      expect(h.length).toBeGreaterThan(0);
      expect(h.map((c) => c.type)).toEqual(['host']);
    }
  });

  it('a remote candidate that is never signaled is recorded as prflx after the settle time', async () => {
    const e2e = await env.start();
    const page = await openPage(e2e);
    const r = await call(page, 'linkPair', { candidateDelayMs: 0, dropCandidates: true, prflxSettleMs: 600, watchMs: 2500 });
    console.log(`dropped candidates: opened in ${r.openMs} ms; readings ${JSON.stringify(r.histories)}`);
    const [initiator, answerer] = r.histories;
    expect(initiator!.map((c) => c.remoteType)).toEqual(['prflx']);
    expect(initiator![0]!.at).toBeGreaterThanOrEqual(600 - 150); // held back for the settle time (the first reading may precede 'open' slightly)
    expect(answerer!.map((c) => c.type)).toEqual(['host']);
  });
});
