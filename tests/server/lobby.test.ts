import { describe, expect, it } from 'vitest';
import type { Assignment, ErrorInfo } from '../../src/signaling/events.ts';
import { QUIET_MS, serverPerTest, joinAll, sleep, until } from './helpers.ts';

describe('lobby and matchmaking (real server)', () => {
  const h = serverPerTest();

  it('assigns a 2-player queue symmetrically: same session, seed and players; indices in join order', async () => {
    const [a, b] = await h.connectMany(2);
    const replyA = await a!.join({ queue: 'duel', players: 2, name: 'Ada', clientId: 'client-a' });
    expect(replyA).toEqual({ ok: true, waiting: 1 });
    expect(h.server.stats().waiting).toBe(1);
    await sleep(50);
    expect(a!.inbox.count('assigned')).toBe(0);
    const replyB = await b!.join({ queue: 'duel', players: 2, name: 'Bob', clientId: 'client-b' });
    expect(replyB).toEqual({ ok: true, waiting: 2 });

    const sa = await a!.inbox.nextPayload<Assignment>('assigned');
    const sb = await b!.inbox.nextPayload<Assignment>('assigned');
    expect(sa.playerIndex).toBe(0);
    expect(sb.playerIndex).toBe(1);
    expect(sa.sessionId).toBe(sb.sessionId);
    expect(sa.sessionId.length).toBeGreaterThan(0);
    expect(sa.seed).toBe(sb.seed);
    expect(Number.isInteger(sa.seed) && sa.seed >= 0 && sa.seed <= 0xffffffff).toBe(true);
    const players = [
      { index: 0, clientId: 'client-a', name: 'Ada' },
      { index: 1, clientId: 'client-b', name: 'Bob' },
    ];
    expect(sa.players).toEqual(players);
    expect(sb.players).toEqual(players);
    expect(sa.iceServers).toEqual([]);
    expect(sa.turn).toBe(false);

    const stats = h.server.stats();
    expect(stats.sessions).toBe(1);
    expect(stats.waiting).toBe(0);
    expect(stats.sessionList[0]).toMatchObject({ id: sa.sessionId, players: 2, present: [0, 1] });
  });

  it('fills a 4-player room and assigns all four; defaults names and client ids', async () => {
    const clients = await h.connectMany(4);
    const waiting: number[] = [];
    for (const c of clients) {
      const reply = await c.join({ room: 'lab-7', players: 4 });
      if (!reply.ok) throw new Error(reply.error.message);
      waiting.push(reply.waiting);
    }
    expect(waiting).toEqual([1, 2, 3, 4]);
    const assigned = await Promise.all(clients.map((c) => c.inbox.nextPayload<Assignment>('assigned')));
    expect(assigned.map((a) => a.playerIndex)).toEqual([0, 1, 2, 3]);
    expect(new Set(assigned.map((a) => a.sessionId)).size).toBe(1);
    expect(new Set(assigned.map((a) => a.seed)).size).toBe(1);
    const players = assigned[0]!.players;
    for (const a of assigned) expect(a.players).toEqual(players);
    expect(players.map((p) => p.name)).toEqual(['Player 1', 'Player 2', 'Player 3', 'Player 4']);
    expect(new Set(players.map((p) => p.clientId)).size).toBe(4);
    for (const p of players) expect(p.clientId).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(h.server.stats()).toMatchObject({ sessions: 1, waiting: 0, sessionsCreated: 1 });
  });

  it('a full room frees its name: the next joins form a new session', async () => {
    const clients = await h.connectMany(4);
    const first = await joinAll(clients.slice(0, 2), { room: 'again', players: 2 });
    const second = await joinAll(clients.slice(2), { room: 'again', players: 2 });
    expect(first[0]!.sessionId).not.toBe(second[0]!.sessionId);
    expect(second.map((a) => a.playerIndex)).toEqual([0, 1]);
    expect(h.server.stats().sessions).toBe(2);
  });

  it('does not match clients in different queues or with different player counts', async () => {
    const [a, b, c, d] = await h.connectMany(4);
    expect(await a!.join({ queue: 'alpha', players: 2 })).toEqual({ ok: true, waiting: 1 });
    expect(await b!.join({ queue: 'beta', players: 2 })).toEqual({ ok: true, waiting: 1 });
    expect(await c!.join({ queue: 'alpha', players: 3 })).toEqual({ ok: true, waiting: 1 });
    expect(await d!.join({ players: 2 })).toEqual({ ok: true, waiting: 1 }); // default queue
    await sleep(QUIET_MS);
    for (const x of [a, b, c, d]) expect(x!.inbox.count('assigned')).toBe(0);
    expect(h.server.stats()).toMatchObject({ sessions: 0, waiting: 4 });
    expect(h.server.stats().groups).toHaveLength(4);

    // The matching partner for the default queue.
    const [e] = await h.connectMany(1);
    await e!.join({ queue: 'default', players: 2 });
    const [sd, se] = await Promise.all([d!.inbox.nextPayload<Assignment>('assigned'), e!.inbox.nextPayload<Assignment>('assigned')]);
    expect(sd.sessionId).toBe(se.sessionId);
    expect(a!.inbox.count('assigned') + b!.inbox.count('assigned') + c!.inbox.count('assigned')).toBe(0);
  });

  it('rejects a room join with another player count, a second join, and a duplicate client id', async () => {
    const [a, b, c] = await h.connectMany(3);
    expect(await a!.join({ room: 'r1', players: 3, clientId: 'same' })).toEqual({ ok: true, waiting: 1 });

    const mismatch = await b!.join({ room: 'r1', players: 2 });
    expect(mismatch).toMatchObject({ ok: false, error: { code: 'players-mismatch' } });
    expect((await b!.inbox.nextPayload<ErrorInfo>('error')).code).toBe('players-mismatch');

    const again = await a!.join({ room: 'r2', players: 2 });
    expect(again).toMatchObject({ ok: false, error: { code: 'already-joined', event: 'join' } });

    const dup = await c!.join({ room: 'r1', players: 3, clientId: 'same' });
    expect(dup).toMatchObject({ ok: false, error: { code: 'duplicate-client' } });

    expect(h.server.stats()).toMatchObject({ waiting: 1, sessions: 0 });
    expect(h.server.stats().rejected).toMatchObject({ 'players-mismatch': 1, 'already-joined': 1, 'duplicate-client': 1 });
  });

  it('removes a waiting client that leaves or disconnects, so it is not matched', async () => {
    const [a, b, c, d] = await h.connectMany(4);
    await a!.join({ queue: 'q', players: 2 });
    a!.raw('leave');
    await until(() => h.server.stats().waiting === 0, 'waiting client to leave');

    await b!.join({ queue: 'q', players: 2 });
    b!.socket.disconnect();
    await until(() => h.server.stats().waiting === 0, 'disconnected client to be removed');

    await c!.join({ queue: 'q', players: 2 });
    await d!.join({ queue: 'q', players: 2 });
    const [sc, sd] = await Promise.all([c!.inbox.nextPayload<Assignment>('assigned'), d!.inbox.nextPayload<Assignment>('assigned')]);
    expect(sc.playerIndex).toBe(0);
    expect(sd.playerIndex).toBe(1);
    expect(a!.inbox.count('assigned')).toBe(0);

    // After leaving, a client can join again.
    expect(await a!.join({ queue: 'other', players: 2 })).toEqual({ ok: true, waiting: 1 });
  });
});
