/**
 * Late join on a real server: a session formed with free seats
 * (`startPlayers` below `players`) seats newcomers while it runs, tells its
 * members, keeps the seat provisional until `late-joined`, and frees it when
 * the newcomer vanishes or times out. Refusals: no free seat, a session that
 * ended, a seat count that does not match.
 */
import { describe, expect, it } from 'vitest';
import type { Assignment, ErrorInfo, JoinRequest, ResumeReply, SeatFreed, SeatTaken } from '../../src/signaling/events.ts';
import { harnessPerTest, joinAll, QUIET_MS, sleep, type TestClient, until, WAIT_MS } from './helpers.ts';

/** Polls an async `check` until it gives a value (the research store is async), at most `ms`. */
async function untilAsync<T>(check: () => Promise<T | null>, what: string, ms = WAIT_MS): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

const h = harnessPerTest();
/** The seats of session `id` bound to a connection now (undefined once the session ended). */
const present = (id: string): readonly number[] | undefined => h.server.stats().sessionList.find((s) => s.id === id)?.present;
const room = (name: string, over: Partial<JoinRequest> = {}): JoinRequest => ({ room: name, players: 4, startPlayers: 2, ...over });

/** Two founders of a 4-seat room session that starts at 2. */
async function founders(name: string, over: Partial<JoinRequest> = {}): Promise<{ a: TestClient; b: TestClient; assigned: Assignment[] }> {
  const [a, b] = await h.connectMany(2);
  const assigned = await joinAll([a!, b!], room(name, over));
  return { a: a!, b: b!, assigned };
}

describe('late join: the server seats a newcomer in a running session', () => {
  it('a session with free seats starts at startPlayers; a later join of the room takes the lowest free seat, provisionally, and the members are told', async () => {
    await h.start({ lateJoinTimeoutMs: 5000 });
    const { a, b, assigned } = await founders('lj-room');
    for (const x of assigned) {
      expect(x.seats).toBe(4);
      expect(x.players.map((p) => p.index)).toEqual([0, 1]);
      expect(x.lateJoin).toBeUndefined();
    }
    const [c] = await h.connectMany(1);
    const reply = await c!.join(room('lj-room', { name: 'Cy' }));
    expect(reply).toEqual({ ok: true, waiting: 3 });
    const late = await c!.inbox.nextPayload<Assignment>('assigned');
    expect(late).toMatchObject({ sessionId: assigned[0]!.sessionId, playerIndex: 2, seats: 4, lateJoin: true, seed: assigned[0]!.seed });
    expect(late.players.map((p) => p.index)).toEqual([0, 1, 2]);
    expect(late.resume).toBeTypeOf('string');
    for (const m of [a, b]) expect(await m.inbox.nextPayload<SeatTaken>('seat-taken')).toEqual({ player: { index: 2, clientId: late.players[2]!.clientId, name: 'Cy' } });
    // The newcomer is a member: signals reach it, and it reaches the founders.
    a.socket.emit('signal', { to: 2, kind: 'offer', data: { sdp: 'x' } });
    expect(await c!.inbox.nextPayload('signal')).toEqual({ from: 0, kind: 'offer', data: { sdp: 'x' } });
    c!.socket.emit('signal', { to: 1, kind: 'answer', data: { sdp: 'y' } });
    expect(await b.inbox.nextPayload('signal')).toEqual({ from: 2, kind: 'answer', data: { sdp: 'y' } });
    // It confirms: no longer provisional, and a second confirmation is refused.
    c!.socket.emit('late-joined');
    c!.socket.emit('late-joined');
    expect(await c!.inbox.nextPayload<ErrorInfo>('error')).toMatchObject({ code: 'not-in-session', event: 'late-joined' });
    await sleep(QUIET_MS);
    expect(c!.inbox.count('error')).toBe(1); // the first confirmation was taken
    // A confirmed late joiner that drops keeps its seat like any member (peer-left, not seat-freed).
    c!.socket.disconnect();
    expect(await a.inbox.nextPayload('peer-left')).toEqual({ playerIndex: 2, reason: 'disconnected' });
    expect(a.inbox.count('seat-freed')).toBe(0);
  });

  it('a join naming the session id takes a free seat; no free seat is session-full, an ended session is not-found, a wrong seat count players-mismatch', async () => {
    await h.start();
    const { a, b, assigned } = await founders('lj-byid', { players: 3 });
    const sessionId = assigned[0]!.sessionId;
    const [c, d] = await h.connectMany(2);
    const mismatch = await c!.join({ session: sessionId, players: 4 });
    expect(mismatch).toMatchObject({ ok: false, error: { code: 'players-mismatch' } });
    expect(await c!.join({ session: sessionId, players: 3 })).toMatchObject({ ok: true });
    expect(await c!.inbox.nextPayload<Assignment>('assigned')).toMatchObject({ sessionId, playerIndex: 2, lateJoin: true });
    // Full now.
    const full = await d!.join({ session: sessionId, players: 3 });
    expect(full).toMatchObject({ ok: false, error: { code: 'session-full', event: 'join' } });
    expect(await d!.inbox.nextPayload<ErrorInfo>('error')).toMatchObject({ code: 'session-full' });
    // A room join of a full session waits for a new group instead (the room is free for the next one).
    expect(await d!.join(room('lj-byid', { players: 3 }))).toEqual({ ok: true, waiting: 1 });
    // The session ends (everyone leaves): joining it by id is refused.
    for (const m of [a, b, c!]) m.socket.emit('leave');
    await until(() => present(sessionId) === undefined, 'the session ended');
    const [e] = await h.connectMany(1);
    expect(await e!.join({ session: sessionId, players: 3 })).toMatchObject({ ok: false, error: { code: 'not-found', message: expect.stringMatching(/ended/) as unknown as string } });
    expect(await e!.join({ session: 'no-such-session', players: 3 })).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('bad late-join requests are refused with invalid-message and change nothing', async () => {
    await h.start();
    const [c] = await h.connectMany(1);
    for (const bad of [
      { room: 'r', players: 4, startPlayers: 5 },
      { room: 'r', players: 4, startPlayers: 1 },
      { queue: 'q', players: 4, startPlayers: 2, maxRttMs: 100 },
      { session: 's', room: 'r', players: 4 },
      { session: 's', players: 4, startPlayers: 2 },
      { session: '', players: 4 },
    ]) {
      const reply = await c!.join(bad as JoinRequest);
      expect(reply, JSON.stringify(bad)).toMatchObject({ ok: false, error: { code: 'invalid-message' } });
    }
    expect(h.server.stats().sessions).toBe(0);
    // A join of a room with another seat count is another room's count: players-mismatch.
    const [x, y] = await h.connectMany(2);
    expect(await x!.join(room('mixed'))).toMatchObject({ ok: true });
    expect(await y!.join({ room: 'mixed', players: 4 })).toMatchObject({ ok: false, error: { code: 'players-mismatch' } });
  });

  it('two newcomers racing for the last free seat: exactly one gets it', async () => {
    await h.start();
    for (let round = 0; round < 5; round++) {
      const { assigned } = await founders(`lj-race-${round}`, { players: 3 });
      const racers = await h.connectMany(2);
      const replies = await Promise.all(racers.map((r) => r.join({ session: assigned[0]!.sessionId, players: 3 })));
      expect(replies.filter((r) => r.ok)).toHaveLength(1);
      expect(replies.filter((r) => !r.ok)).toMatchObject([{ ok: false, error: { code: 'session-full' } }]);
      const winner = racers[replies.findIndex((r) => r.ok)]!;
      expect(await winner.inbox.nextPayload<Assignment>('assigned')).toMatchObject({ playerIndex: 2 });
      expect(present(assigned[0]!.sessionId)).toEqual([0, 1, 2]);
    }
  });

  it('a newcomer that vanishes before confirming gives its seat back at once; the next newcomer takes it', async () => {
    await h.start();
    const { a, b, assigned } = await founders('lj-vanish');
    const sessionId = assigned[0]!.sessionId;
    const [c] = await h.connectMany(1);
    expect(await c!.join(room('lj-vanish'))).toMatchObject({ ok: true });
    const late = await c!.inbox.nextPayload<Assignment>('assigned');
    await a.inbox.nextPayload('seat-taken');
    c!.socket.disconnect();
    for (const m of [a, b]) expect(await m.inbox.nextPayload<SeatFreed>('seat-freed')).toEqual({ playerIndex: 2, reason: 'vanished' });
    expect(a.inbox.count('peer-left')).toBe(0); // it never played
    expect(present(sessionId)).toEqual([0, 1]);
    // Its resume secret no longer takes the seat.
    const [again] = await h.connectMany(1);
    const resumed = (await again!.socket.timeout(WAIT_MS).emitWithAck('resume', { secret: late.resume! })) as ResumeReply;
    expect(resumed).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    // The seat is free for the next newcomer.
    const [d] = await h.connectMany(1);
    expect(await d!.join(room('lj-vanish'))).toMatchObject({ ok: true });
    expect(await d!.inbox.nextPayload<Assignment>('assigned')).toMatchObject({ sessionId, playerIndex: 2, lateJoin: true });
    // The old secret of seat 2 does not take the new newcomer's seat either.
    const stolen = (await again!.socket.timeout(WAIT_MS).emitWithAck('resume', { secret: late.resume! })) as ResumeReply;
    expect(stolen).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
  });

  it('a newcomer that never confirms loses its seat after lateJoinTimeoutMs (seat-lost to it, seat-freed to the members)', async () => {
    await h.start({ lateJoinTimeoutMs: 1000 });
    const { a, assigned } = await founders('lj-timeout');
    const [c] = await h.connectMany(1);
    expect(await c!.join(room('lj-timeout'))).toMatchObject({ ok: true });
    await c!.inbox.nextPayload('assigned');
    expect(await c!.inbox.nextPayload('seat-lost', 4000)).toEqual({ reason: 'join-timeout' });
    expect(await a.inbox.nextPayload<SeatFreed>('seat-freed')).toEqual({ playerIndex: 2, reason: 'join-timeout' });
    expect(present(assigned[0]!.sessionId)).toEqual([0, 1]);
    // It is no member now: its signals are refused, its confirmation too.
    c!.socket.emit('signal', { to: 0, kind: 'offer', data: {} });
    expect(await c!.inbox.nextPayload<ErrorInfo>('error')).toMatchObject({ code: 'not-in-session' });
    c!.socket.emit('late-joined');
    expect(await c!.inbox.nextPayload<ErrorInfo>('error')).toMatchObject({ code: 'not-in-session', event: 'late-joined' });
    // A confirmed seat is never timed out.
    const [d] = await h.connectMany(1);
    expect(await d!.join(room('lj-timeout'))).toMatchObject({ ok: true });
    await d!.inbox.nextPayload('assigned');
    d!.socket.emit('late-joined');
    await sleep(1500);
    expect(d!.inbox.count('seat-lost')).toBe(0);
    expect(present(assigned[0]!.sessionId)).toEqual([0, 1, 2]);
  });

  it('the research store records a late joiner once it confirms; parity waits for its log', async () => {
    await h.start();
    const { assigned } = await founders('lj-store');
    const store = h.server.store!;
    const sessionId = assigned[0]!.sessionId;
    // Session records are written in order behind the join path (server/research/hook-writes.ts): wait for this one.
    const row = await untilAsync(async () => (await store.session(sessionId)) ?? null, 'the session recorded');
    expect(row.players).toBe(4); // the engine's player count: every seat
    expect(await store.rows('participants', sessionId)).toHaveLength(2);
    const [c] = await h.connectMany(1);
    expect(await c!.join(room('lj-store', { participantId: 'p-late', metadata: { condition: 'B' } }))).toMatchObject({ ok: true });
    const late = await c!.inbox.nextPayload<Assignment>('assigned');
    await sleep(QUIET_MS);
    expect(await store.rows('participants', sessionId)).toHaveLength(2); // provisional: not yet
    // Not a participant yet: its report token is refused.
    await expect(store.authorizeUpload(sessionId, 2, late.reportToken!)).rejects.toThrow(/no participant/);
    c!.socket.emit('late-joined');
    const rows = await untilAsync(async () => {
      const r = await store.rows('participants', sessionId);
      return r.length === 3 ? r : null;
    }, 'the late joiner recorded');
    expect(rows[2]).toMatchObject({ player_index: 2, participant_id: 'p-late', metadata: JSON.stringify({ condition: 'B' }) });
    expect(await store.authorizeUpload(sessionId, 2, late.reportToken!)).toMatchObject({ players: 4 });
  });
});
