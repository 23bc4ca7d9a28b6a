import { describe, expect, it } from 'vitest';
import { decode, encode, encodeInput, EncodeError, INPUT_HEADER_BYTES } from '../../src/protocol/codec.ts';
import { type Message, MessageType, NO_ACK, PROTOCOL_VERSION } from '../../src/protocol/messages.ts';

function input(overrides: Partial<Parameters<typeof encodeInput>[0]> = {}) {
  return {
    tag: 0xa7,
    startFrame: 1000,
    frameCount: 3,
    players: [1],
    inputSize: 1,
    ack: 1001,
    senderFrame: 1000,
    inputs: new Uint8Array([1, 2, 3]),
    ...overrides,
  };
}

describe('codec: Input', () => {
  it('encodes 2 players, 1-byte input, 3 frames in at most 16 bytes', () => {
    const bytes = encodeInput(input());
    expect(bytes.length).toBe(16);
    expect(bytes[0]).toBe(PROTOCOL_VERSION);
    expect(bytes[1]).toBe(MessageType.Input);
    expect(bytes[2]).toBe(0xa7);
  });

  it('carries ping, pong, a hash sample, hash acks and leave notices, each only when present', () => {
    const plain = encodeInput(input()).length;
    const full = input({
      ping: 0xfffffffe,
      pong: 5,
      hash: { frame: 600, hash: 0xdeadbeef },
      hashAcks: [540, 600],
      leaves: [{ player: 2, frozenFrame: -1, heldFrame: 77 }],
    });
    const bytes = encodeInput(full);
    expect(bytes.length).toBe(plain + 4 + 4 + 8 + 1 + 2 * 5 + 10);
    const r = decode(bytes);
    if (!r.ok || r.message.type !== MessageType.Input) throw new Error('not an input');
    expect(r.message.ping).toBe(0xfffffffe);
    expect(r.message.pong).toBe(5);
    expect(r.message.hash).toEqual({ frame: 600, hash: 0xdeadbeef });
    expect(r.message.hashAcks).toEqual([540, 600]);
    expect(r.message.leaves).toEqual([{ player: 2, frozenFrame: -1, heldFrame: 77 }]);
    const onlyHash = decode(encodeInput(input({ hash: { frame: 60, hash: 1 } })));
    if (!onlyHash.ok || onlyHash.message.type !== MessageType.Input) throw new Error('not an input');
    expect(onlyHash.message.ping).toBeUndefined();
    expect(onlyHash.message.hashAcks).toBeUndefined();
    expect(encodeInput(input({ hash: { frame: 60, hash: 1 } })).length).toBe(plain + 8);
  });

  it('rejects bad extensions with a typed error', () => {
    const bytes = encodeInput(input({ hashAcks: [1] }));
    const badKind = bytes.slice();
    badKind[INPUT_HEADER_BYTES + 3 + 1] = 9; // the list item's kind
    const r = decode(badKind);
    expect(r.ok ? 'ok' : r.code).toBe('bad-extension');
    const badCount = bytes.slice();
    badCount[INPUT_HEADER_BYTES + 3] = 0;
    const r2 = decode(badCount);
    expect(r2.ok ? 'ok' : r2.code).toBe('bad-extension');
    expect(() => encodeInput(input({ hashAcks: new Array(9).fill(1) }))).toThrow(EncodeError);
  });

  it('round-trips every field', () => {
    const msg = input({ players: [0, 3, 7], inputSize: 2, frameCount: 2, inputs: new Uint8Array(12).map((_, i) => i * 17), ack: 990, senderFrame: 1005 });
    const r = decode(encodeInput(msg));
    expect(r.ok).toBe(true);
    if (!r.ok || r.message.type !== MessageType.Input) throw new Error('not an input');
    expect(r.message.startFrame).toBe(1000);
    expect(r.message.players).toEqual([0, 3, 7]);
    expect(r.message.inputSize).toBe(2);
    expect(r.message.frameCount).toBe(2);
    expect(r.message.ack).toBe(990);
    expect(r.message.senderFrame).toBe(1005);
    expect([...r.message.inputs]).toEqual([...msg.inputs]);
  });

  it('carries "no ack" and clamps acks downwards only', () => {
    const noAck = decode(encodeInput(input({ ack: NO_ACK })));
    expect(noAck.ok && noAck.message.type === MessageType.Input && noAck.message.ack).toBe(NO_ACK);
    const far = decode(encodeInput(input({ startFrame: 0, ack: 100_000 })));
    expect(far.ok && far.message.type === MessageType.Input && far.message.ack).toBe(32767);
    const behind = decode(encodeInput(input({ startFrame: 100_000, ack: 10 })));
    expect(behind.ok && behind.message.type === MessageType.Input && behind.message.ack).toBe(NO_ACK);
  });

  it('handles frames near the uint32 limit', () => {
    const r = decode(encodeInput(input({ startFrame: 0xffff_fff0, ack: 0xffff_fff1, senderFrame: 0xffff_fff2 })));
    expect(r.ok && r.message.type === MessageType.Input && r.message.startFrame).toBe(0xffff_fff0);
  });

  it('refuses to encode malformed messages with a clear error', () => {
    expect(() => encodeInput(input({ players: [] }))).toThrow(EncodeError);
    expect(() => encodeInput(input({ players: [2, 1] }))).toThrow(/ascending/);
    expect(() => encodeInput(input({ inputSize: 17 }))).toThrow(/inputSize/);
    expect(() => encodeInput(input({ frameCount: 0 }))).toThrow(/frameCount/);
    expect(() => encodeInput(input({ inputs: new Uint8Array(2) }))).toThrow(/3 bytes/);
    expect(() => encodeInput(input({ startFrame: -1 }))).toThrow(/uint32/);
  });

  it('returns typed errors for bad packets', () => {
    const good = encodeInput(input());
    const code = (b: Uint8Array) => {
      const r = decode(b);
      return r.ok ? 'ok' : r.code;
    };
    expect(code(new Uint8Array(0))).toBe('empty');
    expect(code(new Uint8Array([2]))).toBe('truncated');
    expect(code(Uint8Array.from([9, ...good.subarray(1)]))).toBe('bad-version');
    expect(code(Uint8Array.from([1, ...good.subarray(1)]))).toBe('bad-version'); // protocol 1 packets
    expect(code(Uint8Array.from([PROTOCOL_VERSION, 99, 0]))).toBe('unknown-type');
    expect(code(good.subarray(0, 15))).toBe('truncated');
    expect(code(Uint8Array.from([...good, 0]))).toBe('trailing-bytes');
    const noPlayers = good.slice();
    noPlayers[3] = 0;
    expect(code(noPlayers)).toBe('bad-field');
    const zeroFrames = good.slice();
    zeroFrames[9] = 0;
    expect(code(zeroFrames)).toBe('bad-field');
    expect(INPUT_HEADER_BYTES).toBe(13);
  });
});

describe('codec: other messages', () => {
  const samples: Message[] = [
    { type: MessageType.Ping, tag: 1, id: 0xdeadbeef },
    { type: MessageType.Pong, tag: 2, id: 7 },
    { type: MessageType.StateHash, tag: 3, frame: 600, hash: 0x12345678 },
    { type: MessageType.Close, tag: 4, reason: 1, detail: 'desync at frame 600 — ünïcode' },
    { type: MessageType.Resync, tag: 255, frame: 42, id: 3, index: 1, count: 2, total: 9, checksum: 0xfeedbeef, data: new Uint8Array([5, 6, 7, 8]) },
    { type: MessageType.Pause, tag: 9, kind: 1, id: 65535, frame: 0xfffffff0, reason: 4, final: true },
    { type: MessageType.Pause, tag: 9, kind: 4, id: 1, frame: 0, reason: 0, final: false },
    { type: MessageType.Presence, tag: 3, kind: 'state', seq: 65535, focused: false },
    { type: MessageType.Presence, tag: 3, kind: 'ack', seq: 0, focused: true },
  ];
  for (const msg of samples) {
    it(`round-trips type ${msg.type}`, () => {
      const r = decode(encode(msg));
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const plain = (_k: string, v: unknown): unknown => (v instanceof Uint8Array ? [...v] : v);
      const normalized: unknown = JSON.parse(JSON.stringify(r.message, plain));
      const expected: unknown = JSON.parse(JSON.stringify(msg, plain));
      expect(normalized).toEqual(expected);
    });
  }

  it('truncates a Close detail to 255 bytes', () => {
    const r = decode(encode({ type: MessageType.Close, tag: 0, reason: 0, detail: 'x'.repeat(1000) }));
    expect(r.ok && r.message.type === MessageType.Close && r.message.detail.length).toBe(255);
  });

  it('sizes: ping 7, hash 11 bytes', () => {
    expect(encode({ type: MessageType.Ping, tag: 0, id: 1 }).length).toBe(7);
    expect(encode({ type: MessageType.StateHash, tag: 0, frame: 1, hash: 2 }).length).toBe(11);
  });
});

describe('codec: rejoin messages', () => {
  it('round-trips return notices next to hash acks and leave notices', () => {
    const msg = { ...input(), hashAcks: [5], leaves: [{ player: 2, frozenFrame: 9, heldFrame: 10 }], returns: [{ player: 3, frame: 1234 }, { player: 0, frame: 7 }] };
    const d = decode(encodeInput(msg));
    if (!d.ok || d.message.type !== MessageType.Input) throw new Error('decode failed');
    expect(d.message.returns).toEqual(msg.returns);
    expect(d.message.leaves).toEqual(msg.leaves);
    expect(d.message.hashAcks).toEqual([5]);
    expect(() => encodeInput({ ...input(), returns: Array.from({ length: 8 }, (_, i) => ({ player: 1, frame: i })) })).toThrow(EncodeError);
    expect(() => encodeInput({ ...input(), returns: [{ player: 8, frame: 1 }] })).toThrow(EncodeError);
  });

  it('a return notice naming player 8+ or cut short is a typed error', () => {
    const b = encodeInput({ ...input(), returns: [{ player: 3, frame: 1 }] });
    const bad = b.slice();
    bad[bad.length - 5] = 9;
    expect(decode(bad)).toMatchObject({ ok: false, code: 'bad-extension' });
    expect(decode(b.subarray(0, b.length - 2))).toMatchObject({ ok: false, code: 'truncated' });
  });

  it('Hello and Transfer round-trip; bad flags and lengths are typed errors', () => {
    const hello: Message = { type: MessageType.Hello, tag: 4, joining: true, absentMask: 0b1010, since: 0 };
    expect(decode(encode(hello))).toEqual({ ok: true, message: hello });
    const claim: Message = { type: MessageType.Hello, tag: 4, joining: false, absentMask: 0b0001, since: 4_000_000_000 };
    expect(decode(encode(claim))).toEqual({ ok: true, message: claim });
    expect(() => encode({ ...claim, since: -1 })).toThrow();
    const h = encode(hello);
    expect(h.length).toBe(9);
    expect(decode(h.subarray(0, 5))).toMatchObject({ ok: false, code: 'truncated' });
    const flags = h.slice();
    flags[3] = 2;
    expect(decode(flags)).toMatchObject({ ok: false, code: 'bad-field' });
    expect(decode(h.subarray(0, 4))).toMatchObject({ ok: false, code: 'truncated' });
    const t: Message = { type: MessageType.Transfer, tag: 4, frame: 90, id: 2, index: 1, count: 3, total: 40_000, checksum: 77, data: new Uint8Array([1, 2, 3]) };
    expect(decode(encode(t))).toEqual({ ok: true, message: t });
    const zero = encode(t).slice();
    zero[11] = 0;
    zero[12] = 0;
    expect(decode(zero)).toMatchObject({ ok: false, code: 'bad-field' });
  });
});
