/** Resync chunks: split, reassembled, checksummed; bad chunks are refused, never thrown. */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.ts';
import { RESYNC_CHUNK_BYTES, ResyncAssembler, resyncChunks } from '../../src/engine/resync.ts';
import { decode, encode } from '../../src/protocol/codec.ts';
import { MessageType } from '../../src/protocol/messages.ts';
import { counterGame } from './harness.ts';

const snapshot = (n: number) => new Uint8Array(n).map((_, i) => (i * 131) & 0xff);

describe('resync chunks', () => {
  it('a 40 KB snapshot travels as 3 chunks through the codec and reassembles exactly', () => {
    const snap = snapshot(40_000);
    const chunks = resyncChunks(7, 1, 600, snap);
    expect(chunks).toHaveLength(Math.ceil(40_000 / RESYNC_CHUNK_BYTES));
    const a = new ResyncAssembler();
    const steps = chunks.map((c) => {
      const d = decode(encode(c));
      if (!d.ok || d.message.type !== MessageType.Resync) throw new Error('not a resync');
      return a.take(d.message);
    });
    const last = steps.at(-1)!;
    expect(steps.slice(0, -1).every((s) => s.kind === 'partial')).toBe(true);
    if (last.kind !== 'complete') throw new Error(`expected complete, got ${last.kind}`);
    expect(last.frame).toBe(600);
    expect(Buffer.compare(last.snapshot, snap)).toBe(0);
  });

  it('refuses a corrupted chunk (checksum), a wrong-sized chunk and an oversized snapshot', () => {
    const snap = snapshot(20_000);
    const chunks = resyncChunks(7, 2, 60, snap);
    const a = new ResyncAssembler();
    const bad = { ...chunks[1]!, data: chunks[1]!.data.slice() };
    bad.data[0]! ^= 0xff;
    expect(a.take(chunks[0]!).kind).toBe('partial');
    expect(a.take(bad).kind).toBe('bad');
    expect(a.take({ ...chunks[0]!, data: chunks[0]!.data.subarray(1) }).kind).toBe('bad');
    expect(a.take({ ...chunks[0]!, total: 0xffff_fff0, count: 1 }).kind).toBe('bad');
  });

  it('the engine counts resync chunks from a peer that is not the authority, and any on the unreliable channel', () => {
    const game = counterGame();
    const e = new Engine({ game, players: 3, localPlayer: 1, seed: 1, send: () => {}, sendReliable: () => {}, desyncPolicy: 'resync' });
    const [chunk] = resyncChunks(e.sessionTag, 1, 5, snapshot(100));
    e.receiveReliable(2, encode(chunk!)); // peer 2 is not the lowest-index player
    e.receive(0, encode(chunk!)); // right peer, wrong channel
    e.tick();
    expect(e.stats().malformedByReason['unexpected-type']).toBe(2);
    expect(() => new Engine({ game, players: 2, localPlayer: 0, seed: 1, send: () => {}, desyncPolicy: 'resync' })).toThrow(
      expect.objectContaining({ code: 'invalid-option' }),
    );
  });
});
