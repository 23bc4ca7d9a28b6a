/**
 * Late join on the page (main/late-join.ts) with the real Emitter standing in
 * for the signaling client and the session: the engine settings a session
 * with free seats implies, links made and dropped as seats are taken and
 * freed, a newcomer counted as arriving until its input counts, and this
 * page's own late join confirmed once (when its state transfer loaded).
 */
import { describe, expect, it } from 'vitest';
import { Emitter } from '../../src/engine/events.ts';
import type { Assignment, SeatFreed, SeatTaken } from '../../src/signaling/events.ts';
import { followLateJoins, lateJoinEngineSettings, seatCount } from '../../main/late-join.ts';

const assignment = (over: Partial<Assignment> = {}): Assignment => ({
  sessionId: 's',
  playerIndex: 0,
  players: [
    { index: 0, clientId: 'c0', name: 'A' },
    { index: 1, clientId: 'c1', name: 'B' },
  ],
  seed: 1,
  iceServers: [],
  turn: false,
  ...over,
});

function parts() {
  const signaling = new Emitter<{ 'seat-taken': SeatTaken; 'seat-freed': SeatFreed }>();
  const session = new Emitter<{ transfer: { direction: 'sent' | 'loaded' }; 'peer-returned': { player: number; frame: number } }>();
  const log: string[] = [];
  let confirmations = 0;
  return {
    signaling,
    session,
    log,
    confirmations: () => confirmations,
    parts: {
      signaling: { on: signaling.on.bind(signaling), lateJoined: () => void confirmations++ },
      mesh: { addPeer: (p: number) => void log.push(`add ${p}`), removePeer: (p: number) => void log.push(`remove ${p}`) },
      session: {
        on: session.on.bind(session),
        markAbsent: (p: number) => {
          log.push(`absent ${p}`);
          return Promise.resolve(true);
        },
      },
      absences: { forget: (p: number) => void log.push(`forget ${p}`) },
    },
  };
}

describe('late join on the page', () => {
  it('engine settings: a founder of a session with free seats is seated with the members, a newcomer starts joining, a full session changes nothing', () => {
    expect(lateJoinEngineSettings(assignment({ seats: 4 }))).toEqual({ seated: 2, rejoinable: true });
    expect(lateJoinEngineSettings(assignment({ seats: 3, lateJoin: true, playerIndex: 2 }))).toEqual({ joining: true, rejoinable: true });
    expect(lateJoinEngineSettings(assignment())).toEqual({});
    expect(seatCount(assignment({ seats: 4 }))).toBe(4);
    expect(seatCount(assignment())).toBe(2);
  });

  it('a seat taken adds a link and the newcomer is arriving until its input counts; a seat freed drops the link and makes the seat absent again', () => {
    const t = parts();
    const follower = followLateJoins(assignment({ seats: 4 }), t.parts);
    expect(follower.arriving(2)).toBe(false);
    t.signaling.emit('seat-taken', { player: { index: 2, clientId: 'c2', name: 'C' } });
    t.signaling.emit('seat-taken', { player: { index: 3, clientId: 'c3', name: 'D' } });
    expect(t.log).toEqual(['add 2', 'add 3']);
    expect([follower.arriving(2), follower.arriving(3)]).toEqual([true, true]);
    t.session.emit('peer-returned', { player: 2, frame: 300 });
    expect(follower.arriving(2)).toBe(false); // its input counts: a peer like any other
    t.signaling.emit('seat-freed', { playerIndex: 3, reason: 'join-timeout' });
    expect(follower.arriving(3)).toBe(false);
    expect(t.log).toEqual(['add 2', 'add 3', 'remove 3', 'forget 3', 'absent 3']);
    follower.off();
    t.signaling.emit('seat-taken', { player: { index: 3, clientId: 'c4', name: 'E' } });
    expect(t.log).toHaveLength(5);
    expect(t.confirmations()).toBe(0); // a founder never confirms
  });

  it('a newcomer confirms once, when its state transfer loaded (not when it sent one)', () => {
    const t = parts();
    followLateJoins(assignment({ seats: 3, lateJoin: true, playerIndex: 2 }), t.parts);
    t.session.emit('transfer', { direction: 'sent' });
    expect(t.confirmations()).toBe(0);
    t.session.emit('transfer', { direction: 'loaded' });
    t.session.emit('transfer', { direction: 'loaded' });
    expect(t.confirmations()).toBe(1);
  });
});
