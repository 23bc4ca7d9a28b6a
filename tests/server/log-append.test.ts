/**
 * Incremental input-log uploads (server/research/log-append.ts): ranges
 * append in order, a re-sent range is a no-op, a gap or a disagreeing
 * overlap is refused with `conflict`; and the sizes: an hour of 8 players
 * with 16-byte inputs, uploaded every 15 s as ranges, keeps every report far
 * inside the report limit and the total linear in the session's length.
 */
import { describe, expect, it } from 'vitest';
import { decodeInputLog, encodeInputLog } from '../../src/engine/input-log.ts';
import { MAX_REPORT_BYTES, toBase64 } from '../../src/research/report.ts';
import { Prng } from '../../src/util/prng.ts';
import { appendInputLog } from '../../server/research/log-append.ts';

const players = 3;
const inputSize = 2;
const stride = players * inputSize;
const rng = new Prng(11);
const full = Uint8Array.from({ length: 300 * stride }, () => rng.nextInt(256));
/** The encoded range of `full` from frame `from`, `frames` long. */
const range = (from: number, frames: number, game = 'arena@1') =>
  encodeInputLog({ spec: game, seed: 5, players, inputSize, frames, inputs: full.slice(from * stride, (from + frames) * stride) });

function ok<T extends { ok: boolean }>(r: T): Extract<T, { ok: true }> {
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r as Extract<T, { ok: true }>;
}

describe('appending input-log ranges', () => {
  it('keeps the pauses of every range (session frames), once each', () => {
    const pause = (id: number, frame: number) => ({ player: 1, id, frame, reason: 'peer-hidden' as const, final: false });
    const withPauses = (from: number, frames: number, pauses: ReturnType<typeof pause>[]) =>
      encodeInputLog({ spec: 'arena@1', seed: 5, players, inputSize, frames, inputs: full.slice(from * stride, (from + frames) * stride), pauses });
    const a = ok(appendInputLog(null, 0, withPauses(0, 100, [pause(1, 40)]), []));
    const b = ok(appendInputLog(a.log, 100, withPauses(100, 100, [pause(1, 40), pause(2, 150)]), []));
    const again = ok(appendInputLog(b.log, 100, withPauses(100, 100, [pause(1, 40), pause(2, 150)]), []));
    expect(again.duplicate).toBe(true);
    const decoded = decodeInputLog(again.log);
    expect(decoded.ok && decoded.log.pauses).toEqual([pause(1, 40), pause(2, 150)]);
  });

  it('appends ranges in order to the full log, and a re-sent range (whole or overlapping) is a no-op', () => {
    const a = ok(appendInputLog(null, 0, range(0, 100), []));
    expect(a).toMatchObject({ frames: 100, appended: 100, duplicate: false });
    const b = ok(appendInputLog(a.log, 100, range(100, 120), []));
    expect(b).toMatchObject({ frames: 220, appended: 120, duplicate: false });
    const again = ok(appendInputLog(b.log, 100, range(100, 120), []));
    expect(again).toMatchObject({ frames: 220, appended: 0, duplicate: true });
    expect(again.log).toBe(b.log);
    // a range that overlaps the stored end: only the new frames are appended
    const c = ok(appendInputLog(b.log, 200, range(200, 100), [{ player: 2, frame: 250 }]));
    expect(c).toMatchObject({ frames: 300, appended: 80, duplicate: false });
    const decoded = decodeInputLog(c.log);
    if (!decoded.ok) throw new Error(decoded.error.message);
    expect(decoded.log.inputs).toEqual(full);
    expect(decoded.log.departures).toEqual([{ player: 2, frame: 250 }]);
  });

  it('absences travel with the report: the stored log carries them (an end past the log is still open there), a changed list is stored, a bad one refused', () => {
    const a = ok(appendInputLog(null, 0, range(0, 100), [], [{ player: 1, from: 40, to: 130 }]));
    const d1 = decodeInputLog(a.log);
    if (!d1.ok) throw new Error(d1.error.message);
    expect(d1.log.absences).toEqual([{ player: 1, from: 40, to: undefined }]);
    const b = ok(appendInputLog(a.log, 100, range(100, 100), [], [{ player: 1, from: 40, to: 130 }]));
    const d2 = decodeInputLog(b.log);
    if (!d2.ok) throw new Error(d2.error.message);
    expect(d2.log.absences).toEqual([{ player: 1, from: 40, to: 130 }]);
    // the same range again with the same absences: a no-op; with one more absence: stored
    expect(ok(appendInputLog(b.log, 100, range(100, 100), [], [{ player: 1, from: 40, to: 130 }])).duplicate).toBe(true);
    expect(ok(appendInputLog(b.log, 100, range(100, 100), [], [{ player: 1, from: 40, to: 130 }, { player: 2, from: 190, to: null }])).duplicate).toBe(false);
    expect(appendInputLog(b.log, 100, range(100, 100), [], [{ player: 5, from: 1, to: null }])).toMatchObject({ ok: false, error: { code: 'bad-report' } });
    expect(appendInputLog(b.log, 100, range(100, 100), [], [{ player: 1, from: 90, to: 50 }])).toMatchObject({ ok: false, error: { code: 'bad-report' } });
  });

  it('refuses a gap, a disagreeing overlap and another game with conflict; junk with bad-input-log', () => {
    const a = ok(appendInputLog(null, 0, range(0, 100), []));
    const gap = appendInputLog(a.log, 101, range(101, 10), []);
    expect(gap).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(gap.ok ? '' : gap.error.message).toContain('gap');
    expect(appendInputLog(null, 5, range(5, 10), [])).toMatchObject({ ok: false, error: { code: 'conflict' } });
    const changed = range(90, 20);
    changed[changed.length - 20 * stride + 5 * stride]! ^= 1; // frame 95 differs
    const disagree = appendInputLog(a.log, 90, changed, []);
    expect(disagree).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(disagree.ok ? '' : disagree.error.message).toContain('frame 95');
    expect(appendInputLog(a.log, 100, range(100, 10, 'swarm@1'), [])).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(appendInputLog(a.log, 100, Uint8Array.of(1, 2, 3), [])).toMatchObject({ ok: false, error: { code: 'bad-input-log' } });
    expect(appendInputLog(a.log, 100, range(100, 10), [{ player: 1, frame: 500 }])).toMatchObject({ ok: false, error: { code: 'bad-report' } });
  });

  it('an hour of 8 players × 16-byte inputs: each 15 s range is far inside the report limit, and the total grows linearly, not quadratically', () => {
    const hz = 60;
    const perUpload = 15 * hz; // frames per 15 s upload
    const uploads = (3600 * hz) / perUpload; // 240
    const inputsPerFrame = 8 * 16;
    // one range, as the report carries it (base64 in JSON)
    const chunk = encodeInputLog({ spec: 'arena@1', seed: 1, players: 8, inputSize: 16, frames: perUpload, inputs: new Uint8Array(perUpload * inputsPerFrame) });
    const chunkBytes = toBase64(chunk).length;
    expect(chunkBytes).toBeLessThan(MAX_REPORT_BYTES / 200); // ~154 KB against 48 MB
    const incrementalTotal = uploads * chunkBytes;
    // the cumulative scheme sent the whole log each time: the k-th upload carries k ranges
    const cumulativeLast = uploads * chunkBytes;
    const cumulativeTotal = (chunkBytes * uploads * (uploads + 1)) / 2;
    console.log(`range ${chunkBytes} B per upload; incremental total ${(incrementalTotal / 1e6).toFixed(1)} MB; cumulative total ${(cumulativeTotal / 1e9).toFixed(2)} GB, last cumulative report ${(cumulativeLast / 1e6).toFixed(1)} MB`);
    expect(incrementalTotal).toBeLessThan(cumulativeTotal / 100);
    expect(cumulativeLast).toBeLessThan(MAX_REPORT_BYTES); // the old scheme's last report of the hour still fitted, barely
  });
});
