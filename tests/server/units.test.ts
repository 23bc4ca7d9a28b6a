import { describe, expect, it } from 'vitest';
import { Lobby } from '../../server/lobby.ts';
import { TokenBucket } from '../../server/rate-limit.ts';
import { SessionRegistry } from '../../server/sessions.ts';

describe('Lobby', () => {
  it('forms a group in join order when full and frees the key', () => {
    const lobby = new Lobby();
    const t = { kind: 'queue', name: 'q', players: 3 } as const;
    expect(lobby.join({ socketId: 's1', clientId: 'c1' }, t)).toEqual({ ok: true, waiting: 1 });
    expect(lobby.join({ socketId: 's2', clientId: 'c2' }, t)).toEqual({ ok: true, waiting: 2 });
    const r = lobby.join({ socketId: 's3', clientId: 'c3', name: 'N' }, t);
    expect(r.ok && r.formed?.map((m) => m.socketId)).toEqual(['s1', 's2', 's3']);
    expect(lobby.waitingCount).toBe(0);
    expect(lobby.groups()).toEqual([]);
    expect(lobby.join({ socketId: 's4', clientId: 'c1' }, t)).toEqual({ ok: true, waiting: 1 });
  });

  it('keeps queues apart by name and size, rooms by name only', () => {
    const lobby = new Lobby();
    lobby.join({ socketId: 'a', clientId: 'a' }, { kind: 'queue', name: 'x', players: 2 });
    lobby.join({ socketId: 'b', clientId: 'b' }, { kind: 'queue', name: 'x', players: 3 });
    lobby.join({ socketId: 'c', clientId: 'c' }, { kind: 'room', name: 'x', players: 2 });
    expect(lobby.groups()).toHaveLength(3);
    const mismatch = lobby.join({ socketId: 'd', clientId: 'd' }, { kind: 'room', name: 'x', players: 3 });
    expect(mismatch.ok).toBe(false);
    expect(lobby.leave('b')).toBe(true);
    expect(lobby.leave('b')).toBe(false);
    expect(lobby.groups()).toHaveLength(2);
    expect(lobby.isWaiting('a')).toBe(true);
  });
});

describe('SessionRegistry', () => {
  it('creates sessions with random uint32 seeds and tracks members and counters', () => {
    const reg = new SessionRegistry();
    const s = reg.create(
      [
        { socketId: 'x', clientId: 'cx', name: 'X' },
        { socketId: 'y', clientId: 'cy' },
      ],
      1234,
    );
    expect(s.players).toEqual([
      { index: 0, clientId: 'cx', name: 'X' },
      { index: 1, clientId: 'cy', name: 'Player 2' },
    ]);
    expect(s.createdAt).toBe(1234);
    expect(Number.isInteger(s.seed) && s.seed >= 0 && s.seed <= 0xffffffff).toBe(true);
    expect(reg.memberOf('y')).toEqual({ session: s, index: 1 });
    reg.recordSignal(s);
    reg.recordRelay(s, 10);
    reg.recordRejected(s);
    expect(reg.summaries()[0]).toMatchObject({ signals: 1, relayPackets: 1, relayBytes: 10, rejected: 1, present: [0, 1] });
    expect(() => reg.create([{ socketId: 'x', clientId: 'again' }])).toThrow();
    expect(reg.removeMember('x')?.remaining.map((m) => m.index)).toEqual([1]);
    expect(reg.removeMember('x')).toBeUndefined();
    expect(reg.size).toBe(1);
    reg.removeMember('y');
    expect(reg.size).toBe(0);
    expect(reg.totals()).toEqual({ sessions: 0, sessionsCreated: 1, signalsForwarded: 1, relayedPackets: 1, relayedBytes: 10 });
    const seeds = new Set(Array.from({ length: 50 }, (_, i) => reg.create([{ socketId: `s${i}`, clientId: 'c' }]).seed));
    expect(seeds.size).toBeGreaterThan(45);
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then refills at the configured rate', () => {
    const b = new TokenBucket({ burst: 3, perSecond: 2 }, 0);
    expect([b.take(0), b.take(0), b.take(0), b.take(0)]).toEqual([true, true, true, false]);
    expect(b.take(250)).toBe(false); // 0.5 token
    expect(b.take(500)).toBe(true); // 1 token refilled by now
    expect(b.take(10_000)).toBe(true);
    expect([b.take(10_000), b.take(10_000), b.take(10_000)]).toEqual([true, true, false]);
  });
});
