import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { iceServersFor, turnCredentials } from '../../server/turn.ts';
import type { Assignment } from '../../src/signaling/events.ts';
import { harnessPerTest, joinAll } from './helpers.ts';

const SECRET = 'k3y-that-must-never-leave-the-server-9f1c';
const TURN_URLS = ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349?transport=tcp'];

const hmac = (secret: string, username: string): string => createHmac('sha1', secret).update(username).digest('base64');

describe('TURN REST credentials', () => {
  it('turnCredentials follows coturn use-auth-secret', () => {
    const now = Date.UTC(2030, 0, 1, 12, 0, 0, 500);
    const c = turnCredentials('secret', 'user-1', 600, now);
    expect(c.expiresAt).toBe(Math.floor(now / 1000) + 600);
    expect(c.username).toBe(`${c.expiresAt}:user-1`);
    expect(c.credential).toBe(hmac('secret', c.username));
    // A known vector (computed independently with openssl):
    // printf '%s' '1893499800:user-1' | openssl dgst -sha1 -hmac secret -binary | base64
    expect(c.username).toBe('1893499800:user-1');
    expect(c.credential).toBe('nQ0GwrTQAVqYAOaj5Jq05bD2UN4=');
    expect(() => turnCredentials('secret', 'a:b')).toThrow(/must not contain/);
  });

  it('iceServersFor: STUN first, TURN with credentials when configured, nothing otherwise', () => {
    expect(iceServersFor({ turnUrls: [], turnTtl: 3600, stunUrls: [] }, 'u')).toEqual({ iceServers: [], turn: false });
    expect(iceServersFor({ turnUrls: [], turnTtl: 3600, stunUrls: ['stun:stun.example.org'] }, 'u')).toEqual({
      iceServers: [{ urls: ['stun:stun.example.org'] }],
      turn: false,
    });
    const r = iceServersFor({ turnSecret: 's', turnUrls: TURN_URLS, turnTtl: 60, stunUrls: ['stun:x.org'] }, 'u', 1_000_000);
    expect(r.turn).toBe(true);
    expect(r.iceServers).toEqual([
      { urls: ['stun:x.org'] },
      { urls: TURN_URLS, username: '1060:u', credential: hmac('s', '1060:u') },
    ]);
  });
});

describe('TURN in assignments (real server)', () => {
  const h = harnessPerTest();

  it('gives each client its own verifiable, expiring credentials and never the secret', async () => {
    await h.start({ turnSecret: SECRET, turnUrls: TURN_URLS, turnTtl: 1800, stunUrls: ['stun:stun.example.org:3478'] });
    const clients = await h.connectMany(2);
    const received: string[] = [];
    for (const c of clients) {
      // Every message the server sends after connecting, as raw engine.io text (binary frames are not used here).
      c.socket.io.engine.on('data', (data: unknown) => received.push(typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer).toString('latin1')));
    }
    const before = Math.floor(Date.now() / 1000);
    for (const [i, c] of clients.entries()) expect((await c.join({ queue: 'turn', players: 2, clientId: `participant-${i}` })).ok).toBe(true);
    const assigned = await Promise.all(clients.map((c) => c.inbox.nextPayload<Assignment>('assigned')));
    const after = Math.floor(Date.now() / 1000);

    for (const a of assigned) {
      expect(a.turn).toBe(true);
      expect(a.iceServers).toHaveLength(2);
      expect(a.iceServers[0]).toEqual({ urls: ['stun:stun.example.org:3478'] });
      const turn = a.iceServers[1]!;
      expect(turn.urls).toEqual(TURN_URLS);
      const [expiry, user] = turn.username!.split(':');
      // Made by the server from session and seat, never from the client-chosen clientId.
      expect(user).toBe(`s-${a.sessionId}-p${a.playerIndex}`);
      expect(user).not.toContain('participant');
      expect(a.turnExpiresAt).toBe(Number(expiry));
      expect(Number(expiry)).toBeGreaterThanOrEqual(before + 1800);
      expect(Number(expiry)).toBeLessThanOrEqual(after + 1800);
      expect(turn.credential).toBe(hmac(SECRET, turn.username!));
    }
    expect(assigned[0]!.iceServers[1]!.username).not.toBe(assigned[1]!.iceServers[1]!.username);

    expect(received.some((d) => d.includes('assigned'))).toBe(true);
    for (const d of received) expect(d).not.toContain(SECRET);
    for (const a of assigned) expect(JSON.stringify(a)).not.toContain(SECRET);
  });

  it('sends iceServers [] and turn false without TURN configuration', async () => {
    await h.start();
    const clients = await h.connectMany(2);
    const assigned: Assignment[] = await joinAll(clients, { queue: 'no-turn', players: 2 });
    for (const a of assigned) {
      expect(a.iceServers).toEqual([]);
      expect(a.turn).toBe(false);
    }
  });
});
