/**
 * Hostile socket.io clients against a real server: relay floods into a peer
 * that stops reading, byte budgets, per-IP limits that survive reconnects,
 * foreign origins, client-chosen TURN identities, room squatting and deeply
 * nested signals. Each attack is bounded in count and time.
 */
import { io as ioClient } from 'socket.io-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { originAllowed } from '../../server/app.ts';
import { LiveSessions } from '../../server/research/live.ts';
import { pendingBytes } from '../../server/relay-write.ts';
import type { Assignment, ErrorInfo, SignalMessage, TurnReply } from '../../src/signaling/events.ts';
import { type ClientSocket, QUIET_MS, WAIT_MS, harnessPerTest, joinAll, sleep, until, withTimeout, type TestClient } from './helpers.ts';

const h = harnessPerTest();

/** Stops reading the client's TCP socket, as a peer that never drains would; returns the undo. */
function stopReading(client: TestClient): () => void {
  const transport = client.socket.io.engine.transport as unknown as { ws?: { _socket?: { pause(): void; resume(): void } } };
  const tcp = transport.ws?._socket;
  if (!tcp) throw new Error('no websocket TCP socket to pause');
  tcp.pause();
  return () => tcp.resume();
}

/** Connects with socket.io-client options of our own (origin header, no reconnection), bounded. */
async function rawConnect(url: string, extraHeaders: Record<string, string> = {}): Promise<{ socket: ClientSocket; error?: Error }> {
  const socket: ClientSocket = ioClient(url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: WAIT_MS, extraHeaders });
  const error = await withTimeout(
    new Promise<Error | undefined>((resolve) => {
      socket.once('connect', () => resolve(undefined));
      socket.once('connect_error', (e) => resolve(e));
    }),
    WAIT_MS,
    'connect or connect_error',
  );
  return { socket, ...(error ? { error } : {}) };
}

describe('relay floods', () => {
  it('a peer that stops reading gets no more than the backpressure threshold queued; the rest is dropped and counted', async () => {
    const threshold = 64 * 1024;
    // Byte budgets generous here, so the backpressure is what is tested.
    await h.start({
      rateLimits: { join: { burst: 10, perSecond: 2 }, signal: { burst: 400, perSecond: 100 }, relay: { burst: 100_000, perSecond: 100_000 } },
      limits: { targetBufferBytes: threshold, relayBytesPerSocket: { burst: 1e9, perSecond: 1e9 }, relayBytesPerIp: { burst: 1e9, perSecond: 1e9 } },
    });
    const [sender, sink] = await h.connectMany(2);
    const assigned = await joinAll([sender!, sink!], { queue: 'flood', players: 2 });
    const sinkIndex = assigned[1]!.playerIndex;
    // socket.io gives the client the same id as its server-side socket.
    const target = h.server.io.sockets.sockets.get(sink!.socket.id!)!;
    const resume = stopReading(sink!);
    const packet = new Uint8Array(32 * 1024).fill(7);
    // 2,000 packets = 64 MiB offered; loopback TCP buffers absorb a few MiB, the server must hold no more than the threshold.
    let maxPending = 0;
    for (let i = 0; i < 2000; i++) {
      sender!.socket.emit('relay', sinkIndex, packet);
      if (i % 50 === 49) {
        await sleep(5);
        maxPending = Math.max(maxPending, pendingBytes(target));
      }
    }
    await until(() => h.server.stats().dropped.relayBackpressure > 0, 'backpressure drops', 10_000);
    maxPending = Math.max(maxPending, pendingBytes(target));
    // One packet (with framing) may be in flight past the threshold.
    expect(maxPending).toBeLessThanOrEqual(threshold + 40 * 1024);
    const s = h.server.stats();
    expect(s.dropped.relayBackpressure).toBeGreaterThan(0);
    expect(s.relayedBytes).toBeLessThan(2000 * packet.length);
    resume();
  }, 30_000);

  it('counts relay bytes per connection: past the budget packets are dropped with a rate-limited notice', async () => {
    await h.start({ limits: { relayBytesPerSocket: { burst: 64 * 1024, perSecond: 1024 } } });
    const [a, b] = await h.connectMany(2);
    const assigned = await joinAll([a!, b!], { queue: 'budget', players: 2 });
    const packet = new Uint8Array(16 * 1024);
    for (let i = 0; i < 10; i++) a!.socket.emit('relay', assigned[1]!.playerIndex, packet);
    const error = await a!.inbox.nextPayload<ErrorInfo>('error');
    expect(error).toMatchObject({ code: 'rate-limited', event: 'relay' });
    expect(error.message).toContain('byte budget');
    await sleep(QUIET_MS);
    expect(b!.inbox.count('relay')).toBe(4); // 64 KiB burst = 4 packets of 16 KiB
    expect(h.server.stats().dropped.relayOverBudget).toBe(6);
  });

  it('disconnects a connection that keeps relaying past its own byte budget', async () => {
    await h.start({ limits: { relayBytesPerSocket: { burst: 64 * 1024, perSecond: 1024 }, relayFloodDisconnectBytes: 512 * 1024 } });
    const [a, b] = await h.connectMany(2);
    const assigned = await joinAll([a!, b!], { queue: 'flood-off', players: 2 });
    const gone = new Promise<string>((resolve) => a!.socket.once('disconnect', (reason) => resolve(reason)));
    const packet = new Uint8Array(16 * 1024);
    for (let i = 0; i < 100; i++) a!.socket.emit('relay', assigned[1]!.playerIndex, packet); // 1.6 MB offered
    expect(await withTimeout(gone, WAIT_MS, 'disconnect')).toBe('io server disconnect');
    expect(h.server.stats().dropped.floodDisconnects).toBe(1);
    expect(b!.socket.connected).toBe(true);
    expect(b!.inbox.count('relay')).toBe(4);
  });

  it('refuses relay packets over the engine-sized cap with too-large', async () => {
    await h.start();
    const [a, b] = await h.connectMany(2);
    const assigned = await joinAll([a!, b!], { queue: 'cap', players: 2 });
    a!.socket.emit('relay', assigned[1]!.playerIndex, new Uint8Array(34 * 1024 + 1));
    expect(await a!.inbox.nextPayload<ErrorInfo>('error')).toMatchObject({ code: 'too-large', event: 'relay' });
    expect(b!.inbox.count('relay')).toBe(0);
  });
});

describe('per-IP limits and origins', () => {
  it('caps connections per IP and answers the refused handshake', async () => {
    await h.start({ limits: { connectionsPerIp: 3 } });
    await h.connectMany(3);
    const extra = await rawConnect(h.server.url);
    expect(extra.error).toBeDefined(); // the WebSocket upgrade is answered 403
    extra.socket.close();
    // The handshake answer says why (long-polling shows the body).
    const res = await fetch(`${h.server.url}/socket.io/?EIO=4&transport=polling`);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('too many connections');
    expect(h.server.stats().clients).toBe(3);
    expect(h.server.stats().dropped.connectionsRefused).toBeGreaterThanOrEqual(1);
  });

  it('join budgets are per IP: reconnecting does not reset them', async () => {
    await h.start({ limits: { joinsPerIp: { burst: 3, perSecond: 0.01 } } });
    const replies = [];
    for (let i = 0; i < 5; i++) {
      const c = await h.connect(); // a fresh socket each time, as a reconnecting attacker would use
      replies.push(await c.join({ queue: `q${i}`, players: 2 }));
      c.socket.disconnect();
    }
    expect(replies.map((r) => r.ok)).toEqual([true, true, true, false, false]);
    expect(replies[3]).toMatchObject({ ok: false, error: { code: 'rate-limited' } });
  });

  it('accepts the same origin, configured origins and non-browser clients; refuses foreign origins on the WebSocket', async () => {
    await h.start({ corsOrigins: ['https://lab.example.org'] });
    const evil = await rawConnect(h.server.url, { origin: 'https://evil.example' });
    expect(evil.error?.message).toMatch(/origin not allowed|websocket error|xhr poll error/);
    evil.socket.close();
    for (const origin of [h.server.url, 'https://lab.example.org']) {
      const ok = await rawConnect(h.server.url, { origin });
      expect(ok.error, origin).toBeUndefined();
      ok.socket.close();
    }
    const none = await rawConnect(h.server.url);
    expect(none.error).toBeUndefined();
    none.socket.close();
    expect(h.server.stats().sessionsCreated).toBe(0);
  });

  it('originAllowed: no Origin, same host, listed or *, nothing else', () => {
    expect(originAllowed(undefined, 'a:1', [])).toBe(true);
    expect(originAllowed('http://a:1', 'a:1', [])).toBe(true);
    expect(originAllowed('http://a:2', 'a:1', [])).toBe(false);
    expect(originAllowed('https://evil.example', 'a:1', [])).toBe(false);
    expect(originAllowed('https://evil.example', 'a:1', ['https://lab.example'])).toBe(false);
    expect(originAllowed('https://lab.example', 'a:1', ['https://lab.example'])).toBe(true);
    expect(originAllowed('null', 'a:1', [])).toBe(false);
    expect(originAllowed('https://evil.example', 'a:1', ['*'])).toBe(true);
  });
});

describe('TURN identities', () => {
  const SECRET = 'turn-secret-for-tests';
  const TURN = { turnSecret: SECRET, turnUrls: ['turn:127.0.0.1:3478'], turnTtl: 600 };

  it('two sessions whose clients both claim clientId "victim" get different server-made TURN users', async () => {
    await h.start(TURN);
    const users: string[] = [];
    for (const queue of ['one', 'two']) {
      const [a, b] = await h.connectMany(2);
      await a!.join({ queue, players: 2, clientId: 'victim' });
      await b!.join({ queue, players: 2 });
      const assignment = await a!.inbox.nextPayload<Assignment>('assigned');
      users.push(assignment.iceServers[0]!.username!.split(':')[1]!);
      expect(assignment.turnExpiresAt).toBeGreaterThan(Date.now() / 1000);
    }
    expect(users[0]).not.toBe(users[1]);
    for (const u of users) expect(u).not.toContain('victim');
  });

  it('re-issues credentials for the same seat on demand, only while in a session', async () => {
    await h.start(TURN);
    const [a, b, outsider] = await h.connectMany(3);
    const assigned = await joinAll([a!, b!], { queue: 'reissue', players: 2 });
    const user = assigned[0]!.iceServers[0]!.username!.split(':')[1];
    const reply = (await a!.socket.timeout(WAIT_MS).emitWithAck('turn-credentials')) as TurnReply;
    expect(reply.ok).toBe(true);
    if (reply.ok) {
      expect(reply.iceServers[0]!.username!.split(':')[1]).toBe(user);
      expect(reply.expiresAt).toBeGreaterThanOrEqual(assigned[0]!.turnExpiresAt!);
    }
    const refused = (await outsider!.socket.timeout(WAIT_MS).emitWithAck('turn-credentials')) as TurnReply;
    expect(refused).toMatchObject({ ok: false, error: { code: 'not-in-session' } });
  });
});

describe('named rooms', () => {
  it('a squatter without the secret can neither fix the player count nor take a seat', async () => {
    await h.start();
    const [squatter, intruder, alice, bob] = await h.connectMany(4);
    expect((await squatter!.join({ room: 'lab', players: 8 })).ok).toBe(true);
    expect((await intruder!.join({ room: 'lab', players: 2, secret: 'wrong-secret' })).ok).toBe(true);
    expect(await alice!.join({ room: 'lab', players: 2, secret: 'invite-secret-1' })).toEqual({ ok: true, waiting: 1 });
    expect(await bob!.join({ room: 'lab', players: 2, secret: 'invite-secret-1' })).toEqual({ ok: true, waiting: 2 });
    const [a, b] = await Promise.all([alice!.inbox.nextPayload<Assignment>('assigned'), bob!.inbox.nextPayload<Assignment>('assigned')]);
    expect(a.sessionId).toBe(b.sessionId);
    await sleep(QUIET_MS);
    expect(squatter!.inbox.count('assigned')).toBe(0);
    expect(intruder!.inbox.count('assigned')).toBe(0);
    // The secret itself is never shown in stats.
    expect(JSON.stringify(h.server.stats())).not.toContain('invite-secret-1');
  });

  it('refuses a secret without a room, or too short', async () => {
    await h.start();
    const c = await h.connect();
    expect(await c.join({ queue: 'q', players: 2, secret: 'long-enough-secret' })).toMatchObject({ ok: false, error: { code: 'invalid-message' } });
    expect(await c.join({ room: 'r', players: 2, secret: 'short' })).toMatchObject({ ok: false, error: { code: 'invalid-message' } });
  });
});

describe('deeply nested signals', () => {
  it('a 7,000-deep signal is refused with too-large, forwards nothing and logs nothing', async () => {
    await h.start();
    const [a, b] = await h.connectMany(2);
    const assigned = await joinAll([a!, b!], { queue: 'deep', players: 2 });
    // Written as a raw socket.io EVENT packet: socket.io-client itself cannot encode such a value.
    const deep = `2["signal",{"to":${assigned[1]!.playerIndex},"kind":"candidate","data":${'['.repeat(7000)}null${']'.repeat(7000)}}]`;
    const errors = vi.spyOn(console, 'error');
    const warns = vi.spyOn(console, 'warn');
    try {
      for (let i = 0; i < 3; i++) a!.socket.io.engine.write(deep);
      const e = await a!.inbox.nextPayload<ErrorInfo>('error');
      expect(e).toMatchObject({ code: 'too-large', event: 'signal' });
      expect(e.message).toContain('nested at most 32');
      await sleep(QUIET_MS);
      expect(b!.inbox.all('signal')).toEqual([]);
      expect(errors).not.toHaveBeenCalled();
      expect(warns).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
      warns.mockRestore();
    }
    // 32 levels still pass.
    let ok: unknown = 1;
    for (let i = 0; i < 31; i++) ok = [ok];
    a!.socket.emit('signal', { to: assigned[1]!.playerIndex, kind: 'candidate', data: ok });
    expect((await b!.inbox.nextPayload<SignalMessage>('signal')).data).toEqual(ok);
  });
});

describe('live-sessions table', () => {
  it('is capped and pruned on its own (no dashboard needed)', async () => {
    await h.start({ limits: { maxLiveSessions: 5, liveEndedKeepMs: 1 } });
    for (let i = 0; i < 8; i++) {
      const pair = await h.connectMany(2);
      await joinAll(pair, { queue: `churn${i}`, players: 2 });
      for (const c of pair) c.socket.disconnect();
    }
    await until(() => h.server.stats().sessions === 0, 'sessions to end');
    expect(h.server.stats().liveSessions).toBeLessThanOrEqual(5);
  });

  it('LiveSessions: evicts the oldest ended entry first, prunes ended ones after keepEndedMs', () => {
    const live = new LiveSessions(1000, 3);
    const players = [{ index: 0, name: 'a' }, { index: 1, name: 'b' }];
    live.add('s1', 1, 'r', players);
    live.add('s2', 2, 'r', players);
    live.add('s3', 3, 'r', players);
    live.left('s2', 0, 10);
    live.left('s2', 1, 10);
    live.add('s4', 4, 'r', players); // full: the ended s2 goes
    expect(live.list(20).map((s) => s.sessionId).sort()).toEqual(['s1', 's3', 's4']);
    live.add('s5', 5, 'r', players); // full, nothing ended: the oldest (s1) goes
    expect(live.size).toBe(3);
    expect(live.list(20).map((s) => s.sessionId).sort()).toEqual(['s3', 's4', 's5']);
    live.left('s3', 0, 100);
    live.left('s3', 1, 100);
    live.prune(1200);
    expect(live.size).toBe(2);
  });
});
