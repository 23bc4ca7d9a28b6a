/** joinGame checks every layer's settings before it connects: a bad one is a clear NetrollError and nothing is opened. */
import { describe, expect, it } from 'vitest';
import { joinGame, type JoinGameOptions } from '../../main/connect.ts';
import { NetrollError } from '../../src/contracts/errors.ts';
import { builtinWorker } from './helpers.ts';

describe('joinGame settings', () => {
  const bad: [string, Partial<JoinGameOptions>, RegExp][] = [
    ['mesh', { mesh: { interruptedMs: 6000, disconnectedMs: 5000 } }, /mesh\.interruptedMs/],
    ['link health', { link: { health: { warnRttMs: 400, criticalRttMs: 300 } } }, /health\.warnRttMs/],
    ['link connection', { link: { connection: { maxIceRestarts: -1 } } }, /connection\.maxIceRestarts/],
    ['ICE restart timeout', { link: { connection: { iceRestartTimeoutMs: 50 } } }, /connection\.iceRestartTimeoutMs/],
    ['ICE stall restart', { link: { connection: { stallRestartMs: -1 } } }, /connection\.stallRestartMs/],
    ['signaling reconnection', { signaling: { reconnectDelayMs: 0 } }, /reconnectDelayMs/],
    ['ICE disconnected restart', { link: { connection: { disconnectedRestartMs: Number.NaN } } }, /connection\.disconnectedRestartMs/],
    ['link connection type', { link: { connectionType: { statsIntervalMs: 0 } } }, /connectionType\.statsIntervalMs/],
    ['impairment', { impairment: { loss: 2 } }, /impairment: loss/],
    ['impairment seed', { impairment: {}, impairmentSeed: Number.NaN }, /impairmentSeed/],
    ['impairment and wrapper', { impairment: { latencyMs: 10 }, wrapTransport: (mesh) => mesh }, /impairment and wrapTransport/],
  ];
  for (const [layer, options, message] of bad) {
    it(`refuses a bad ${layer} setting with invalid-option before connecting`, async () => {
      const worker = builtinWorker();
      try {
        // nothing listens on port 9: had it tried to connect, the error would be `unreachable` (after seconds)
        const started = performance.now();
        const err = await joinGame({ server: 'http://127.0.0.1:9', players: 2, room: 'r', game: 'arena', engine: worker, ...options }).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(NetrollError);
        expect((err as NetrollError).code).toBe('invalid-option');
        expect((err as NetrollError).message).toMatch(message);
        expect(performance.now() - started).toBeLessThan(500);
      } finally {
        worker.terminate();
      }
    });
  }
});
