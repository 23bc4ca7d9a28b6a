/** State transfer: chunks allocate as they arrive, payloads are checked, a hostile peer's transfer is counted and dropped. */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.ts';
import { MAX_RESYNC_BYTES, ResyncAssembler, resyncChunks } from '../../src/engine/resync.ts';
import {
  CHUNK_BYTES,
  ChunkAssembler,
  decodeTransfer,
  encodeTransfer,
  splitChunks,
  type TransferState,
} from '../../src/engine/state-transfer.ts';
import { decode, encode } from '../../src/protocol/codec.ts';
import { MessageType } from '../../src/protocol/messages.ts';
import { counterGame } from './harness.ts';

const bytes = (n: number, k = 131) => new Uint8Array(n).map((_, i) => (i * k) & 0xff);

function transfer(over: Partial<TransferState> = {}): TransferState {
  return {
    player: 1,
    players: 2,
    inputSize: 1,
    frame: 10,
    returnFrame: 40,
    endFrame: undefined,
    departures: [],
    absences: [{ player: 1, from: 5, to: 40 }],
    snapshot: bytes(16),
    inputs: bytes(20),
    tails: [{ player: 1, inputs: new Uint8Array(30) }],
    pauses: [{ player: 0, id: 1, frame: 8, reason: 'absent', final: false }],
    ...over,
  };
}

describe('chunk assembler', () => {
  it('a first chunk announcing a 64 MiB snapshot holds one chunk of memory, not 64 MiB (resync and transfer)', () => {
    const huge = MAX_RESYNC_BYTES;
    const first = { id: 1, frame: 9, index: 0, count: Math.ceil(huge / CHUNK_BYTES), total: huge, checksum: 1, data: bytes(CHUNK_BYTES) };
    const r = new ResyncAssembler();
    expect(r.take({ type: 6, tag: 0, ...first }).kind).toBe('partial');
    expect(r.bufferedBytes).toBe(CHUNK_BYTES);
    const a = new ChunkAssembler(huge);
    expect(a.take(first).kind).toBe('partial');
    expect(a.bufferedBytes).toBe(CHUNK_BYTES);
    // Over the limit: refused at the first chunk, nothing held.
    const small = new ChunkAssembler(1 << 20);
    const step = small.take(first);
    expect(step.kind).toBe('bad');
    expect(small.bufferedBytes).toBe(0);
  });

  it('a 64 KiB payload travels in 4 chunks, out of order and with a duplicate, and reassembles exactly', () => {
    const payload = bytes(64 * 1024, 7);
    const chunks = splitChunks(3, 77, payload);
    expect(chunks).toHaveLength(4);
    const a = new ChunkAssembler(1 << 20);
    expect(a.take(chunks[2]!).kind).toBe('partial');
    expect(a.take(chunks[0]!).kind).toBe('partial');
    expect(a.take(chunks[0]!).kind).toBe('partial');
    expect(a.take(chunks[3]!).kind).toBe('partial');
    const last = a.take(chunks[1]!);
    if (last.kind !== 'complete') throw new Error(last.kind);
    expect(last.frame).toBe(77);
    expect(Buffer.compare(last.bytes, payload)).toBe(0);
    expect(a.bufferedBytes).toBe(0);
  });

  it('refuses corruption (checksum), truncation, a wrong chunk count and an index out of range', () => {
    const chunks = splitChunks(1, 5, bytes(40_000));
    const a = new ChunkAssembler(1 << 20);
    const bad = { ...chunks[1]!, data: chunks[1]!.data.slice() };
    bad.data[3]! ^= 1;
    a.take(chunks[0]!);
    a.take(bad);
    const step = a.take(chunks[2]!);
    expect(step.kind).toBe('bad');
    expect(step.kind === 'bad' && step.detail).toContain('checksum');
    expect(a.take({ ...chunks[0]!, data: chunks[0]!.data.subarray(1) }).kind).toBe('bad');
    expect(a.take({ ...chunks[0]!, count: 9 }).kind).toBe('bad');
    expect(a.take({ ...chunks[0]!, index: 7 }).kind).toBe('bad');
    expect(a.take({ ...chunks[0]!, total: -1 }).kind).toBe('bad');
  });

  it('resync chunks go through the same layer and the codec', () => {
    const snap = bytes(40_000);
    const chunks = resyncChunks(7, 1, 600, snap).map((c) => decode(encode(c)));
    const a = new ResyncAssembler();
    let last;
    for (const d of chunks) {
      if (!d.ok || d.message.type !== MessageType.Resync) throw new Error('not a resync');
      last = a.take(d.message);
    }
    if (last?.kind !== 'complete') throw new Error('incomplete');
    expect(Buffer.compare(last.snapshot, snap)).toBe(0);
  });
});

describe('transfer payload', () => {
  const expectFor = { player: 1, players: 2, inputSize: 1 };

  it('round-trips', () => {
    const t = transfer({ departures: [{ player: 0, frame: 3 }], endFrame: 900 });
    const r = decodeTransfer(encodeTransfer(t), expectFor);
    if (!r.ok) throw new Error(r.detail);
    expect(r.state).toEqual(t);
  });

  it('refuses every truncation and trailing byte, another player or game shape, and inconsistent fields, without throwing', () => {
    const good = encodeTransfer(transfer());
    for (let n = 0; n < good.length; n++) expect(decodeTransfer(good.subarray(0, n), expectFor).ok).toBe(false);
    const longer = new Uint8Array(good.length + 1);
    longer.set(good);
    expect(decodeTransfer(longer, expectFor).ok).toBe(false);
    expect(decodeTransfer(good, { ...expectFor, player: 0 }).ok).toBe(false);
    expect(decodeTransfer(good, { ...expectFor, inputSize: 2 }).ok).toBe(false);
    expect(decodeTransfer(encodeTransfer(transfer({ returnFrame: 5 })), expectFor).ok).toBe(false);
    expect(decodeTransfer(encodeTransfer(transfer({ absences: [{ player: 1, from: 5, to: undefined }] })), expectFor).ok).toBe(false);
    expect(decodeTransfer(encodeTransfer(transfer({ absences: [{ player: 0, from: 9, to: 3 }] })), expectFor).ok).toBe(false);
    // Random byte flips: a result or an error, never an exception.
    let seed = 1;
    for (let i = 0; i < 5000; i++) {
      const b = good.slice();
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      b[seed % b.length] = seed >>> 24;
      expect(() => decodeTransfer(b, expectFor)).not.toThrow();
    }
  });
});

describe('a hostile peer sending a joiner transfers', () => {
  const game = counterGame();
  const joiner = () => new Engine({ game, players: 2, localPlayer: 1, seed: 3, send: () => {}, sendReliable: () => {}, joining: true, maxTransferBytes: 1 << 20 });
  const send = (e: Engine<unknown>, id: number, payload: Uint8Array, mutate?: (bytes: Uint8Array, i: number) => Uint8Array) =>
    splitChunks(id, 10, payload).forEach((c, i) => {
      const b = encode({ type: MessageType.Transfer, tag: e.sessionTag, ...c });
      e.receiveReliable(0, mutate ? mutate(b, i) : b);
    });
  it('corrupted, truncated, oversized and ill-formed transfers are counted as bad-transfer; the engine keeps asking; a good one then loads', () => {
    const e = joiner() as Engine<unknown>;
    // A corrupted chunk: the checksum fails.
    const payload = encodeTransfer(transfer({ snapshot: new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0]) }));
    send(e, 1, payload, (b) => {
      const c = b.slice();
      c[c.length - 1]! ^= 0xff;
      return c;
    });
    // A payload that is not a transfer (checksummed fine).
    send(e, 2, bytes(100));
    // An oversized announcement.
    e.receiveReliable(0, encode({ type: MessageType.Transfer, tag: e.sessionTag, id: 3, frame: 1, index: 0, count: 128, total: 2 << 20, checksum: 0, data: bytes(CHUNK_BYTES) }));
    // A truncated chunk (the codec reports it).
    e.receiveReliable(0, encode({ type: MessageType.Transfer, tag: e.sessionTag, id: 4, frame: 1, index: 0, count: 1, total: 10, checksum: 0, data: bytes(10) }).subarray(0, 15));
    expect(() => e.tick()).not.toThrow();
    expect(e.joining).toBe(true);
    const s = e.stats();
    expect(s.malformedByReason['bad-transfer']).toBe(3);
    expect(s.malformedByReason.truncated).toBe(1);
    expect(s.transfersLoaded).toBe(0);
    // A transfer on the unreliable channel is not taken either.
    e.receive(0, encode({ type: MessageType.Transfer, tag: e.sessionTag, ...splitChunks(5, 10, payload)[0]! }));
    e.tick();
    expect(e.joining).toBe(true);
    // A good one loads.
    send(e, 6, payload);
    e.tick();
    expect(e.joining).toBe(false);
    expect(e.frame).toBe(10);
    expect(e.confirmedFrame).toBe(9);
    expect(e.stats().transfersLoaded).toBe(1);
  });

  it('a live (not joining) engine counts transfer chunks it never asked for', () => {
    const e = new Engine({ game, players: 2, localPlayer: 1, seed: 3, send: () => {}, sendReliable: () => {}, rejoinable: true });
    send(e as Engine<unknown>, 1, encodeTransfer(transfer()));
    e.tick();
    expect(e.stats().malformedByReason['unexpected-type']).toBe(1);
    expect(e.stats().transfersLoaded).toBe(0);
  });
});
