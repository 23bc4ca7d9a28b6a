/**
 * The page's SignalingClient against a real server (socket.io-client runs in
 * Node): it keeps the seat's resume secret, reconnects without a cap and
 * resumes by itself after the server restarts on the same port, drops relay
 * packets while the seat is not bound (never a stale burst) and holds
 * signals until it is.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RESUME_STORAGE_KEY, loadResumeRecord } from '../../main/resume-store.ts';
import { SignalingClient, type SignalingStateChange } from '../../main/signaling.ts';
import { startServer, type RunningServer } from '../../server/app.ts';
import type { Assignment, SignalMessage } from '../../src/signaling/events.ts';
import { sleep, until, withTimeout } from '../server/helpers.ts';

const KEY = 'resume-key-for-tests-0123456789';

/** A sessionStorage for Node (the browser's is per tab; this one per test). */
class MemoryStorage {
  readonly #items = new Map<string, string>();
  getItem(k: string): string | null {
    return this.#items.get(k) ?? null;
  }
  setItem(k: string, v: string): void {
    this.#items.set(k, String(v));
  }
  removeItem(k: string): void {
    this.#items.delete(k);
  }
}

describe('SignalingClient resume (real server)', () => {
  const servers: RunningServer[] = [];
  const clients: SignalingClient[] = [];
  beforeEach(() => {
    (globalThis as { sessionStorage?: unknown }).sessionStorage = new MemoryStorage();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const s of servers.splice(0)) await withTimeout(s.close(), 3000, 'server close');
    delete (globalThis as { sessionStorage?: unknown }).sessionStorage;
  });

  const start = async (port = 0): Promise<RunningServer> => {
    const s = await startServer({ port, host: '127.0.0.1', dataDir: ':memory:', resumeKey: KEY });
    servers.push(s);
    return s;
  };
  const client = (url: string, key: string): SignalingClient => {
    const c = new SignalingClient({ url, resumeStorageKey: key, reconnectDelayMs: 100, reconnectDelayMaxMs: 400, ackTimeoutMs: 2000 });
    clients.push(c);
    return c;
  };
  const states = (c: SignalingClient): SignalingStateChange[] => {
    const seen: SignalingStateChange[] = [];
    c.on('state', (s) => seen.push(s));
    return seen;
  };

  it('survives a server restart on the same port: lost, regained, resumed; relay works again and nothing stale arrives', async () => {
    const first = await start();
    const port = first.port;
    const [a, b] = [client(first.url, 'a'), client(first.url, 'b')];
    const [sa, sb] = [states(a), states(b)];
    const [aa] = (await Promise.all([a.join({ room: 'r', players: 2 }), b.join({ room: 'r', players: 2 })])) as [Assignment, Assignment];
    expect(loadResumeRecord('a')).toEqual({ server: first.url, secret: aa.resume, session: aa.sessionId, playerIndex: aa.playerIndex });

    const gotByB: number[] = [];
    b.on('relay', ({ packet }) => gotByB.push(new Uint8Array(packet)[0]!));
    a.relay(b.current!.playerIndex, new Uint8Array([1]).buffer);
    await until(() => gotByB.length === 1, 'the first relay packet');

    await first.close();
    servers.splice(0);
    await until(() => sa.some((s) => s.state === 'lost') && sb.some((s) => s.state === 'lost'), 'both clients to see signaling lost');
    expect(a.seated).toBe(false);
    // Down: relay packets are dropped (counted), signals held.
    for (let i = 0; i < 10; i++) a.relay(b.current!.playerIndex, new Uint8Array([2]).buffer);
    expect(a.relayDropped).toBe(10);
    const signalsAtB: SignalMessage[] = [];
    b.on('signal', (m) => signalsAtB.push(m));
    a.signal(b.current!.playerIndex, 'candidate', { candidate: 'held' });

    await sleep(600); // several reconnection attempts fail meanwhile (more than socket.io's 5 would be fine too)
    const second = await start(port);
    await until(() => a.state === 'resumed' && b.state === 'resumed', 'both clients to resume on the restarted server', 8000);
    expect(sa.map((s) => s.state)).toEqual(expect.arrayContaining(['lost', 'regained', 'resumed']));
    expect(a.current!.sessionId).toBe(aa.sessionId);
    expect(second.stats().sessionList.map((s) => s.present)).toEqual([[0, 1]]);
    // The held signal went out once the seat was back; the dropped relay packets never arrive.
    await until(() => signalsAtB.length === 1, 'the held signal');
    expect(signalsAtB[0]!.data).toEqual({ candidate: 'held' });
    a.relay(b.current!.playerIndex, new Uint8Array([3]).buffer);
    await until(() => gotByB.length === 2, 'relay after the restart');
    await sleep(200);
    expect(gotByB).toEqual([1, 3]);
  });

  it('a reload finds the record and resumes the seat on a new client; leave forgets it and the server refuses it after', async () => {
    const server = await start();
    const [a, b] = [client(server.url, 'a'), client(server.url, 'b')];
    await Promise.all([a.join({ room: 'r', players: 2 }), b.join({ room: 'r', players: 2 })]);
    const resumedAtB: number[] = [];
    b.on('peer-resumed', (e) => resumedAtB.push(e.playerIndex));
    a.close(); // the page goes away without leaving (a reload)

    const record = loadResumeRecord('a', server.url)!;
    expect(record.playerIndex).toBe(0);
    const a2 = client(server.url, 'a');
    const { assignment, present } = await a2.resume(record.secret);
    expect(assignment.sessionId).toBe(record.session);
    expect(present).toEqual([0, 1]);
    await until(() => resumedAtB.length === 1, 'b to hear a came back');

    a2.leave();
    expect(loadResumeRecord('a')).toBeNull();
    const a3 = client(server.url, 'a3');
    await expect(a3.resume(record.secret)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('a second connection resuming the same seat takes it: the first stops resuming (resume-failed) and forgets its record', async () => {
    const server = await start();
    const [a, b] = [client(server.url, 'a'), client(server.url, 'b')];
    await Promise.all([a.join({ room: 'r', players: 2 }), b.join({ room: 'r', players: 2 })]);
    const sa = states(a);
    const secret = loadResumeRecord('a')!.secret;
    const dup = client(server.url, 'dup'); // e.g. a duplicated tab (sessionStorage is copied)
    await dup.resume(secret);
    await until(() => sa.some((s) => s.state === 'resume-failed'), 'the first client to lose its seat');
    expect(loadResumeRecord('a')).toBeNull();
    expect(a.seated).toBe(false);
  });

  it('a connection the server closed itself (not retried by socket.io) is reconnected and resumed too', async () => {
    const server = await start();
    const [a, b] = [client(server.url, 'a'), client(server.url, 'b')];
    await Promise.all([a.join({ room: 'r', players: 2 }), b.join({ room: 'r', players: 2 })]);
    const [sa, sb] = [states(a), states(b)];
    const resumed: number[] = [];
    for (const c of [a, b]) c.on('peer-resumed', (e) => resumed.push(e.playerIndex));
    // The server closes one connection (as it does for a relay flood): socket.io does not reconnect such a socket by itself.
    server.io.sockets.sockets.values().next().value!.disconnect(true);
    const closedByServer = (seen: SignalingStateChange[]) => seen.some((s) => s.state === 'lost' && s.reason === 'io server disconnect');
    await until(() => closedByServer(sa) || closedByServer(sb), 'a client to see the server close its connection');
    const [closed, kept] = closedByServer(sa) ? [a, b] : [b, a];
    await until(() => closed.state === 'resumed', 'the closed client to resume', 5000);
    expect(kept.state).toBe('connected'); // the other kept its connection
    expect(server.stats().sessionList.map((s) => s.present)).toEqual([[0, 1]]);
    await until(() => resumed.length === 1, 'the other to hear it came back');
    expect(resumed).toEqual([closed.current!.playerIndex]);
  });

  it('checks its reconnection options', () => {
    expect(() => new SignalingClient({ url: 'http://127.0.0.1:1', reconnectDelayMs: 0 })).toThrow(/reconnectDelayMs/);
    expect(RESUME_STORAGE_KEY).toBe('netroll.resume');
  });
});
