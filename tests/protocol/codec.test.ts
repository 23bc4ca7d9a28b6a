import { describe, expect, it } from 'vitest';
import { decode, encode, encodeInput, EncodeError, INPUT_HEADER_BYTES } from '../../src/protocol/codec.ts';
import { type Message, MessageType, NO_ACK, PROTOCOL_VERSION } from '../../src/protocol/messages.ts';

function input(overrides: Partial<Parameters<typeof encodeInput>[0]> = {}) {
  return {
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
    expect(code(new Uint8Array([1]))).toBe('truncated');
    expect(code(Uint8Array.from([9, ...good.subarray(1)]))).toBe('bad-version');
    expect(code(Uint8Array.from([1, 99]))).toBe('unknown-type');
    expect(code(good.subarray(0, 15))).toBe('truncated');
    expect(code(Uint8Array.from([...good, 0]))).toBe('trailing-bytes');
    const noPlayers = good.slice();
    noPlayers[2] = 0;
    expect(code(noPlayers)).toBe('bad-field');
    const zeroFrames = good.slice();
    zeroFrames[8] = 0;
    expect(code(zeroFrames)).toBe('bad-field');
    expect(INPUT_HEADER_BYTES).toBe(13);
  });
});

describe('codec: other messages', () => {
  const samples: Message[] = [
    { type: MessageType.Ping, id: 0xdeadbeef },
    { type: MessageType.Pong, id: 7 },
    { type: MessageType.StateHash, frame: 600, hash: 0x12345678 },
    { type: MessageType.Close, reason: 1, detail: 'desync at frame 600 — ünïcode' },
    { type: MessageType.Resync, frame: 42, snapshot: new Uint8Array([5, 6, 7, 8]) },
  ];
  for (const msg of samples) {
    it(`round-trips type ${msg.type}`, () => {
      const r = decode(encode(msg));
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const normalized = JSON.parse(JSON.stringify(r.message, (_k, v) => (v instanceof Uint8Array ? [...v] : v)));
      const expected = JSON.parse(JSON.stringify(msg, (_k, v) => (v instanceof Uint8Array ? [...v] : v)));
      expect(normalized).toEqual(expected);
    });
  }

  it('truncates a Close detail to 255 bytes', () => {
    const r = decode(encode({ type: MessageType.Close, reason: 0, detail: 'x'.repeat(1000) }));
    expect(r.ok && r.message.type === MessageType.Close && r.message.detail.length).toBe(255);
  });

  it('sizes: ping 6, hash 10 bytes', () => {
    expect(encode({ type: MessageType.Ping, id: 1 }).length).toBe(6);
    expect(encode({ type: MessageType.StateHash, frame: 1, hash: 2 }).length).toBe(10);
  });
});
