/**
 * The waiting room on a real server with a real (in-memory) SQLite store:
 * live counts pushed on every change, the server-side wait limit (recorded),
 * one live join per participant id, no re-entry after completion, and
 * participant id + metadata stored per player.
 */
import { describe, expect, it } from 'vitest';
import type { Assignment, ErrorInfo, WaitingUpdate, WaitTimeout } from '../../src/signaling/events.ts';
import { harnessPerTest, QUIET_MS, sleep, until } from './helpers.ts';

const h = harnessPerTest();

describe('waiting room', () => {
  it('pushes waiting { count, needed } to every waiting member on every join and departure', async () => {
    await h.start();
    const [a, b, c, d] = await h.connectMany(4);
    await a!.join({ queue: 'wr', players: 3 });
    expect(await a!.inbox.nextPayload<WaitingUpdate>('waiting')).toEqual({ count: 1, needed: 3 });
    await b!.join({ queue: 'wr', players: 3 });
    expect(await a!.inbox.nextPayload<WaitingUpdate>('waiting')).toEqual({ count: 2, needed: 3 });
    expect(await b!.inbox.nextPayload<WaitingUpdate>('waiting')).toEqual({ count: 2, needed: 3 });
    b!.raw('leave');
    expect(await a!.inbox.nextPayload<WaitingUpdate>('waiting')).toEqual({ count: 1, needed: 3 });
    await c!.join({ queue: 'wr', players: 3 });
    expect(await a!.inbox.nextPayload<WaitingUpdate>('waiting')).toEqual({ count: 2, needed: 3 });
    c!.socket.disconnect();
    expect(await a!.inbox.nextPayload<WaitingUpdate>('waiting')).toEqual({ count: 1, needed: 3 });
    // another group's changes are not pushed to this one
    await d!.join({ queue: 'other', players: 2 });
    await sleep(QUIET_MS);
    expect(a!.inbox.count('waiting')).toBe(5);
    expect(b!.inbox.count('waiting')).toBe(1); // nothing after it left
  });

  it('the last member completes the count before the assignment', async () => {
    await h.start();
    const [a, b] = await h.connectMany(2);
    await a!.join({ queue: 'pair', players: 2 });
    await b!.join({ queue: 'pair', players: 2 });
    await a!.inbox.nextPayload<Assignment>('assigned');
    expect(a!.inbox.all('waiting').map((x) => x[0])).toEqual([{ count: 1, needed: 2 }, { count: 2, needed: 2 }]);
    const names = b!.inbox.events.map((e) => e.event).filter((e) => e === 'waiting' || e === 'assigned');
    expect(names).toEqual(['waiting', 'assigned']);
  });

  it('sends timeout after the wait limit, forgets the join, tells the others, and records it', async () => {
    await h.start({ waitTimeoutMs: 1500 });
    const [a, b] = await h.connectMany(2);
    await a!.join({ room: 'slow', players: 3, participantId: 'P-timeout' });
    await sleep(400);
    await b!.join({ room: 'slow', players: 3, waitTimeoutMs: 5000 }); // asks for more than the server allows: capped
    const t = await a!.inbox.nextPayload<WaitTimeout>('timeout', 3000);
    expect(t.waitedMs).toBeGreaterThanOrEqual(1400);
    expect(t.waitedMs).toBeLessThan(3000);
    // b hears a left; then b times out too
    await until(() => b!.inbox.all('waiting').some((x) => (x[0] as WaitingUpdate).count === 1 && b!.inbox.count('waiting') >= 2), 'b told a left');
    await b!.inbox.nextPayload<WaitTimeout>('timeout', 3000);
    expect(h.server.stats().waiting).toBe(0);
    const rows = await h.server.store!.waitTimeouts();
    expect(rows).toHaveLength(2);
    const first = rows.find((r) => r['participant_id'] === 'P-timeout')!;
    expect(first).toMatchObject({ kind: 'timeout', target: 'room:slow', count: 2, needed: 3 });
    expect(first['waited_ms']).toBeGreaterThanOrEqual(1400);
    // after a timeout the same participant may wait again
    expect(await a!.join({ room: 'slow', players: 3, participantId: 'P-timeout' })).toEqual({ ok: true, waiting: 1 });
  });

  it('a join may ask for a shorter wait than the server limit', async () => {
    await h.start();
    const [a] = await h.connectMany(1);
    const started = Date.now();
    await a!.join({ queue: 'short', players: 2, waitTimeoutMs: 1000 });
    await a!.inbox.nextPayload<WaitTimeout>('timeout', 3000);
    expect(Date.now() - started).toBeLessThan(2500);
  });
});

describe('participants', () => {
  it('refuses a second tab of the same participant while it waits and while it plays, and frees the id after', async () => {
    await h.start();
    const [a, a2, b, a3] = await h.connectMany(4);
    expect(await a!.join({ queue: 'p', players: 2, participantId: 'P1' })).toEqual({ ok: true, waiting: 1 });
    const dup = await a2!.join({ queue: 'elsewhere', players: 2, participantId: 'P1' });
    expect(dup).toMatchObject({ ok: false, error: { code: 'duplicate-participant', event: 'join' } });
    expect((await a2!.inbox.nextPayload<ErrorInfo>('error')).code).toBe('duplicate-participant');
    await b!.join({ queue: 'p', players: 2, participantId: 'P2' });
    await a!.inbox.nextPayload<Assignment>('assigned');
    // playing: still refused
    expect(await a3!.join({ queue: 'p', players: 2, participantId: 'P1' })).toMatchObject({ ok: false, error: { code: 'duplicate-participant' } });
    expect(h.server.stats().rejected).toMatchObject({ 'duplicate-participant': 2 });
    // it leaves the session: the id is free (the session did not complete)
    a!.raw('leave');
    await until(() => h.server.stats().sessionList.every((s) => !s.present.includes(0)), 'a left its session');
    expect(await a3!.join({ queue: 'p', players: 2, participantId: 'P1' })).toEqual({ ok: true, waiting: 1 });
  });

  it('stores participant id and metadata per player, never sends them to the other players', async () => {
    await h.start();
    const [a, b] = await h.connectMany(2);
    await a!.join({ queue: 'm', players: 2, participantId: 'subj-7', metadata: { condition: 'B', age: 31, consent: true } });
    await b!.join({ queue: 'm', players: 2 });
    const assigned = await b!.inbox.nextPayload<Assignment>('assigned');
    expect(JSON.stringify(assigned)).not.toContain('subj-7');
    const rows = await h.server.store!.rows('participants', assigned.sessionId);
    expect(rows[0]).toMatchObject({ player_index: 0, participant_id: 'subj-7' });
    expect(JSON.parse(String(rows[0]!['metadata']))).toEqual({ condition: 'B', age: 31, consent: true });
    expect(rows[1]).toMatchObject({ player_index: 1, participant_id: null, metadata: null });
  });

  it('refuses bad participant ids and metadata with clear errors, changing nothing', async () => {
    await h.start();
    const [a] = await h.connectMany(1);
    const cases: [unknown, string][] = [
      [{ queue: 'v', players: 2, participantId: 'has space' }, 'invalid-message'],
      [{ queue: 'v', players: 2, participantId: 'x'.repeat(65) }, 'invalid-message'],
      [{ queue: 'v', players: 2, metadata: { nested: { a: 1 } } }, 'invalid-message'],
      [{ queue: 'v', players: 2, metadata: { 'bad key': 1 } }, 'invalid-message'],
      [{ queue: 'v', players: 2, metadata: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i])) }, 'too-large'],
      [{ queue: 'v', players: 2, metadata: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, 'x'.repeat(500)])) }, 'too-large'],
      [{ queue: 'v', players: 2, waitTimeoutMs: 10 }, 'invalid-message'],
    ];
    for (const [request, code] of cases) {
      const reply: unknown = await a!.socket.timeout(3000).emitWithAck('join', request as never);
      expect(reply, JSON.stringify(request).slice(0, 80)).toMatchObject({ ok: false, error: { code } });
    }
    expect(h.server.stats().waiting).toBe(0);
  });

  it('refuses re-entry of a participant who completed a session, unless the server allows it', async () => {
    await h.start();
    const [a, b] = await h.connectMany(2);
    await a!.join({ queue: 'r', players: 2, participantId: 'done-1' });
    await b!.join({ queue: 'r', players: 2 });
    const assigned = await a!.inbox.nextPayload<Assignment>('assigned');
    // its own report said completed (the store's word for it; reports are covered in study-store tests)
    await h.server.store!.sql.run("UPDATE participants SET end_reason = 'completed', end_source = 'report' WHERE session_id = ? AND player_index = 0", [assigned.sessionId]);
    a!.raw('leave');
    await until(() => h.server.stats().sessionList.every((s) => !s.present.includes(0)), 'a left');
    const again = await a!.join({ queue: 'r', players: 2, participantId: 'done-1' });
    expect(again).toMatchObject({ ok: false, error: { code: 'participant-completed' } });
    // a participant whose session did not complete may come back
    expect(await a!.join({ queue: 'r', players: 2, participantId: 'not-done' })).toEqual({ ok: true, waiting: 1 });
  });

  it('allowReentry lets a completed participant join again', async () => {
    await h.start({ allowReentry: true });
    const store = h.server.store!;
    await store.recordSession({ id: 's-old', createdAt: Date.now(), seed: 1, players: [{ index: 0, clientId: 'c0', name: 'x', participantId: 'done-2' }, { index: 1, clientId: 'c1', name: 'y' }] });
    await store.sql.run("UPDATE participants SET end_reason = 'completed' WHERE session_id = 's-old' AND player_index = 0");
    expect(await store.participantCompleted('done-2')).toBe(true);
    const [a] = await h.connectMany(1);
    expect(await a!.join({ queue: 'r', players: 2, participantId: 'done-2' })).toEqual({ ok: true, waiting: 1 });
  });
});
