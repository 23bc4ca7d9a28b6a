import { describe, expect, it } from 'vitest';
import { MAX_RELAY_PACKET_BYTES, MAX_SIGNAL_DATA_BYTES, type ErrorInfo, type SignalMessage } from '../../src/signaling/events.ts';
import { type Harness, QUIET_MS, joinAll, serverPerTest, sleep, type TestClient } from './helpers.ts';

/** Two sessions: [a0, a1, a2] (3 players) and [b0, b1] (2 players), plus a client in no session. */
async function twoSessions(h: Harness): Promise<{ a: TestClient[]; b: TestClient[]; loner: TestClient }> {
  const a = await h.connectMany(3);
  const b = await h.connectMany(2);
  const [loner] = await h.connectMany(1);
  await joinAll(a, { room: 'session-a', players: 3 });
  await joinAll(b, { queue: 'session-b', players: 2 });
  return { a, b, loner: loner! };
}

/** Asserts that none of `clients` received `event` (watching for a short while). */
async function expectNothing(clients: readonly TestClient[], event: string): Promise<void> {
  await sleep(QUIET_MS);
  for (const c of clients) expect(c.inbox.all(event)).toEqual([]);
}

const OFFER = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };

describe('signal forwarding (real server)', () => {
  const h = serverPerTest();

  it('forwards to the named member of the same session only, with the sender index', async () => {
    const { a, b, loner } = await twoSessions(h);
    a[0]!.socket.emit('signal', { to: 2, kind: 'offer', data: OFFER });
    expect(await a[2]!.inbox.nextPayload<SignalMessage>('signal')).toEqual({ from: 0, kind: 'offer', data: OFFER });
    a[2]!.socket.emit('signal', { to: 0, kind: 'answer', data: { type: 'answer', sdp: 'x' } });
    expect(await a[0]!.inbox.nextPayload<SignalMessage>('signal')).toEqual({ from: 2, kind: 'answer', data: { type: 'answer', sdp: 'x' } });
    b[1]!.socket.emit('signal', { to: 0, kind: 'candidate', data: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0' } });
    expect((await b[0]!.inbox.nextPayload<SignalMessage>('signal')).from).toBe(1);
    b[0]!.socket.emit('signal', { to: 1, kind: 'restart', data: null });
    expect(await b[1]!.inbox.nextPayload<SignalMessage>('signal')).toEqual({ from: 0, kind: 'restart', data: null });

    await expectNothing([a[1]!, loner], 'signal');
    expect([...a, ...b].map((c) => c.inbox.count('signal'))).toEqual([1, 0, 1, 1, 1]);
    expect(h.server.stats().signalsForwarded).toBe(4);
    expect(h.server.stats().rejectedTotal).toBe(0);
    const perSession = h.server.stats().sessionList.map((s) => s.signals).sort();
    expect(perSession).toEqual([2, 2]);
  });

  it('rejects signals to another session, to self, out of range, malformed, too large, or from outside a session', async () => {
    const { a, b, loner } = await twoSessions(h);
    const sender = b[0]!;
    const cases: [string, unknown[], string][] = [
      ['index of a member of another session only (2 exists in session A)', [{ to: 2, kind: 'offer', data: OFFER }], 'unknown-peer'],
      ['itself', [{ to: 0, kind: 'offer', data: OFFER }], 'unknown-peer'],
      ['out of range 8', [{ to: 8, kind: 'offer', data: OFFER }], 'invalid-message'],
      ['negative', [{ to: -1, kind: 'offer', data: OFFER }], 'invalid-message'],
      ['to as a string', [{ to: '1', kind: 'offer', data: OFFER }], 'invalid-message'],
      ['unknown kind', [{ to: 1, kind: 'bye', data: OFFER }], 'invalid-message'],
      ['missing data', [{ to: 1, kind: 'offer' }], 'invalid-message'],
      ['binary data', [{ to: 1, kind: 'offer', data: new Uint8Array([1, 2, 3]) }], 'invalid-message'],
      ['extra key', [{ to: 1, kind: 'offer', data: OFFER, from: 0 }], 'invalid-message'],
      ['not an object', ['offer'], 'invalid-message'],
      ['extra argument', [{ to: 1, kind: 'offer', data: OFFER }, 'extra'], 'invalid-message'],
      ['no argument', [], 'invalid-message'],
      ['too large', [{ to: 1, kind: 'offer', data: { sdp: 'x'.repeat(MAX_SIGNAL_DATA_BYTES) } }], 'too-large'],
    ];
    for (const [label, args, code] of cases) {
      sender.raw('signal', ...args);
      const error = await sender.inbox.nextPayload<ErrorInfo>('error');
      expect({ label, code: error.code, event: error.event }).toEqual({ label, code, event: 'signal' });
      expect(error.message.length).toBeGreaterThan(8);
    }
    loner.raw('signal', { to: 0, kind: 'offer', data: OFFER });
    expect(await loner.inbox.nextPayload<ErrorInfo>('error')).toMatchObject({ code: 'not-in-session', event: 'signal' });

    await expectNothing([...a, ...b, loner], 'signal');
    const stats = h.server.stats();
    expect(stats.signalsForwarded).toBe(0);
    expect(stats.rejected).toEqual({ 'unknown-peer': 2, 'invalid-message': 10, 'too-large': 1, 'not-in-session': 1 });
    const sessionB = stats.sessionList.find((s) => s.players === 2)!;
    expect(sessionB.rejected).toBe(13);
  });

  it('accepts data right at the size limit', async () => {
    const { b } = await twoSessions(h);
    const overhead = JSON.stringify({ sdp: '' }).length;
    const data = { sdp: 'y'.repeat(MAX_SIGNAL_DATA_BYTES - overhead) };
    expect(JSON.stringify(data).length).toBe(MAX_SIGNAL_DATA_BYTES);
    b[0]!.socket.emit('signal', { to: 1, kind: 'offer', data });
    expect((await b[1]!.inbox.nextPayload<SignalMessage>('signal')).data).toEqual(data);
  });

  it('rejects signals to a member that has left', async () => {
    const { b } = await twoSessions(h);
    b[1]!.socket.emit('leave');
    await b[0]!.inbox.next('peer-left');
    b[0]!.socket.emit('signal', { to: 1, kind: 'offer', data: OFFER });
    expect((await b[0]!.inbox.nextPayload<ErrorInfo>('error')).code).toBe('unknown-peer');
    await expectNothing([b[1]!], 'signal');
  });
});

describe('binary relay (real server)', () => {
  const h = serverPerTest();

  it('forwards the exact bytes to the named peer and counts packets and bytes', async () => {
    const { a, b } = await twoSessions(h);
    const packet = new Uint8Array([1, 0, 255, 128, 7, 0, 0, 42]);
    a[1]!.socket.emit('relay', 2, packet);
    const [from, received] = await a[2]!.inbox.next('relay');
    expect(from).toBe(1);
    expect(received instanceof ArrayBuffer || received instanceof Uint8Array).toBe(true);
    expect([...new Uint8Array(received as ArrayBuffer)]).toEqual([...packet]);

    // An ArrayBuffer and a maximum-size packet.
    const big = new Uint8Array(MAX_RELAY_PACKET_BYTES).map((_, i) => (i * 31) & 0xff);
    b[0]!.socket.emit('relay', 1, big.buffer);
    const [from2, received2] = await b[1]!.inbox.next('relay');
    expect(from2).toBe(0);
    expect(Buffer.compare(Buffer.from(new Uint8Array(received2 as ArrayBuffer)), Buffer.from(big))).toBe(0);

    // A view into a larger buffer relays only the viewed bytes.
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
    b[1]!.socket.emit('relay', 0, backing.subarray(2, 5));
    expect([...new Uint8Array((await b[0]!.inbox.next('relay'))[1] as ArrayBuffer)]).toEqual([1, 2, 3]);

    await expectNothing([a[0]!], 'relay');
    const stats = h.server.stats();
    expect(stats.relayedPackets).toBe(3);
    expect(stats.relayedBytes).toBe(packet.length + big.length + 3);
    const sessionA = stats.sessionList.find((s) => s.players === 3)!;
    expect({ packets: sessionA.relayPackets, bytes: sessionA.relayBytes }).toEqual({ packets: 1, bytes: 8 });
  });

  it('rejects relays to non-members, self, out of range, non-binary, empty, too large or from outside a session', async () => {
    const { a, b, loner } = await twoSessions(h);
    const sender = b[0]!;
    const bytes = new Uint8Array([1, 2, 3]);
    const cases: [string, unknown[], string][] = [
      ['member index of another session only', [2, bytes], 'unknown-peer'],
      ['itself', [0, bytes], 'unknown-peer'],
      ['out of range', [8, bytes], 'invalid-message'],
      ['string packet', [1, 'abc'], 'invalid-message'],
      ['array packet', [1, [1, 2, 3]], 'invalid-message'],
      ['empty packet', [1, new Uint8Array(0)], 'invalid-message'],
      ['missing packet', [1], 'invalid-message'],
      ['extra argument', [1, bytes, 'x'], 'invalid-message'],
      ['too large', [1, new Uint8Array(MAX_RELAY_PACKET_BYTES + 1)], 'too-large'],
    ];
    for (const [label, args, code] of cases) {
      sender.raw('relay', ...args);
      const error = await sender.inbox.nextPayload<ErrorInfo>('error');
      expect({ label, code: error.code, event: error.event }).toEqual({ label, code, event: 'relay' });
    }
    loner.raw('relay', 0, bytes);
    expect(await loner.inbox.nextPayload<ErrorInfo>('error')).toMatchObject({ code: 'not-in-session', event: 'relay' });
    await expectNothing([...a, ...b, loner], 'relay');
    expect(h.server.stats()).toMatchObject({ relayedPackets: 0, relayedBytes: 0 });
    expect(sender.socket.connected).toBe(true);
  });
});
