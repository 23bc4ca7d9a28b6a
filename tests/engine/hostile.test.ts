/**
 * Property test: a hostile peer sending WELL-FORMED packets (valid version,
 * session tag and header; any frames, counts, acks, sender frames, players
 * carried, hash samples, acks and departure notices) cannot grow an honest
 * engine's memory past the stated bounds, cannot change the honest players'
 * inputs, cannot make honest peers disagree or drop an honest player, and
 * never makes the engine throw.
 *
 * Setup: a 3-player session. Players 0 and 1 are honest engines on a
 * perfect link. Player 2 is hostile but consistent: each tick it sends the
 * same generated packets to both (so what it says about itself is the same
 * for both, and they must stay identical).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OUTBOX_LIMIT, PENDING_LIMIT } from '../../src/engine/desync-detector.ts';
import { Engine } from '../../src/engine/engine.ts';
import { encodeInput } from '../../src/protocol/codec.ts';
import { NO_ACK } from '../../src/protocol/messages.ts';
import { counterGame } from './harness.ts';

const U32 = 0xffff_ffff;

interface Hostile {
  near: boolean;
  start: number;
  count: number;
  players: readonly number[];
  ackDelta: number | null;
  senderDelta: number;
  seedByte: number;
  ping?: number;
  pong?: number;
  hash?: { frame: number; hash: number };
  hashAcks?: number[];
  leaves?: { player: number; frozenFrame: number; heldFrame: number }[];
}

const frameArb = fc.oneof(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: U32 - 255 }), fc.constant(U32 - 255));
const packetArb: fc.Arbitrary<Hostile> = fc.record(
  {
    near: fc.boolean(),
    start: frameArb,
    count: fc.integer({ min: 1, max: 255 }),
    players: fc.oneof(fc.constant([2]), fc.constant([2]), fc.constant([0]), fc.constant([1]), fc.constant([0, 2]), fc.constant([1, 2])),
    ackDelta: fc.option(fc.integer({ min: -32767, max: 32767 })),
    senderDelta: fc.integer({ min: -128, max: 127 }),
    seedByte: fc.integer({ min: 0, max: 255 }),
    ping: fc.integer({ min: 0, max: U32 }),
    pong: fc.integer({ min: 0, max: U32 }),
    hash: fc.record({ frame: fc.oneof(fc.integer({ min: 0, max: 600 }).map((f) => f - (f % 30)), fc.integer({ min: 0, max: U32 })), hash: fc.integer({ min: 0, max: U32 }) }),
    hashAcks: fc.array(fc.oneof(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: U32 })), { maxLength: 8 }),
    leaves: fc.array(
      fc.record({ player: fc.integer({ min: 0, max: 7 }), frozenFrame: fc.integer({ min: -1, max: 1000 }), heldFrame: fc.integer({ min: -1, max: U32 - 1 }) }),
      { maxLength: 7 },
    ),
  },
  { requiredKeys: ['near', 'start', 'count', 'players', 'ackDelta', 'senderDelta', 'seedByte'] },
);

function encodeHostile(h: Hostile, tag: number, receiverFrame: number): Uint8Array {
  const startFrame = h.near ? Math.max(0, receiverFrame - 20 + (h.start % 200)) : h.start;
  const count = Math.min(h.count, U32 - startFrame + 1);
  const inputs = new Uint8Array(count * h.players.length).map((_, i) => (h.seedByte + i * 31) & 0xff);
  return encodeInput({
    tag,
    startFrame,
    frameCount: count,
    players: h.players,
    inputSize: 1,
    ack: h.ackDelta === null ? NO_ACK : Math.max(NO_ACK, startFrame + h.ackDelta),
    senderFrame: Math.max(0, startFrame + count - 1 + h.senderDelta),
    inputs,
    ping: h.ping,
    pong: h.pong,
    hash: h.hash,
    hashAcks: h.hashAcks,
    leaves: h.leaves,
  });
}

describe('hostile peers stay bounded', () => {
  it('well-formed adversarial packets: memory bounded, honest players unaffected', () => {
    const seen = { reachedInput: 0, acceptedHostileInputs: 0, reasons: new Set<string>() };
    fc.assert(
      fc.property(fc.array(fc.array(packetArb, { maxLength: 4 }), { minLength: 20, maxLength: 80 }), (ticks) => {
        const game = counterGame();
        const honest: Engine<unknown>[] = [];
        for (const p of [0, 1]) {
          honest.push(
            new Engine<unknown>({
              game: game as never,
              players: 3,
              localPlayer: p,
              seed: 11,
              hashInterval: 30,
              send: (to, bytes) => {
                if (to === 0 || to === 1) honest[to]!.receive(p, bytes.slice());
              },
            }),
          );
        }
        let honestDesyncs = 0;
        honest.forEach((e, i) => e.on('desync', (d) => (d.peer === 1 - i ? honestDesyncs++ : 0)));
        honest[0]!.setLocalInput(Uint8Array.of(17));
        honest[1]!.setLocalInput(Uint8Array.of(34));
        for (const packets of ticks) {
          for (const h of packets) {
            const bytes = encodeHostile(h, honest[0]!.sessionTag, honest[0]!.frame);
            for (const e of honest) e.receive(2, bytes);
          }
          for (const e of honest) e.tick();
          for (const e of honest) {
            const s = e.stats();
            const hostile = s.peers.find((q) => q.player === 2)!;
            // the stated bound: a peer's inputs reach at most frame + frameWindow
            expect(hostile.lastReceivedFrame).toBeLessThanOrEqual(e.frame + e.frameWindow);
            for (const q of s.peers) {
              expect(q.hashesPending).toBeLessThanOrEqual(PENDING_LIMIT);
              expect(q.hashesUnacked).toBeLessThanOrEqual(OUTBOX_LIMIT);
            }
          }
        }
        const [a, b] = honest;
        const la = a!.inputLog();
        const lb = b!.inputLog();
        const n = Math.min(la.frames, lb.frames) * 3;
        expect(Buffer.compare(la.inputs.subarray(0, n), lb.inputs.subarray(0, n))).toBe(0);
        for (const log of [la, lb]) {
          for (let f = 2; f < log.frames; f++) {
            expect(log.inputs[f * 3]).toBe(17);
            expect(log.inputs[f * 3 + 1]).toBe(34);
          }
        }
        for (const e of honest) {
          const s = e.stats();
          for (const q of s.peers) if (q.player !== 2) expect(q.leftAtFrame).toBeNull();
          for (const [reason, count] of Object.entries(s.malformedByReason)) if (count) seen.reasons.add(reason);
          seen.reachedInput += s.packetsReceived - (s.malformedByReason['stale-session'] ?? 0) - (s.malformedByReason.truncated ?? 0);
          seen.acceptedHostileInputs += s.peers.find((q) => q.player === 2)!.lastReceivedFrame + 1;
        }
        // desyncs can only be about the hostile peer (whose bogus hashes disagree), never between honest ones
        expect(honestDesyncs).toBe(0);
      }),
      { numRuns: 120, seed: 0x5eed },
    );
    // the generated packets really reached the input handler and its checks
    expect(seen.reachedInput).toBeGreaterThan(1000);
    expect(seen.acceptedHostileInputs).toBeGreaterThan(100);
    for (const reason of ['frame-window', 'bad-ack', 'foreign-player', 'bad-sender-frame']) expect(seen.reasons).toContain(reason);
  });
});
