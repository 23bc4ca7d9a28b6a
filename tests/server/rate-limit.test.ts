import { describe, expect, it } from 'vitest';
import type { ErrorInfo } from '../../src/signaling/events.ts';
import { harnessPerTest, QUIET_MS, joinAll, sleep } from './helpers.ts';

describe('rate limits (real server)', () => {
  const h = harnessPerTest();

  it('drops relay floods past the burst, counts every drop and notifies once', async () => {
    await h.start({
      rateLimits: { join: { burst: 5, perSecond: 1 }, signal: { burst: 5, perSecond: 0.01 }, relay: { burst: 5, perSecond: 0.01 } },
    });
    const [a, b] = await h.connectMany(2);
    await joinAll([a!, b!], { queue: 'q', players: 2 });
    for (let i = 0; i < 8; i++) a!.socket.emit('relay', 1, new Uint8Array([i]));
    const error = await a!.inbox.nextPayload<ErrorInfo>('error');
    expect(error).toMatchObject({ code: 'rate-limited', event: 'relay' });
    await sleep(QUIET_MS);
    expect(b!.inbox.count('relay')).toBe(5);
    expect(a!.inbox.count('error')).toBe(1);
    expect(h.server.stats().rejected).toEqual({ 'rate-limited': 3 });
    expect(h.server.stats().relayedPackets).toBe(5);
  });

  it('answers a rate-limited join through its ack', async () => {
    await h.start({
      rateLimits: { join: { burst: 1, perSecond: 0.01 }, signal: { burst: 5, perSecond: 1 }, relay: { burst: 5, perSecond: 1 } },
    });
    const [a] = await h.connectMany(1);
    expect((await a!.join({ room: 'bad room', players: 2 })).ok).toBe(false);
    expect(await a!.join({ queue: 'q', players: 2 })).toMatchObject({ ok: false, error: { code: 'rate-limited' } });
    expect(h.server.stats().waiting).toBe(0);
  });
});
