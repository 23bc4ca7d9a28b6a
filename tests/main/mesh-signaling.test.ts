/**
 * The mesh follows its signaling connection (main/mesh-signaling.ts): while
 * signaling is lost the relay route is unavailable (nothing is handed to the
 * relay, packets stay on an open P2P channel) and links are told to defer
 * ICE restarts; once the seat is resumed the relay reaches the peers the
 * server has a connection for, and each peer that resumes later.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MeshTransport } from '../../main/mesh.ts';
import { assignment, FakeSignaling, fakeLinks, type FakeLink } from './fake-link.ts';


let mesh: MeshTransport | null = null;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] });
});
afterEach(() => {
  mesh?.close();
  mesh = null;
  vi.useRealTimers();
});

function setup(players = 3) {
  const signaling = new FakeSignaling();
  const { factory, links } = fakeLinks();
  const m = new MeshTransport(signaling, assignment(players, 0), factory);
  mesh = m;
  const changes: { up: boolean; reason?: string }[] = [];
  m.on('signaling', (e) => changes.push(e));
  const report = (peer: number) => m.report().find((r) => r.peer === peer)!;
  return { m, signaling, links, changes, report };
}

const packet = (...bytes: number[]) => new Uint8Array(bytes).buffer;
const connect = (l: FakeLink) => {
  l.setOpen(true);
  vi.advanceTimersByTime(1000);
};

describe('MeshTransport follows its signaling connection', () => {
  it('signaling lost: the relay is unavailable, P2P still carries what it can; resumed: the relay is back for present peers', () => {
    const { m, signaling, links, changes, report } = setup();
    connect(links.get(1)!);
    m.relayUnopened(); // peer 2 never connected: its route is the relay
    expect(report(2).route).toBe('relay');
    m.send(2, packet(1));
    expect(signaling.relayed).toHaveLength(1);

    signaling.events.emit('state', { state: 'lost', reason: 'transport close' });
    expect(changes).toEqual([{ up: false, reason: 'transport close' }]);
    expect(report(1).relayAvailable).toBe(false);
    expect(report(2).relayAvailable).toBe(false);
    for (const l of links.values()) expect(l.signalingStates).toEqual([false]);
    m.send(2, packet(2)); // no route at all: dropped (the engine resends unacked inputs)
    m.send(1, packet(3)); // P2P open: carried there
    m.sendReliable(2, packet(4));
    expect(signaling.relayed).toHaveLength(1);
    expect(links.get(1)!.sent).toHaveLength(1);
    expect(report(2).reliable.unsent).toBe(1);

    // The seat is back, but only player 1 has resumed on the restarted server so far.
    signaling.events.emit('state', { state: 'resumed', present: [0, 1] });
    expect(changes.at(-1)).toEqual({ up: true });
    for (const l of links.values()) expect(l.signalingStates).toEqual([false, true]);
    expect(report(1).relayAvailable).toBe(true);
    expect(report(2).relayAvailable).toBe(false);
    m.send(2, packet(5));
    expect(signaling.relayed).toHaveLength(1);
    signaling.events.emit('peer-resumed', { playerIndex: 2 });
    expect(report(2).relayAvailable).toBe(true);
    m.send(2, packet(6));
    expect(signaling.relayed).toHaveLength(2);
    expect([...new Uint8Array(signaling.relayed[1]!.packet)]).toEqual([0, 6]);
  });

  it('a peer that left stays unreachable by the relay even when the server says it is present again', () => {
    const { signaling, report } = setup(2);
    signaling.events.emit('peer-left', { playerIndex: 1, reason: 'left' });
    signaling.events.emit('state', { state: 'lost' });
    signaling.events.emit('state', { state: 'resumed', present: [0, 1] });
    signaling.events.emit('peer-resumed', { playerIndex: 1 });
    expect(report(1).relayAvailable).toBe(false);
    expect(report(1).status).toBe('disconnected');
  });

  it('a link giving up ICE restarts is reported with its reason (from its gave-up event alone) and keeps the relay route', () => {
    // The link tells its give-up only by the event, as a wrapper around a PeerLink (an app's, or the e2e page's gate) does:
    // the report must not depend on a getter the wrapper may not forward.
    const { m, links, report } = setup(2);
    const link = links.get(1)!;
    connect(link);
    const gaveUp: unknown[] = [];
    m.on('ice-gave-up', (e) => gaveUp.push(e));
    expect(report(1).iceGaveUp).toBeNull();
    link.setOpen(false);
    link.iceRestarts = 3;
    link.events.emit('gave-up', { attempts: 3, reason: 'ICE did not reconnect after 3 restarts' });
    expect(gaveUp).toEqual([{ peer: 1, attempts: 3, reason: 'ICE did not reconnect after 3 restarts' }]);
    expect(report(1)).toMatchObject({ route: 'relay', iceRestarts: 3, iceGaveUp: 'ICE did not reconnect after 3 restarts' });
    // P2P channels coming back later do not clear it: the link no longer restarts ICE.
    link.setOpen(true);
    vi.advanceTimersByTime(3000);
    expect(report(1).iceGaveUp).toBe('ICE did not reconnect after 3 restarts');
  });
});
