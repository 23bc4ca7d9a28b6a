import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NetrollError } from '../../src/contracts/errors.ts';
import { type ConnectionInfo, ConnectionTypeReader, connectionTypeConfig, linkType, selectedPair, type StatsEntry } from '../../main/connection-type.ts';

/** A getStats() report with one candidate pair. */
function report(local: Record<string, unknown>, remote: Record<string, unknown>, how: 'transport' | 'nominated' | 'none' = 'transport'): Map<string, StatsEntry> {
  const m = new Map<string, StatsEntry>();
  m.set('L', { id: 'L', type: 'local-candidate', ...local });
  m.set('R', { id: 'R', type: 'remote-candidate', ...remote });
  m.set('P', { id: 'P', type: 'candidate-pair', localCandidateId: 'L', remoteCandidateId: 'R', state: 'succeeded', nominated: how === 'nominated' });
  if (how === 'transport') m.set('T', { id: 'T', type: 'transport', selectedCandidatePairId: 'P' });
  return m;
}

describe('selectedPair', () => {
  it('reads the transport’s selected pair: types, protocol and relay protocol', () => {
    expect(selectedPair(report({ candidateType: 'host', protocol: 'udp' }, { candidateType: 'host' }), 5)).toEqual({
      type: 'host',
      localType: 'host',
      remoteType: 'host',
      protocol: 'udp',
      at: 5,
    });
    expect(selectedPair(report({ candidateType: 'relay', protocol: 'udp', relayProtocol: 'tcp' }, { candidateType: 'srflx' }), 0)).toMatchObject({
      type: 'relay',
      localType: 'relay',
      remoteType: 'srflx',
      relayProtocol: 'tcp',
    });
  });

  it('falls back to a nominated succeeded pair, and says null when there is none', () => {
    expect(selectedPair(report({ candidateType: 'srflx' }, { candidateType: 'host' }, 'nominated'), 0)?.type).toBe('srflx');
    expect(selectedPair(report({ candidateType: 'srflx' }, { candidateType: 'host' }, 'none'), 0)).toBeNull();
    const dangling = report({ candidateType: 'host' }, { candidateType: 'host' });
    dangling.delete('R');
    expect(selectedPair(dangling, 0)).toBeNull();
    expect(selectedPair(new Map(), 0)).toBeNull();
  });

  it('reads an unknown candidate type as host', () => {
    expect(selectedPair(report({ candidateType: 'weird' }, {}), 0)).toMatchObject({ localType: 'host', remoteType: 'host', type: 'host' });
  });

  it('types a pair by its most indirect side', () => {
    expect(linkType('host', 'relay')).toBe('relay');
    expect(linkType('srflx', 'prflx')).toBe('srflx');
    expect(linkType('prflx', 'host')).toBe('prflx');
    expect(linkType('host', 'host')).toBe('host');
  });
});

describe('ConnectionTypeReader', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] }));
  afterEach(() => vi.useRealTimers());

  function reader(prflxSettleMs = 1500) {
    let current: Map<string, StatsEntry> | null = report({ candidateType: 'host' }, { candidateType: 'prflx' });
    const r = new ConnectionTypeReader(() => (current ? Promise.resolve(current) : null), { prflxSettleMs, statsIntervalMs: 2000 });
    const seen: ConnectionInfo[] = [];
    r.on('connection', (i) => seen.push(i));
    return { r, seen, set: (m: Map<string, StatsEntry> | null) => (current = m) };
  }

  it('holds a remote prflx reading back while the remote candidates may still come, and records the signaled one instead', async () => {
    const { r, seen, set } = reader();
    await r.read();
    expect(seen).toEqual([]);
    await vi.advanceTimersByTimeAsync(500);
    expect(seen).toEqual([]); // still re-reading every 100 ms, still prflx
    set(report({ candidateType: 'host' }, { candidateType: 'host' })); // the signaled candidate named it
    r.remoteCandidateAdded();
    await vi.advanceTimersByTimeAsync(0);
    expect(seen.map((i) => i.type)).toEqual(['host']);
    expect(r.history.map((i) => i.remoteType)).toEqual(['host']);
  });

  it('records prflx once the remote side said end-of-candidates', async () => {
    const { r, seen } = reader();
    await r.read();
    expect(seen).toEqual([]);
    r.remoteCandidatesDone();
    await vi.advanceTimersByTimeAsync(0);
    expect(seen.map((i) => i.remoteType)).toEqual(['prflx']);
  });

  it('records prflx after prflxSettleMs when the remote candidates never come', async () => {
    const { r, seen } = reader(600);
    await r.read();
    await vi.advanceTimersByTimeAsync(500);
    expect(seen).toEqual([]);
    await vi.advanceTimersByTimeAsync(200);
    expect(seen.map((i) => i.remoteType)).toEqual(['prflx']);
  });

  it('re-reads every statsIntervalMs once started, recording changes only; nothing while not connected; nothing after close', async () => {
    const { r, seen, set } = reader();
    set(report({ candidateType: 'host' }, { candidateType: 'host' }));
    r.start();
    await vi.advanceTimersByTimeAsync(2000);
    await vi.advanceTimersByTimeAsync(2000);
    expect(seen.map((i) => i.type)).toEqual(['host']);
    set(report({ candidateType: 'relay', relayProtocol: 'udp' }, { candidateType: 'host' }));
    await vi.advanceTimersByTimeAsync(2000);
    expect(seen.map((i) => i.type)).toEqual(['host', 'relay']);
    set(null);
    await vi.advanceTimersByTimeAsync(2000);
    expect(r.current()?.type).toBe('relay');
    set(report({ candidateType: 'srflx' }, { candidateType: 'host' }));
    r.close();
    await vi.advanceTimersByTimeAsync(4000);
    expect(seen).toHaveLength(2);
  });

  it('a new ICE generation holds prflx back again', async () => {
    const { r, seen, set } = reader(300);
    r.remoteCandidatesDone();
    r.newGeneration();
    await r.read();
    expect(seen).toEqual([]);
    set(report({ candidateType: 'host' }, { candidateType: 'host' }));
    await vi.advanceTimersByTimeAsync(150);
    expect(seen.map((i) => i.remoteType)).toEqual(['host']);
  });

  it('refuses bad settings with invalid-option', () => {
    for (const bad of [{ statsIntervalMs: 0 }, { prflxSettleMs: -1 }, { statsIntervalMs: Number.POSITIVE_INFINITY }]) {
      expect(() => connectionTypeConfig(bad)).toThrow(NetrollError);
    }
  });
});
