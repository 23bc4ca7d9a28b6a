/**
 * Spectators on the real server: the 32 cap, who may watch, path choice
 * (peer slots, then the server's fan-out), fan-out from the feeding player
 * only, hostile spectators (counted, dropped, never reaching a player), and
 * the tables pruned when spectators and sessions go.
 */
import { existsSync } from 'node:fs';
import { io as ioClient } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import type { Assignment, ErrorInfo, ResumeReply, SpectatorNotice, WatchReply, WatchRequest } from '../../src/signaling/events.ts';
import { pendingBytes } from '../../server/relay-write.ts';
import { type ClientSocket, type Harness, harnessPerTest, joinAll, QUIET_MS, sleep, type TestClient, until, WAIT_MS, withTimeout } from './helpers.ts';

const watch = (c: TestClient, request: WatchRequest): Promise<WatchReply> => c.socket.timeout(WAIT_MS).emitWithAck('watch', request);

async function session(h: Harness, spectators?: 'p2p' | 'server' | 'off'): Promise<{ players: TestClient[]; assignments: Assignment[] }> {
  const players = await h.connectMany(2);
  const assignments = await joinAll(players, { room: 'watched', players: 2, ...(spectators ? { spectators } : {}) });
  return { players, assignments };
}

const ok = (r: WatchReply) => {
  if (!r.ok) throw new Error(`watch refused: ${r.error.code} ${r.error.message}`);
  return r;
};

describe('spectators (real server)', () => {
  const h = harnessPerTest();
  const limits = { connectionsPerIp: 64, joinsPerIp: { burst: 100, perSecond: 10 } };

  it('takes 32 spectators (peer slots first, then the server path) and refuses the 33rd with spectators-full', async () => {
    await h.start({ limits, spectatorPeerSlots: 2 });
    const { players, assignments } = await session(h);
    const sessionId = assignments[0]!.sessionId;
    const viewers = await h.connectMany(33);
    const replies: Extract<WatchReply, { ok: true }>[] = [];
    for (const v of viewers.slice(0, 32)) replies.push(ok(await watch(v, { sessionId })));
    const p2p = replies.filter((r) => r.path === 'p2p');
    expect(p2p.map((r) => r.feeder).sort()).toEqual([0, 0, 1, 1]);
    const server = replies.filter((r) => r.path === 'server');
    expect(server).toHaveLength(28);
    expect(new Set(server.map((r) => r.feeder))).toEqual(new Set([0]));
    expect(new Set(replies.map((r) => r.spectatorId)).size).toBe(32);
    const last = await watch(viewers[32]!, { sessionId });
    expect(last).toMatchObject({ ok: false, error: { code: 'spectators-full', event: 'watch' } });
    expect(!last.ok && last.error.message).toContain('32');
    expect(((await viewers[32]!.inbox.nextPayload<ErrorInfo>('error')) as ErrorInfo).code).toBe('spectators-full');
    // each feeder was told about its own spectators, with its path
    await until(() => players[0]!.inbox.count('spectator') === 2 + 28 && players[1]!.inbox.count('spectator') === 2, 'feeder notices');
    const notices = players[0]!.inbox.all('spectator').map((a) => a[0] as SpectatorNotice);
    expect(notices.filter((n) => n.path === 'p2p' && n.action === 'add')).toHaveLength(2);
    expect(h.server.stats().spectators).toMatchObject({ watching: 32, watches: 32, refused: 1 });
  });

  it('authorisation: unknown session, players turning it off, admin-only servers, wrong tokens, malformed and double requests', async () => {
    await h.start({ limits, adminToken: 'admin-token-0123456789', spectators: 'admin' });
    const { players, assignments } = await session(h);
    const sessionId = assignments[0]!.sessionId;
    const [v1, v2, v3, v4] = await h.connectMany(4);
    expect(await watch(v1!, { sessionId })).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(await watch(v1!, { sessionId, adminToken: 'wrong-token-0123456789' })).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(await watch(v2!, { sessionId: 'no-such-session', adminToken: 'admin-token-0123456789' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await watch(v3!, { sessionId, adminToken: 'admin-token-0123456789' })).toMatchObject({ ok: true });
    expect(await watch(v3!, { sessionId, adminToken: 'admin-token-0123456789' })).toMatchObject({ ok: false, error: { code: 'already-joined' } });
    expect(await watch(players[0]!, { sessionId, adminToken: 'admin-token-0123456789' })).toMatchObject({ ok: false, error: { code: 'already-joined' } });
    expect(await v4!.socket.timeout(WAIT_MS).emitWithAck('watch', { sessionId, extra: 1 } as unknown as WatchRequest)).toMatchObject({
      ok: false,
      error: { code: 'invalid-message' },
    });
    // a spectator cannot join a game while watching
    expect(await v3!.join({ room: 'x', players: 2 })).toMatchObject({ ok: false, error: { code: 'already-joined' } });
    await h.close();

    await h.start({ limits });
    const off = await session(h, 'off');
    const [w] = await h.connectMany(1);
    expect(await watch(w!, { sessionId: off.assignments[0]!.sessionId })).toMatchObject({ ok: false, error: { code: 'spectating-disabled' } });
    await h.close();

    await h.start({ limits, spectators: 'off' });
    const closed = await session(h);
    const [x] = await h.connectMany(1);
    expect(await watch(x!, { sessionId: closed.assignments[0]!.sessionId })).toMatchObject({ ok: false, error: { code: 'spectating-disabled' } });
  });

  it('a session restored after a server restart can be watched again; a member that turned spectating off still refuses it', async () => {
    const resumeKey = 'spectator-restart-key-0123456789';
    for (const mode of ['p2p', 'off'] as const) {
      await h.start({ limits, resumeKey, spectatorPeerSlots: 0 });
      const players = await h.connectMany(2);
      const assignments = await joinAll(players, { room: `restart-${mode}`, players: 2, spectators: mode });
      await h.close();
      await h.start({ limits, resumeKey, spectatorPeerSlots: 0 });
      const back = await h.connectMany(2);
      for (const [i, c] of back.entries()) {
        const reply = (await c.socket.timeout(WAIT_MS).emitWithAck('resume', { secret: assignments[i]!.resume! })) as ResumeReply;
        expect(reply.ok).toBe(true);
      }
      const [viewer] = await h.connectMany(1);
      const reply = await watch(viewer!, { sessionId: assignments[0]!.sessionId });
      if (mode === 'off') {
        expect(reply).toMatchObject({ ok: false, error: { code: 'spectating-disabled' } });
      } else {
        expect(reply).toMatchObject({ ok: true, path: 'server', feeder: 0 });
        expect(await back[0]!.inbox.nextPayload<SpectatorNotice>('spectator')).toMatchObject({ action: 'add', path: 'server' });
        back[0]!.socket.emit('spectator-data', '*', Uint8Array.of(3, 4, 5));
        expect(new Uint8Array((await viewer!.inbox.next('spectator-data'))[0] as ArrayBuffer)).toEqual(Uint8Array.of(3, 4, 5));
      }
      await h.close();
    }
  });

  it('fan-out: the server feeder uploads once and every server-path spectator gets it; others cannot feed', async () => {
    await h.start({ limits, spectatorPeerSlots: 0 });
    const { players, assignments } = await session(h);
    const sessionId = assignments[0]!.sessionId;
    const viewers = await h.connectMany(4);
    const replies: Extract<WatchReply, { ok: true }>[] = [];
    for (const v of viewers) replies.push(ok(await watch(v, { sessionId, via: 'p2p' })));
    expect(replies.every((r) => r.path === 'server' && r.feeder === 0)).toBe(true);
    players[0]!.socket.emit('spectator-data', '*', Uint8Array.of(3, 1, 2, 3));
    for (const v of viewers) expect(new Uint8Array((await v.inbox.next('spectator-data'))[0] as ArrayBuffer)).toEqual(Uint8Array.of(3, 1, 2, 3));
    // addressed to one spectator: only it
    players[0]!.socket.emit('spectator-data', replies[2]!.spectatorId, Uint8Array.of(2, 9));
    expect(new Uint8Array((await viewers[2]!.inbox.next('spectator-data'))[0] as ArrayBuffer)).toEqual(Uint8Array.of(2, 9));
    // player 1 feeds nobody: its upload reaches no spectator
    players[1]!.socket.emit('spectator-data', '*', Uint8Array.of(3, 7));
    await sleep(QUIET_MS);
    expect(viewers.map((v) => v.inbox.count('spectator-data'))).toEqual([1, 1, 2, 1]);
    expect(h.server.stats().spectators.fanoutMessages).toBe(5);
    // oversized and malformed uploads are refused
    players[0]!.socket.emit('spectator-data', '*', new Uint8Array(35 * 1024));
    expect(await players[0]!.inbox.nextPayload<ErrorInfo>('error')).toMatchObject({ code: 'too-large', event: 'spectator-data' });
    players[0]!.raw('spectator-data', 'nobody', Uint8Array.of(1));
    expect(await players[0]!.inbox.nextPayload<ErrorInfo>('error')).toMatchObject({ code: 'invalid-message', event: 'spectator-data' });
  });

  it('hostile spectators: their data, relay and signals never reach a player; all counted', async () => {
    await h.start({ limits, spectatorPeerSlots: 1 });
    const { players, assignments } = await session(h);
    const sessionId = assignments[0]!.sessionId;
    const [p2pViewer, serverViewer] = await h.connectMany(2);
    const a = ok(await watch(p2pViewer!, { sessionId }));
    const b = ok(await watch(serverViewer!, { sessionId, via: 'server' }));
    expect([a.path, b.path]).toEqual(['p2p', 'server']);
    for (const v of [p2pViewer!, serverViewer!]) {
      v.socket.emit('spectator-data', '*', Uint8Array.of(3, 0, 0));
      expect(await v.inbox.nextPayload<ErrorInfo>('error')).toMatchObject({ code: 'unauthorized', event: 'spectator-data' });
      v.socket.emit('relay', 0, Uint8Array.of(2, 1, 0));
      expect(await v.inbox.nextPayload<ErrorInfo>('error')).toMatchObject({ code: 'not-in-session', event: 'relay' });
      v.socket.emit('signal', { to: 1, kind: 'offer', data: { type: 'offer', sdp: 'x' } });
      expect(await v.inbox.nextPayload<ErrorInfo>('error')).toMatchObject({ code: 'not-in-session', event: 'signal' });
    }
    // the P2P spectator's signals reach only its own feeder, named by the server (its claimed id is refused by the schema)
    p2pViewer!.socket.emit('spectator-signal', { kind: 'answer', data: { type: 'answer', sdp: 'y' } });
    const feeder = players[a.feeder]!;
    const other = players[1 - a.feeder]!;
    expect(await feeder.inbox.nextPayload('spectator-signal')).toEqual({ spectatorId: a.spectatorId, kind: 'answer', data: { type: 'answer', sdp: 'y' } });
    // a server-path spectator has no peer to signal
    serverViewer!.socket.emit('spectator-signal', { kind: 'offer', data: {} });
    // a player cannot signal someone else's spectator
    other.socket.emit('spectator-signal', { spectatorId: a.spectatorId, kind: 'offer', data: {} });
    expect(await other.inbox.nextPayload<ErrorInfo>('error')).toMatchObject({ code: 'unknown-peer', event: 'spectator-signal' });
    await sleep(QUIET_MS);
    for (const p of players) {
      expect(p.inbox.count('relay')).toBe(0);
      expect(p.inbox.count('signal')).toBe(0);
    }
    expect(feeder.inbox.count('spectator-signal')).toBe(1);
    expect(other.inbox.count('spectator-signal')).toBe(0);
    expect(h.server.stats().spectators.hostileDropped).toBe(3);
  });

  it('tables are pruned: a spectator leaving tells its feeder; a feeder leaving moves its spectators to the server; the session ending ends every watch', async () => {
    await h.start({ limits, spectatorPeerSlots: 2 });
    const { players, assignments } = await session(h);
    const sessionId = assignments[0]!.sessionId;
    const viewers = await h.connectMany(4);
    const replies: Extract<WatchReply, { ok: true }>[] = [];
    for (const v of viewers) replies.push(ok(await watch(v, { sessionId })));
    expect(h.server.stats().spectators.tables).toEqual({ sessions: 1, spectators: 4 });
    viewers[3]!.socket.disconnect();
    await until(() => h.server.stats().spectators.watching === 3, 'the spectator removed');
    const removals = (): SpectatorNotice[] =>
      players[replies[3]!.feeder]!.inbox.all('spectator').map((x) => x[0] as SpectatorNotice).filter((n) => n.action === 'remove');
    await until(() => removals().length > 0, 'the remove notice');
    const removed = removals()[0];
    expect(removed).toEqual({ spectatorId: replies[3]!.spectatorId, action: 'remove', path: 'p2p' });
    // player 1 leaves: the spectators it fed move to the server path, fed by player 0
    const fedBy1 = replies.slice(0, 3).filter((r) => r.feeder === 1).map((r) => r.spectatorId);
    expect(fedBy1.length).toBeGreaterThan(0);
    const before = players[0]!.inbox.count('spectator');
    players[1]!.socket.emit('leave');
    await until(() => players[0]!.inbox.count('spectator') === before + fedBy1.length, 'the moved spectators');
    const moved = players[0]!.inbox.all('spectator').slice(before).map((x) => x[0] as SpectatorNotice);
    expect(moved.map((n) => n.spectatorId).sort()).toEqual([...fedBy1].sort());
    expect(moved.every((n) => n.action === 'add' && n.path === 'server')).toBe(true);
    // the last player leaves: every spectator is told and the tables are empty
    players[0]!.socket.emit('leave');
    for (const v of viewers.slice(0, 3)) expect(await v.inbox.nextPayload('watch-ended')).toEqual({ reason: 'session-ended' });
    expect(h.server.stats().spectators.tables).toEqual({ sessions: 0, spectators: 0 });
    // they may watch (or play) again
    expect(await viewers[0]!.join({ room: 'again', players: 2 })).toMatchObject({ ok: true });
  });

  it('the dashboard watches with its admin credentials on the socket, and serves its viewer page only to admins', async () => {
    const adminToken = 'admin-token-0123456789';
    await h.start({ limits, adminToken, spectators: 'admin' });
    const { assignments } = await session(h);
    const sessionId = assignments[0]!.sessionId;
    const dashboard: ClientSocket = ioClient(h.server.url, { transports: ['websocket'], forceNew: true, reconnection: false, extraHeaders: { authorization: `Bearer ${adminToken}` } });
    try {
      await withTimeout(new Promise<void>((resolve, reject) => dashboard.once('connect', resolve).once('connect_error', reject)), WAIT_MS, 'connect');
      expect(await dashboard.timeout(WAIT_MS).emitWithAck('watch', { sessionId })).toMatchObject({ ok: true });
    } finally {
      dashboard.disconnect();
    }
    const page = await fetch(`${h.server.url}/admin/watch?session=${sessionId}`);
    expect(page.status).toBe(401);
    expect(await page.text()).toContain('sign in');
    const asAdmin = await fetch(`${h.server.url}/admin/watch?session=${sessionId}`, { headers: { authorization: `Bearer ${adminToken}` } });
    if (existsSync(new URL('../../server/admin/watch-app/index.html', import.meta.url))) {
      expect(asAdmin.status).toBe(200);
      expect(await asAdmin.text()).toContain('/admin/watch/');
    } else {
      expect(asAdmin.status).toBe(404);
      expect(await asAdmin.text()).toContain('npm run build');
    }
    expect((await fetch(`${h.server.url}/admin/watch/..%2F..%2Fpackage.json`, { headers: { authorization: `Bearer ${adminToken}` } })).status).toBe(404);
  });

  it('fan-out backpressure: a spectator that stops reading is skipped (bounded), a reading one keeps up, and it is re-snapshotted once it reads', async () => {
    const threshold = 64 * 1024;
    await h.start({ limits: { ...limits, targetBufferBytes: threshold, spectatorUploadBytes: { burst: 1e9, perSecond: 1e9 } }, rateLimits: { join: { burst: 100, perSecond: 10 }, signal: { burst: 400, perSecond: 100 }, relay: { burst: 100_000, perSecond: 100_000 } } });
    const { players, assignments } = await session(h);
    const [slow, fast] = await h.connectMany(2);
    const s = ok(await watch(slow!, { sessionId: assignments[0]!.sessionId, via: 'server' }));
    ok(await watch(fast!, { sessionId: assignments[0]!.sessionId, via: 'server' }));
    const target = h.server.io.sockets.sockets.get(slow!.socket.id!)!;
    const tcp = (slow!.socket.io.engine.transport as unknown as { ws?: { _socket?: { pause(): void; resume(): void } } }).ws?._socket;
    if (!tcp) throw new Error('no websocket TCP socket to pause');
    tcp.pause();
    const packet = new Uint8Array(32 * 1024).fill(3);
    let maxPending = 0;
    // 1,000 messages = 32 MiB offered; loopback TCP buffers absorb a few MiB, the server must hold no more than the threshold.
    for (let i = 0; i < 1000; i++) {
      players[0]!.socket.emit('spectator-data', '*', packet);
      if (i % 50 === 49) {
        await sleep(5);
        maxPending = Math.max(maxPending, pendingBytes(target));
      }
    }
    await until(() => h.server.stats().spectators.backpressureDrops > 0, 'backpressure drops', 10_000);
    expect(Math.max(maxPending, pendingBytes(target))).toBeLessThanOrEqual(threshold + 40 * 1024);
    // the reading spectator keeps getting the stream while the other one is skipped
    await until(() => fast!.inbox.count('spectator-data') > slow!.inbox.count('spectator-data'), 'the reading spectator ahead', 20_000);
    tcp.resume();
    await until(() => pendingBytes(target) === 0, 'the slow spectator to drain', 10_000);
    await sleep(1000); // the re-snapshot interval
    players[0]!.socket.emit('spectator-data', '*', Uint8Array.of(3, 1));
    await until(
      () => players[0]!.inbox.all('spectator').some((a) => (a[0] as SpectatorNotice).action === 'snapshot' && (a[0] as SpectatorNotice).spectatorId === s.spectatorId),
      'a fresh snapshot asked for the slow spectator',
    );
  }, 60_000);
});
