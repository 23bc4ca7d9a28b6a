/**
 * The relay hot path (server/relay-write.ts): packets written as one flush
 * arrive whole and in order, also when many are queued behind a write in
 * progress, interleaved with other events and on the long-polling transport;
 * and the cheap relay check accepts only what the relay schema accepts.
 */
import { io as ioClient } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { isRelayArgs, MAX_RELAY_PACKET_BYTES, relayArgsSchema, type JoinReply, type WatchReply } from '../../src/signaling/events.ts';
import { joinAll, serverPerTest, until, type ClientSocket } from './helpers.ts';

describe('relay writes (real server)', () => {
  const h = serverPerTest({ rateLimits: false });

  it('delivers a burst of relays queued behind each other whole and in order, between signals', async () => {
    const [a, b] = await h.connectMany(2);
    await joinAll([a!, b!], { queue: 'burst', players: 2 });
    const received: number[][] = [];
    const senders = new Set<number>();
    b!.socket.on('relay', (from, packet) => {
      senders.add(from);
      received.push([...new Uint8Array(packet)]);
    });
    // 300 packets in one go: most reach the server in the same read and are
    // written while an earlier write is still in progress.
    const sent: number[][] = [];
    for (let i = 0; i < 300; i++) {
      const p = Array.from({ length: 1 + (i % 50) }, (_, k) => (i * 7 + k) & 0xff);
      sent.push(p);
      a!.socket.emit('relay', 1, Uint8Array.from(p));
      if (i % 50 === 0) a!.socket.emit('signal', { to: 1, kind: 'candidate', data: { n: i } });
    }
    await until(() => received.length === 300, '300 relays');
    expect(received).toEqual(sent);
    expect([...senders]).toEqual([0]);
    expect(b!.inbox.all('signal').map((args) => (args[0] as { data: { n: number } }).data.n)).toEqual([0, 50, 100, 150, 200, 250]);
    expect(h.server.stats().relayedPackets).toBe(300);
  });

  it('the spectator fan-out takes the same single-write path: a burst reaches a websocket and a long-polling spectator whole and in order', async () => {
    await h.close();
    await h.start({ rateLimits: false, spectatorPeerSlots: 0 });
    const [a, b, ws] = await h.connectMany(3);
    const assigned = await joinAll([a!, b!], { room: 'fanout', players: 2 });
    const polling: ClientSocket = ioClient(h.server.url, { transports: ['polling'], forceNew: true, reconnection: false });
    try {
      const got = new Map<string, number[][]>([['ws', []], ['polling', []]]);
      ws!.socket.on('spectator-data', (packet) => got.get('ws')!.push([...new Uint8Array(packet)]));
      polling.on('spectator-data', (packet) => got.get('polling')!.push([...new Uint8Array(packet)]));
      for (const s of [ws!.socket, polling]) {
        const reply = (await s.timeout(3000).emitWithAck('watch', { sessionId: assigned[0]!.sessionId, via: 'server' })) as WatchReply;
        expect(reply).toMatchObject({ ok: true, path: 'server', feeder: 0 });
      }
      // The feeder was told to start each stream; the burst goes to both.
      await until(() => a!.inbox.count('spectator') === 2, 'two add notices');
      const sent: number[][] = [];
      for (let i = 0; i < 200; i++) {
        const p = Array.from({ length: 1 + (i % 40) }, (_, k) => (i * 5 + k) & 0xff);
        sent.push(p);
        a!.socket.emit('spectator-data', '*', Uint8Array.from(p));
      }
      await until(() => got.get('ws')!.length === 200 && got.get('polling')!.length === 200, '200 stream messages on each spectator');
      expect(got.get('ws')).toEqual(sent);
      expect(got.get('polling')).toEqual(sent);
      expect(h.server.stats().spectators.fanoutMessages).toBe(400);
    } finally {
      polling.disconnect();
    }
  });

  it('relays to and from clients on the long-polling transport', async () => {
    const polling = (): ClientSocket => ioClient(h.server.url, { transports: ['polling'], forceNew: true, reconnection: false });
    const [a, b] = [polling(), polling()];
    try {
      const assigned = [a, b].map((s) => new Promise<{ playerIndex: number }>((r) => s.once('assigned', r)));
      for (const s of [a, b]) {
        const reply = await new Promise<JoinReply>((r) => s.emit('join', { queue: 'poll', players: 2 }, r));
        expect(reply.ok).toBe(true);
      }
      const [pa, pb] = await Promise.all(assigned);
      const got: [number, number[]][] = [];
      b.on('relay', (from, packet) => got.push([from, [...new Uint8Array(packet)]]));
      for (let i = 0; i < 20; i++) a.emit('relay', pb!.playerIndex, Uint8Array.of(i, 255 - i));
      await until(() => got.length === 20, '20 relays over long-polling');
      expect(got).toEqual(Array.from({ length: 20 }, (_, i) => [pa!.playerIndex, [i, 255 - i]]));
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });
});

describe('isRelayArgs', () => {
  const cases: unknown[][] = [
    [0, new Uint8Array(1)],
    [7, new ArrayBuffer(MAX_RELAY_PACKET_BYTES)],
    [1, Buffer.from([1, 2, 3])],
    [1, new Uint8Array(8).subarray(2, 4)],
    [8, new Uint8Array(1)],
    [-1, new Uint8Array(1)],
    [1.5, new Uint8Array(1)],
    ['1', new Uint8Array(1)],
    [Number.NaN, new Uint8Array(1)],
    [1, new Uint8Array(0)],
    [1, new Uint8Array(MAX_RELAY_PACKET_BYTES + 1)],
    [1, new Uint16Array(4)],
    [1, 'bytes'],
    [1, [1, 2, 3]],
    [1],
    [1, new Uint8Array(1), 'extra'],
  ];

  it('accepts exactly what relayArgsSchema accepts, for valid and invalid arguments', () => {
    const verdicts = cases.map((args) => [isRelayArgs(args), relayArgsSchema.safeParse(args).success]);
    for (const [fast, schema] of verdicts) expect(fast).toBe(schema);
    // Both kinds are among the cases.
    expect(verdicts.filter(([fast]) => fast).length).toBe(4);
  });
});
