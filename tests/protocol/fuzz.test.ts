/**
 * Property test: the decoders never throw, whatever the bytes. At least
 * 100,000 random and mutated packets per decoder (packet decoder per message
 * type, and the input-log decoder); every packet that does decode must
 * re-encode to a packet that decodes to the same message.
 */
import { describe, expect, it } from 'vitest';
import { decodeInputLog, encodeInputLog } from '../../src/engine/input-log.ts';
import { decode, encode } from '../../src/protocol/codec.ts';
import { type Message, MessageType } from '../../src/protocol/messages.ts';
import { Prng } from '../../src/util/prng.ts';

const PER_DECODER = 100_000;

const seeds: Record<string, Message> = {
  input: {
    type: MessageType.Input,
    tag: 9,
    startFrame: 77,
    frameCount: 4,
    players: [0, 2],
    inputSize: 2,
    ack: 70,
    senderFrame: 79,
    inputs: new Uint8Array(16).map((_, i) => i),
  },
  inputExtensions: {
    type: MessageType.Input,
    tag: 200,
    startFrame: 1200,
    frameCount: 3,
    players: [1],
    inputSize: 1,
    ack: 1201,
    senderFrame: 1202,
    inputs: Uint8Array.of(1, 2, 3),
    ping: 77,
    pong: 78,
    hash: { frame: 1200, hash: 0xabcdef01 },
    hashAcks: [1140, 1200],
    leaves: [{ player: 3, frozenFrame: 1190, heldFrame: 1195 }],
  },
  ping: { type: MessageType.Ping, tag: 1, id: 123456 },
  pong: { type: MessageType.Pong, tag: 1, id: 654321 },
  hash: { type: MessageType.StateHash, tag: 1, frame: 600, hash: 0xcafebabe },
  close: { type: MessageType.Close, tag: 1, reason: 2, detail: 'peer timed out' },
  resync: { type: MessageType.Resync, tag: 1, frame: 9, id: 1, index: 0, count: 1, total: 40, checksum: 7, data: new Uint8Array(40).fill(3) },
  pause: { type: MessageType.Pause, tag: 1, kind: 1, id: 3, frame: 1200, reason: 1, final: false },
  presence: { type: MessageType.Presence, tag: 1, kind: 'state', seq: 4, focused: false },
  hello: { type: MessageType.Hello, tag: 1, joining: false, absentMask: 0b0110, since: 1234 },
};

function mutate(rng: Prng, base: Uint8Array): Uint8Array {
  const kind = rng.nextInt(6);
  if (kind === 0) {
    // fully random bytes, random length (biased to short)
    const n = rng.nextInt(rng.nextInt(4) === 0 ? 300 : 24);
    return new Uint8Array(n).map(() => rng.nextU32() & 0xff);
  }
  let out = base.slice();
  if (kind === 1 || kind === 5) {
    const flips = 1 + rng.nextInt(4);
    for (let i = 0; i < flips && out.length > 0; i++) out[rng.nextInt(out.length)]! ^= 1 << rng.nextInt(8);
  }
  if (kind === 2) out = out.subarray(0, rng.nextInt(out.length + 1));
  if (kind === 3) {
    const extra = new Uint8Array(1 + rng.nextInt(16)).map(() => rng.nextU32() & 0xff);
    const grown = new Uint8Array(out.length + extra.length);
    grown.set(out);
    grown.set(extra, out.length);
    out = grown;
  }
  if (kind === 4 && out.length > 0) out[rng.nextInt(out.length)] = rng.nextU32() & 0xff;
  if (kind === 5) {
    // unaligned view into a larger buffer
    const buf = new Uint8Array(out.length + 3);
    buf.set(out, 3);
    out = buf.subarray(3);
  }
  return out;
}

const toPlain = (m: Message) => JSON.stringify(m, (_k: string, v: unknown): unknown => (v instanceof Uint8Array ? [...v] : v));

describe('decoders never throw', () => {
  for (const [name, message] of Object.entries(seeds)) {
    it(`packet decoder, seeded from ${name}: ${PER_DECODER} mutated packets`, () => {
      const rng = new Prng(name.length * 7919 + 1);
      const base = encode(message);
      const outcomes: Record<string, number> = {};
      let inputsCompared = 0;
      for (let i = 0; i < PER_DECODER; i++) {
        const bytes = mutate(rng, base);
        let r;
        try {
          r = decode(bytes);
        } catch (e) {
          throw new Error(`decode threw on [${[...bytes].join(',')}]: ${String(e)}`);
        }
        const key = r.ok ? 'ok' : r.code;
        outcomes[key] = (outcomes[key] ?? 0) + 1;
        if (r.ok) {
          const again = decode(encode(r.message));
          expect(again.ok).toBe(true);
          if (again.ok) expect(toPlain(again.message)).toBe(toPlain(r.message));
          if (r.message.type === MessageType.Input) inputsCompared++;
        }
      }
      // The mutations must reach both sides: valid packets and several error kinds.
      expect(outcomes.ok ?? 0).toBeGreaterThan(100);
      expect(Object.keys(outcomes).length).toBeGreaterThanOrEqual(4);
      if (message.type === MessageType.Input) expect(inputsCompared).toBeGreaterThan(100);
    });
  }

  it(`input-log decoder: ${PER_DECODER} mutated logs`, () => {
    const rng = new Prng(99);
    const base = encodeInputLog({
      spec: 'arena@1',
      seed: 5,
      players: 2,
      inputSize: 1,
      frames: 10,
      inputs: new Uint8Array(20).fill(1),
      departures: [{ player: 1, frame: 6 }],
    });
    let ok = 0;
    for (let i = 0; i < PER_DECODER; i++) {
      const bytes = mutate(rng, base);
      const r = decodeInputLog(bytes);
      if (r.ok) {
        ok++;
        expect(r.log.inputs.length).toBe(r.log.frames * r.log.players * r.log.inputSize);
      } else {
        expect(r.error.code).toBe('bad-input-log');
        expect(r.error.message.length).toBeGreaterThan(0);
      }
    }
    expect(ok).toBeGreaterThan(100);
  });
});
