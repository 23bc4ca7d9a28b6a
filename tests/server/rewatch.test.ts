/**
 * A spectator's connection that drops and comes back watches again
 * (main/rewatch.ts, socket.io-client in Node, against the real server):
 * the server forgets the spectator with its old connection (its feeder is
 * told `remove`), takes the new `watch` (a new id; the feeder is told `add`),
 * and the feeder's stream reaches the spectator again. Across a server
 * restart, `not-found` (no player has resumed the session yet) is retried
 * until the players are back. Refusals that cannot pass, and a session that
 * never comes back, end re-watching within its window.
 */
import { io as ioClient } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { WatchConnection, type WatchConnectionEvents } from '../../main/rewatch.ts';
import { startServer, type RunningServer } from '../../server/app.ts';
import type { ServerOptions } from '../../server/config.ts';
import type { Assignment, ResumeReply, SpectatorNotice } from '../../src/signaling/events.ts';
import { type ClientSocket, Inbox, joinAll, type TestClient, until, WAIT_MS, withTimeout } from './helpers.ts';

const KEY = 'rewatch-resume-key-0123456789';

describe('re-watching after the spectator connection drops (real server)', () => {
  const servers: RunningServer[] = [];
  const sockets: ClientSocket[] = [];
  const conns: WatchConnection[] = [];
  afterEach(async () => {
    for (const c of conns.splice(0)) c.close();
    for (const s of sockets.splice(0)) s.disconnect();
    for (const s of servers.splice(0)) await withTimeout(s.close(), WAIT_MS, 'server close');
  });

  async function start(options: ServerOptions = {}): Promise<RunningServer> {
    const s = await startServer({ port: 0, host: '127.0.0.1', dataDir: ':memory:', resumeKey: KEY, ...options });
    servers.push(s);
    return s;
  }

  async function client(server: RunningServer): Promise<TestClient> {
    const socket: ClientSocket = ioClient(server.url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: WAIT_MS });
    sockets.push(socket);
    const inbox = new Inbox(socket);
    await withTimeout(new Promise<void>((resolve, reject) => (socket.once('connect', () => resolve()), socket.once('connect_error', reject))), WAIT_MS, 'connect');
    return {
      socket,
      inbox,
      raw: (event, ...args) => (socket as unknown as { emit(e: string, ...a: unknown[]): void }).emit(event, ...args),
      join: (request) => socket.timeout(WAIT_MS).emitWithAck('join', request),
    };
  }

  /** A WatchConnection recording its events and the stream bytes it receives. */
  function spectator(server: RunningServer, sessionId: string, rewatchWindowMs = 20_000) {
    const conn = new WatchConnection({ server: server.url, request: { sessionId, via: 'server' }, timeoutMs: 2000, rewatchWindowMs });
    conns.push(conn);
    const seen: { [K in keyof WatchConnectionEvents]: WatchConnectionEvents[K][] } = { lost: [], rewatched: [], ended: [], 'gave-up': [] };
    for (const type of Object.keys(seen) as (keyof WatchConnectionEvents)[]) conn.on(type, (e) => (seen[type] as unknown[]).push(e));
    const data: number[] = [];
    conn.socket.on('spectator-data', (p: ArrayBuffer | Uint8Array) => data.push(new Uint8Array(p)[0]!));
    return { conn, seen, data };
  }

  const notices = (c: TestClient): SpectatorNotice[] => c.inbox.all('spectator').map((a) => a[0] as SpectatorNotice);
  /** The feeder uploads one stream message for all its server-path spectators. */
  const upload = (feeder: TestClient, byte: number) => feeder.raw('spectator-data', '*', Uint8Array.of(byte).buffer);

  it('a dropped connection: the server forgets the old spectator, the new watch gets a new id, and the stream arrives again', async () => {
    const server = await start();
    const [a, b] = [await client(server), await client(server)];
    const [aa] = await joinAll([a!, b!], { room: 'rewatch', players: 2 });
    const { conn, seen, data } = spectator(server, aa!.sessionId);
    const first = await conn.start();
    expect(first).toMatchObject({ path: 'server', feeder: 0 });
    await until(() => notices(a!).some((n) => n.action === 'add' && n.spectatorId === first.spectatorId), 'the feeder told to add the spectator');
    upload(a!, 1);
    await until(() => data.includes(1), 'the stream before the drop');

    // The network drops the connection (not a close by either side): socket.io reconnects by itself.
    conn.socket.io.engine.close();
    await until(() => seen.lost.length === 1, 'the loss seen');
    expect(conn.watching).toBeNull();
    await until(() => seen.rewatched.length === 1, 'watching again');
    const again = seen.rewatched[0]!;
    expect(again.reply.spectatorId).not.toBe(first.spectatorId);
    expect(again.reply).toMatchObject({ path: 'server', feeder: 0 });
    expect(again.attempts).toBe(1);
    expect(again.lostMs).toBeGreaterThanOrEqual(0);
    expect(conn.watching).toEqual(again.reply);
    // The feeder: the old spectator removed, the new one added (it starts its stream with a fresh snapshot).
    await until(() => notices(a!).some((n) => n.action === 'add' && n.spectatorId === again.reply.spectatorId), 'the feeder told to add the new spectator');
    expect(notices(a!).filter((n) => n.spectatorId === first.spectatorId).map((n) => n.action)).toEqual(['add', 'remove']);
    expect(server.stats().spectators).toMatchObject({ watching: 1, watches: 2 });
    upload(a!, 2);
    await until(() => data.includes(2), 'the stream after the re-watch');
    expect(seen['gave-up']).toEqual([]);
  });

  it('across a server restart: not-found until a player resumed the session, then watching again; the feeder\'s stream arrives', async () => {
    const first = await start();
    const port = first.port;
    const [a, b] = [await client(first), await client(first)];
    const [aa, bb] = (await joinAll([a!, b!], { room: 'rewatch-restart', players: 2 })) as [Assignment, Assignment];
    const { conn, seen, data } = spectator(first, aa.sessionId);
    await conn.start();
    await first.close();
    servers.splice(0);
    await until(() => seen.lost.length === 1, 'the loss seen');

    const second = await start({ port });
    // The spectator is back before any player: its watch finds no session, and is tried again.
    await until(() => (second.stats().spectators.refused ?? 0) >= 1, 'a re-watch refused while no player is back', 10_000);
    expect(seen.rewatched).toEqual([]);
    const [a2, b2] = [await client(second), await client(second)];
    for (const [c, secret] of [[a2!, aa.resume!], [b2!, bb.resume!]] as const) {
      const reply = (await c.socket.timeout(WAIT_MS).emitWithAck('resume', { secret })) as ResumeReply;
      expect(reply.ok).toBe(true);
    }
    await until(() => seen.rewatched.length === 1, 'watching the restored session again', 10_000);
    expect(seen.rewatched[0]!.attempts).toBeGreaterThanOrEqual(2);
    // The shutdown closed the spectator's connection rather than telling it the session ended (it had not).
    expect(seen.ended).toEqual([]);
    expect(seen.rewatched[0]!.reply).toMatchObject({ path: 'server', feeder: 0 });
    await until(() => notices(a2!).some((n) => n.action === 'add' && n.spectatorId === seen.rewatched[0]!.reply.spectatorId), 'the resumed feeder told to add the spectator');
    upload(a2!, 7);
    await until(() => data.includes(7), 'the stream after the restart');
    expect(second.stats().spectators).toMatchObject({ watching: 1, watches: 1 });
  });

  it('gives up within its window when the session never comes back, and at once on a refusal that cannot pass', async () => {
    const first = await start();
    const port = first.port;
    const [a, b] = [await client(first), await client(first)];
    const [aa] = await joinAll([a!, b!], { room: 'rewatch-gone', players: 2 });
    const gone = spectator(first, aa!.sessionId, 1500);
    await gone.conn.start();
    await first.close();
    servers.splice(0);
    await until(() => gone.seen.lost.length === 1, 'the loss seen');
    const lostAt = Date.now();
    await start({ port }); // nobody resumes the session
    await until(() => gone.seen['gave-up'].length === 1, 'giving up', 5000);
    expect(Date.now() - lostAt).toBeLessThan(1500 + 1000);
    expect(gone.seen['gave-up'][0]!.error.code).toBe('not-found');
    expect(gone.seen.rewatched).toEqual([]);
    expect(gone.conn.socket.connected).toBe(false);

    // A server that turned spectating off after the restart: refused for good, no retry.
    await withTimeout(servers.splice(0)[0]!.close(), WAIT_MS, 'server close');
    const third = await start({ port });
    const [c, d] = [await client(third), await client(third)];
    const [cc] = await joinAll([c!, d!], { room: 'rewatch-off', players: 2 });
    const off = spectator(third, cc!.sessionId);
    await off.conn.start();
    await third.close();
    servers.splice(0);
    await until(() => off.seen.lost.length === 1, 'the loss seen');
    const fourth = await start({ port, spectators: 'off' });
    await until(() => off.seen['gave-up'].length === 1, 'giving up on spectating-disabled', 5000);
    expect(off.seen['gave-up'][0]!.error.code).toBe('spectating-disabled');
    expect(fourth.stats().spectators.refused).toBe(1);
  });
});
