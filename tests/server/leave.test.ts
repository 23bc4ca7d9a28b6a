import { describe, expect, it } from 'vitest';
import type { PeerLeft } from '../../src/signaling/events.ts';
import { QUIET_MS, serverPerTest, joinAll, sleep, until } from './helpers.ts';

describe('leave and disconnect (real server)', () => {
  const h = serverPerTest();

  it('tells the others peer-left (left / disconnected) and removes the session when empty', async () => {
    const clients = await h.connectMany(3);
    const [c0, c1, c2] = [clients[0]!, clients[1]!, clients[2]!];
    await joinAll(clients, { room: 'trio', players: 3 });

    c1.socket.emit('leave');
    const expected: PeerLeft = { playerIndex: 1, reason: 'left' };
    expect(await c0.inbox.nextPayload<PeerLeft>('peer-left')).toEqual(expected);
    expect(await c2.inbox.nextPayload<PeerLeft>('peer-left')).toEqual(expected);
    await sleep(QUIET_MS / 2);
    expect(c1.inbox.count('peer-left')).toBe(0);
    expect(h.server.stats().sessionList[0]!.present).toEqual([0, 2]);

    c2.socket.disconnect();
    expect(await c0.inbox.nextPayload<PeerLeft>('peer-left')).toEqual({ playerIndex: 2, reason: 'disconnected' });
    expect(h.server.stats().sessions).toBe(1);

    c0.socket.emit('leave');
    await until(() => h.server.stats().sessions === 0, 'the empty session to be removed');
    expect(h.server.stats().sessionsCreated).toBe(1);

    // The clients that left can join again.
    const reply = await c1.join({ queue: 'next', players: 2 });
    expect(reply).toEqual({ ok: true, waiting: 1 });
  });

  it('a second leave, or a leave outside any group, is a no-op', async () => {
    const clients = await h.connectMany(2);
    const [a, b] = [clients[0]!, clients[1]!];
    a.socket.emit('leave');
    await joinAll([a, b], { queue: 'q', players: 2 });
    b.socket.emit('leave');
    b.socket.emit('leave');
    expect(await a.inbox.nextPayload<PeerLeft>('peer-left')).toEqual({ playerIndex: 1, reason: 'left' });
    await sleep(QUIET_MS);
    expect(a.inbox.count('peer-left')).toBe(1);
    expect(a.inbox.count('error') + b.inbox.count('error')).toBe(0);
  });
});
