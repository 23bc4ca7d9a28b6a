/**
 * Latency-gated matching on a real server and store: a full group of a
 * `maxRttMs` queue is tentative until its members' probe results are in;
 * within the limit it is confirmed (and only then recorded), over it the
 * members go back to the front of the queue and are never regrouped with
 * each other, a member over the limit too often is refused, and every probe
 * is recorded. (Clients here send their measurements directly; the real
 * pages measure over DataChannels in tests/e2e/study-rtt.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import type { Assignment, ErrorInfo, ProbeOutcome } from '../../src/signaling/events.ts';
import { harnessPerTest, QUIET_MS, sleep, type TestClient, until } from './helpers.ts';

const h = harnessPerTest();

/** Both report `rtt` for their link. */
function report(clients: readonly TestClient[], assignments: readonly Assignment[], rtt: number | null): void {
  clients.forEach((c, i) => {
    const a = assignments[i]!;
    c.raw('probe-result', { rtts: a.players.filter((p) => p.index !== a.playerIndex).map((p) => ({ peer: p.index, rttMs: rtt })) });
  });
}

const probes = async () => (await h.server.store!.rttProbes()).reverse();

describe('RTT gate', () => {
  it('confirms a group whose links are within the limit, and records the session only then', async () => {
    await h.start();
    const [a, b] = await h.connectMany(2);
    await a!.join({ queue: 'gate', players: 2, maxRttMs: 100 });
    await b!.join({ queue: 'gate', players: 2, maxRttMs: 100 });
    const assigned = await Promise.all([a!.inbox.nextPayload<Assignment>('assigned'), b!.inbox.nextPayload<Assignment>('assigned')]);
    expect(assigned[0]!.probe).toEqual({ maxRttMs: 100, timeoutMs: 15_000, pings: 5 });
    expect(await h.server.store!.session(assigned[0]!.sessionId)).toBeUndefined(); // tentative
    report([a!, b!], assigned, 40);
    const outcomes = await Promise.all([a!.inbox.nextPayload<ProbeOutcome>('probe-outcome'), b!.inbox.nextPayload<ProbeOutcome>('probe-outcome')]);
    expect(outcomes).toEqual([{ passed: true, requeued: false, worstRttMs: 40 }, { passed: true, requeued: false, worstRttMs: 40 }]);
    expect(await h.server.store!.session(assigned[0]!.sessionId)).toMatchObject({ players: 2, room: 'queue:gate' });
    expect(await probes()).toMatchObject([{ outcome: 'passed', max_rtt_ms: 100, target: 'queue:gate', over: '[]' }]);
    // an ungated queue of the same name is another queue
    const [c] = await h.connectMany(1);
    await c!.join({ queue: 'gate', players: 2 });
    expect(h.server.stats().groups).toMatchObject([{ name: 'gate', waiting: 1 }]);
  });

  it('over the limit: both go back to the front, are never regrouped together, and a newcomer pairs with the first', async () => {
    await h.start();
    const [a, b, c] = await h.connectMany(3);
    await a!.join({ queue: 'gate', players: 2, maxRttMs: 100, participantId: 'PA' });
    await b!.join({ queue: 'gate', players: 2, maxRttMs: 100 });
    const first = await Promise.all([a!.inbox.nextPayload<Assignment>('assigned'), b!.inbox.nextPayload<Assignment>('assigned')]);
    report([a!, b!], first, 150);
    expect(await a!.inbox.nextPayload<ProbeOutcome>('probe-outcome')).toEqual({ passed: false, requeued: true, worstRttMs: 150 });
    expect(await b!.inbox.nextPayload<ProbeOutcome>('probe-outcome')).toEqual({ passed: false, requeued: true, worstRttMs: 150 });
    expect(await h.server.store!.session(first[0]!.sessionId)).toBeUndefined();
    expect(h.server.stats()).toMatchObject({ sessions: 0, waiting: 2 });
    await sleep(QUIET_MS);
    expect(a!.inbox.count('assigned')).toBe(1); // not regrouped with b
    expect(await probes()).toMatchObject([{ outcome: 'over', over: '[0,1]', rtts: '[[null,150],[150,null]]' }]);
    // the participant id stays claimed while it waits again
    const [a2] = await h.connectMany(1);
    expect(await a2!.join({ queue: 'gate', players: 2, maxRttMs: 100, participantId: 'PA' })).toMatchObject({ ok: false, error: { code: 'duplicate-participant' } });
    await c!.join({ queue: 'gate', players: 2, maxRttMs: 100 });
    const second = await Promise.all([a!.inbox.nextPayload<Assignment>('assigned'), c!.inbox.nextPayload<Assignment>('assigned')]);
    expect(second[0]!.playerIndex).toBe(0); // a was at the front
    expect(second[0]!.sessionId).toBe(second[1]!.sessionId);
    expect(b!.inbox.count('assigned')).toBe(1);
  });

  it('a group that does not report in time fails its probe (timeout) and is re-queued', async () => {
    await h.start({ rttProbeTimeoutMs: 1000 });
    const [a, b] = await h.connectMany(2);
    await a!.join({ queue: 'gate', players: 2, maxRttMs: 100 });
    await b!.join({ queue: 'gate', players: 2, maxRttMs: 100 });
    const assigned = await Promise.all([a!.inbox.nextPayload<Assignment>('assigned'), b!.inbox.nextPayload<Assignment>('assigned')]);
    report([a!], assigned, 20); // only a reports
    expect(await b!.inbox.nextPayload<ProbeOutcome>('probe-outcome', 3000)).toEqual({ passed: false, requeued: true, worstRttMs: 20 });
    expect(await probes()).toMatchObject([{ outcome: 'timeout', over: '[0,1]' }]); // b never reported: over with everyone
    expect(h.server.stats()).toMatchObject({ sessions: 0, waiting: 2 });
  });

  it('refuses a member over the limit more than rttMaxRequeues times with rtt-too-high', async () => {
    await h.start({ rttMaxRequeues: 0 });
    const [a, b] = await h.connectMany(2);
    await a!.join({ queue: 'gate', players: 2, maxRttMs: 50 });
    await b!.join({ queue: 'gate', players: 2, maxRttMs: 50 });
    const assigned = await Promise.all([a!.inbox.nextPayload<Assignment>('assigned'), b!.inbox.nextPayload<Assignment>('assigned')]);
    report([a!, b!], assigned, 80);
    expect(await a!.inbox.nextPayload<ProbeOutcome>('probe-outcome')).toEqual({ passed: false, requeued: false, worstRttMs: 80 });
    expect((await a!.inbox.nextPayload<ErrorInfo>('error')).code).toBe('rtt-too-high');
    await until(() => h.server.stats().rejected['rtt-too-high'] === 2, 'both refused');
    expect(h.server.stats()).toMatchObject({ sessions: 0, waiting: 0 });
    // refused, not banned: it may join again
    expect(await a!.join({ queue: 'gate', players: 2, maxRttMs: 50 })).toEqual({ ok: true, waiting: 1 });
  });

  it('a member leaving during the probe sends the others back to the front (outcome left)', async () => {
    await h.start();
    const [a, b, c] = await h.connectMany(3);
    await a!.join({ queue: 'g3', players: 3, maxRttMs: 100 });
    await b!.join({ queue: 'g3', players: 3, maxRttMs: 100 });
    await c!.join({ queue: 'g3', players: 3, maxRttMs: 100 });
    await Promise.all([a, b, c].map((x) => x!.inbox.nextPayload<Assignment>('assigned')));
    c!.socket.disconnect();
    expect(await a!.inbox.nextPayload<ProbeOutcome>('probe-outcome')).toMatchObject({ passed: false, requeued: true });
    expect(await b!.inbox.nextPayload<ProbeOutcome>('probe-outcome')).toMatchObject({ passed: false, requeued: true });
    expect(await probes()).toMatchObject([{ outcome: 'left', over: '[]' }]);
    await until(() => h.server.stats().waiting === 2, 'a and b waiting again');
  });

  it('validates probe-result and refuses it outside a probed group; maxRttMs is for queues only', async () => {
    await h.start();
    const [a, b] = await h.connectMany(2);
    a!.raw('probe-result', { rtts: [{ peer: 1, rttMs: 10 }] });
    expect((await a!.inbox.nextPayload<ErrorInfo>('error')).code).toBe('not-in-session');
    a!.raw('probe-result', { rtts: [{ peer: 1, rttMs: -1 }] });
    expect((await a!.inbox.nextPayload<ErrorInfo>('error')).code).toBe('invalid-message');
    a!.raw('probe-result', { rtts: 'fast' });
    expect((await a!.inbox.nextPayload<ErrorInfo>('error')).code).toBe('invalid-message');
    expect(await b!.join({ room: 'r', players: 2, maxRttMs: 100 } as never)).toMatchObject({ ok: false, error: { code: 'invalid-message' } });
    expect(await b!.join({ queue: 'q', players: 2, maxRttMs: 0 })).toMatchObject({ ok: false, error: { code: 'invalid-message' } });
  });
});
