/**
 * One node's lease on a cluster-wide per-IP bucket, with the store's answers
 * given by hand (the Redis side is tested in ip-budgets.test.ts): what it
 * lets through while asking, after a grant, when the bucket is empty and
 * when the store fails.
 */
import { describe, expect, it } from 'vitest';
import { FAIL_OPEN_MS, LeasedBucket, leaseSize } from '../../../server/cluster/ip-leases.ts';

/** A store whose answers the test gives. */
function store() {
  const asks: { want: number; resolve: (got: number) => void; reject: (err: Error) => void }[] = [];
  const ask = (want: number): Promise<number> => new Promise<number>((resolve, reject) => asks.push({ want, resolve, reject }));
  return { asks, ask };
}
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('LeasedBucket', () => {
  const limit = { burst: 160, perSecond: 10 };
  it('leases a sixteenth of the burst', () => {
    expect(leaseSize(limit)).toBe(10);
    expect(leaseSize({ burst: 3, perSecond: 1 })).toBe(1);
  });

  it('runs at most one lease ahead while asking, then spends what was granted', async () => {
    const t = 0;
    const s = store();
    const b = new LeasedBucket(limit, s.ask, () => t);
    // credit: one lease (10) while the first ask is out
    for (let i = 0; i < 10; i++) expect(b.take(1, t)).toBe(true);
    expect(b.take(1, t)).toBe(false);
    expect(s.asks).toHaveLength(1);
    expect(s.asks[0]!.want).toBe(10);
    s.asks[0]!.resolve(10);
    await settle();
    // the grant repaid the credit; with nothing left it asks again at once (up to a lease, repaying nothing)
    expect(s.asks).toHaveLength(2);
    expect(s.asks[1]!.want).toBe(10);
    s.asks[1]!.resolve(10);
    await settle();
    for (let i = 0; i < 10; i++) expect(b.take(1, t)).toBe(true);
    // at half a lease left it asked for the next one: meanwhile, credit again
    expect(s.asks).toHaveLength(3);
    expect(b.take(1, t)).toBe(true);
  });

  it('an empty cluster-wide bucket refuses until a lease has had time to refill', async () => {
    let t = 0;
    const s = store();
    const b = new LeasedBucket(limit, s.ask, () => t);
    expect(b.take(10, t)).toBe(true); // on credit
    s.asks[0]!.resolve(0); // the other nodes spent it all
    await settle();
    expect(b.take(1, t)).toBe(false);
    expect(s.asks).toHaveLength(1); // no request per message while empty
    t += (10 / limit.perSecond) * 1000; // a lease's worth refilled
    expect(b.take(1, t)).toBe(false); // still 10 owed: asks again, refuses on full credit
    expect(s.asks).toHaveLength(2);
    expect(s.asks[1]!.want).toBe(20);
    s.asks[1]!.resolve(20);
    await settle();
    expect(b.take(1, t)).toBe(true);
  });

  it('fails open while the store does not answer, then asks again', async () => {
    let t = 0;
    const s = store();
    const b = new LeasedBucket(limit, s.ask, () => t);
    expect(b.take(10, t)).toBe(true);
    expect(b.take(1, t)).toBe(false); // asking: credit spent
    t = 2000;
    s.asks[0]!.reject(new Error('Command timed out'));
    await settle();
    // open: the per-node budget alone applies
    for (let i = 0; i < 100; i++) expect(b.take(1, t)).toBe(true);
    expect(s.asks).toHaveLength(1);
    t += FAIL_OPEN_MS;
    expect(b.take(1, t)).toBe(false); // closed again, owing: asks
    expect(s.asks).toHaveLength(2);
  });
});
