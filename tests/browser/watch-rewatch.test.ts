/**
 * watchGame (real worker, real arena game) against a mocked socket.io server
 * (msw + @mswjs/socket.io-binding, see signaling-msw.test.ts): the "server"
 * accepts `watch` and streams a session (info, a snapshot, confirmed
 * inputs), then drops the connection. socket.io-client reconnects; the
 * viewer must send `watch` again by itself, report `lost` and `rewatched`,
 * and go on from the new stream's snapshot, whether that snapshot is ahead
 * of what it showed or behind it (another player's). The frames it renders
 * never go backwards, and its hashes equal those of a viewer that got the
 * whole stream without a break.
 */
import { toSocketIo } from '@mswjs/socket.io-binding';
import { ws } from 'msw';
import { setupWorker } from 'msw/browser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer, watchGame as WatchGame } from '../../main/watch.ts';
import { Simulation } from '../../src/engine/simulation.ts';
import { createArena } from '../../src/games/arena.ts';
import { decodeSpectate, encodeSpectateInfo, encodeSpectateInputs, encodeSpectateSnapshot, type SpectateInfo } from '../../src/spectate/wire.ts';
import { SpectatorViewer } from '../../src/spectate/viewer.ts';
import { builtinWorker, until } from './helpers.ts';

const SERVER = 'http://netroll-watch.test';
const link = ws.link('ws://netroll-watch.test/*');

const game = createArena();
const info: SpectateInfo = { game: 'arena', seed: 77, players: 2, inputSize: game.inputSize, hashInterval: 60, tickRate: 60, sessionTag: 9 };
const END = 1200;
const stride = info.players * info.inputSize;
/** Every player's input of every frame (what the players confirmed). */
const inputs = Uint8Array.from({ length: END * stride }, (_, i) => (i * 7 + (i >> 5)) & 15);
/** The confirmed snapshot at each frame asked for. */
function snapshotAt(frame: number): Uint8Array {
  const sim = new Simulation(game, info.seed, info.players);
  for (let f = 0; f < frame; f++) sim.step(inputs.subarray(f * stride, (f + 1) * stride), f);
  return sim.save();
}

/** One mocked connection: the `watch` requests it got, and a way to stream and to drop it. */
interface Conn {
  watches: unknown[];
  send(bytes: Uint8Array): void;
  drop(): void;
}
let conns: Conn[] = [];
let spectatorIds = 0;

const worker = setupWorker(
  link.addEventListener('connection', (connection) => {
    toSocketIo(connection);
    const conn: Conn = {
      watches: [],
      // socket.io's BINARY_EVENT ("451-[...]") and the buffer as its own frame (see signaling-msw.test.ts).
      send: (bytes) => {
        connection.client.send(`451-${JSON.stringify(['spectator-data', { _placeholder: true, num: 0 }])}`);
        connection.client.send(bytes.slice().buffer);
      },
      drop: () => connection.client.close(),
    };
    conns.push(conn);
    connection.client.addEventListener('message', (e) => {
      const m = typeof e.data === 'string' ? /^42(\d*)(\[.*)$/s.exec(e.data) : null;
      if (!m) return;
      const [event, request] = JSON.parse(m[2]!) as [string, unknown];
      if (event !== 'watch') return;
      conn.watches.push(request);
      const spectatorId = `spectator-${String(++spectatorIds).padStart(12, '0')}`;
      connection.client.send(`43${m[1]}${JSON.stringify([{ ok: true, spectatorId, path: 'server', feeder: conns.length - 1, iceServers: [] }])}`);
    });
  }),
);

let watchGame: typeof WatchGame;
let viewer: Viewer | null = null;
beforeAll(async () => {
  await worker.start({ serviceWorker: { url: '/tests/browser/msw/mockServiceWorker.js' }, quiet: true, onUnhandledRequest: 'bypass' });
  ({ watchGame } = await import('../../main/watch.ts'));
});
afterAll(() => worker.stop());
afterEach(async () => {
  await viewer?.close();
  viewer = null;
  conns = [];
});

/** Stream the session from `from` (its snapshot) to `to` (exclusive) on `conn`, 60 frames a message. */
function stream(conn: Conn, from: number, to: number): void {
  conn.send(encodeSpectateInfo(info));
  for (const chunk of encodeSpectateSnapshot(info.sessionTag, from + 1, from, snapshotAt(from))) conn.send(chunk);
  for (let f = from; f < to; f += 60) {
    const n = Math.min(60, to - f);
    for (const m of encodeSpectateInputs(info.sessionTag, info.players, info.inputSize, f, n, inputs.subarray(f * stride, (f + n) * stride), Date.now())) conn.send(m);
  }
}

/** The hashes a viewer takes from a snapshot at `from` with every input after it. */
function referenceHashes(from: number): { frame: number; hash: number }[] {
  const v = new SpectatorViewer(game, info);
  const feed = (bytes: Uint8Array[]) => {
    for (const b of bytes) {
      const d = decodeSpectate(b);
      if (d.ok) v.take(d.message);
    }
  };
  feed(encodeSpectateSnapshot(info.sessionTag, 1, from, snapshotAt(from)));
  feed(encodeSpectateInputs(info.sessionTag, info.players, info.inputSize, from, END - from, inputs.subarray(from * stride), 0));
  v.advance(END);
  return v.hashes();
}

describe('watchGame re-watches after its connection drops (msw socket.io server, real worker)', () => {
  // [case, frame of the new stream's snapshot, snapshots the viewer loads in all]
  for (const [name, second, loaded] of [
    ['the new snapshot is ahead of the frame shown', 700, 2],
    ['the new snapshot is behind the frame shown (another feeder)', 200, 1],
  ] as const) {
    it(`${name}: lost, rewatched, frames never go backwards, hashes of an unbroken stream`, async () => {
      const rendered: number[] = [];
      const v = await watchGame({ server: SERVER, session: 'session-rewatch', engine: builtinWorker(), delayFrames: 6, timeoutMs: 3000, onRender: (f) => rendered.push(f.frame) });
      viewer = v;
      const events: string[] = [];
      const rewatched: { spectatorId: string; feeder: number; attempts: number }[] = [];
      v.on('lost', () => events.push('lost'));
      v.on('rewatched', (e) => (events.push('rewatched'), rewatched.push(e)));
      v.on('ended', () => events.push('ended'));
      expect(conns).toHaveLength(1);
      expect(conns[0]!.watches).toEqual([{ sessionId: 'session-rewatch' }]);
      const firstId = v.spectatorId;
      stream(conns[0]!, 100, 400);
      await until(() => rendered.length > 0 && rendered.at(-1)! >= 390, 15_000, 'the first stream shown');
      const shownBeforeDrop = rendered.at(-1)!;

      conns[0]!.drop();
      await until(() => events.includes('lost'), 5000, 'the loss reported');
      await until(() => conns.length === 2 && conns[1]!.watches.length === 1, 15_000, 'watch sent again on the new connection');
      expect(conns[1]!.watches).toEqual([{ sessionId: 'session-rewatch' }]);
      await until(() => events.includes('rewatched'), 5000, 'rewatched reported');
      expect(rewatched).toEqual([expect.objectContaining({ feeder: 1, attempts: 1 })]);
      expect(v.spectatorId).toBe(rewatched[0]!.spectatorId);
      expect(v.spectatorId).not.toBe(firstId);
      expect(v.feeder).toBe(1);

      stream(conns[1]!, second, END);
      await until(() => rendered.at(-1)! >= END - 6, 20_000, 'the second stream shown');
      // Frames never go backwards (the drop, and a snapshot from behind, included).
      for (let i = 1; i < rendered.length; i++) expect(rendered[i]!).toBeGreaterThanOrEqual(rendered[i - 1]!);
      expect(rendered.some((f) => f > shownBeforeDrop)).toBe(true);
      const stats = await v.stats();
      // Behind: the snapshot is of no use (its inputs continue the frames held); ahead: it is loaded and the viewer jumps forward.
      expect(stats).toMatchObject({ rewatches: 1, snapshotsLoaded: loaded, snapshotsBehind: 0, gaps: 0, malformed: 0, path: 'server' });
      // The same confirmed states as a viewer that never lost its stream.
      const ref = referenceHashes(100);
      const got = await v.hashes();
      expect(got.length).toBeGreaterThan(5);
      expect(got).toEqual(ref.filter((h) => got.some((g) => g.frame === h.frame)));
      expect(new Set(got.map((h) => h.frame)).size).toBe(got.length);
      expect(got.at(-1)!.frame).toBeGreaterThanOrEqual(END - 60);
      expect(events).toEqual(['lost', 'rewatched']);
      expect(v.ended).toBeNull();
    }, 90_000);
  }
});
