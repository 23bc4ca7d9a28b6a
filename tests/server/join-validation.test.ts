import { beforeAll, describe, expect, it } from 'vitest';
import type { ErrorInfo, JoinReply } from '../../src/signaling/events.ts';
import { harnessPerSuite, QUIET_MS, WAIT_MS, sleep, type TestClient } from './helpers.ts';

/** Payloads `join` must refuse, with a substring of the expected message. */
const BAD_PAYLOADS: [string, unknown, string][] = [
  ['players as a string', { queue: 'q', players: '2' }, 'players: must be a number'],
  ['players 1', { queue: 'q', players: 1 }, 'at least 2'],
  ['players 9', { queue: 'q', players: 9 }, 'at most 8'],
  ['players 2.5', { queue: 'q', players: 2.5 }, 'integer'],
  ['players NaN-ish (null)', { queue: 'q', players: null }, 'players'],
  ['players missing', { queue: 'q' }, 'players'],
  ['room with a space', { room: 'bad room', players: 2 }, 'room: must be 1 to 64'],
  ['room with a slash', { room: '../x', players: 2 }, 'room: must be'],
  ['empty room', { room: '', players: 2 }, 'room: must be'],
  ['room of 65 characters', { room: 'r'.repeat(65), players: 2 }, 'room: must be'],
  ['queue as a number', { queue: 5, players: 2 }, 'queue: must be a string'],
  ['both room and queue', { room: 'a', queue: 'b', players: 2 }, 'either room or queue'],
  ['bad clientId', { queue: 'q', players: 2, clientId: 'a:b' }, 'clientId: must be'],
  ['name with control characters', { queue: 'q', players: 2, name: 'evil\u0000' }, 'control'],
  ['name too long', { queue: 'q', players: 2, name: 'n'.repeat(65) }, 'at most 64'],
  ['unknown key', { queue: 'q', players: 2, host: true }, 'Unrecognized key'],
  ['a string', 'join me', 'must be an object'],
  ['a number', 42, 'must be an object'],
  ['null', null, 'must be an object'],
  ['an array', [{ queue: 'q', players: 2 }], 'must be an object'],
];

describe('join validation (real server)', () => {
  const h = harnessPerSuite();
  let client: TestClient;
  beforeAll(async () => {
    await h.start({ rateLimits: false }); // this suite sends many joins from one client
    client = await h.connect();
  });

  const unchanged = (): void => {
    const s = h.server.stats();
    expect(s.waiting).toBe(0);
    expect(s.sessions).toBe(0);
    expect(s.groups).toEqual([]);
  };

  it.each(BAD_PAYLOADS)('refuses %s with an ack error and an error event', async (_label, payload, message) => {
    const before = h.server.stats().rejected['invalid-message'] ?? 0;
    const reply = (await client.socket.timeout(WAIT_MS).emitWithAck('join', payload as never)) as JoinReply;
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error.code).toBe('invalid-message');
    expect(reply.error.event).toBe('join');
    expect(reply.error.message).toContain(message);
    const event = await client.inbox.nextPayload<ErrorInfo>('error');
    expect(event).toEqual(reply.error);
    expect(h.server.stats().rejected['invalid-message']).toBe(before + 1);
    unchanged();
  });

  it('refuses a join without an ack function (error event only), and one whose last argument is not a function', async () => {
    client.raw('join', { queue: 'q', players: 2 });
    const e1 = await client.inbox.nextPayload<ErrorInfo>('error');
    expect(e1).toMatchObject({ code: 'invalid-message', event: 'join' });
    expect(e1.message).toContain('acknowledgement');

    client.raw('join', { queue: 'q', players: 2 }, 'not a function');
    expect((await client.inbox.nextPayload<ErrorInfo>('error')).code).toBe('invalid-message');

    client.raw('join');
    expect((await client.inbox.nextPayload<ErrorInfo>('error')).code).toBe('invalid-message');
    unchanged();
  });

  it('refuses extra arguments', async () => {
    const reply = await new Promise<JoinReply>((resolve) => client.raw('join', { queue: 'q', players: 2 }, 'extra', resolve));
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid-message' } });
    if (!reply.ok) expect(reply.error.message).toContain('exactly');
    await client.inbox.next('error');
    unchanged();
  });

  it('answers unknown events with unknown-event and keeps the connection', async () => {
    client.raw('hello', { x: 1 });
    expect(await client.inbox.nextPayload<ErrorInfo>('error')).toMatchObject({ code: 'unknown-event', event: 'hello' });
    await sleep(QUIET_MS / 5);
    expect(client.socket.connected).toBe(true);
    // Still fully usable: a valid join works afterwards.
    expect(await client.join({ queue: 'after', players: 2 })).toEqual({ ok: true, waiting: 1 });
    client.raw('leave');
  });
});
