/**
 * The page's part of latency-gated matching: in a tentative group (an
 * assignment with `probe`), connect to every member, measure each link's
 * DataChannel RTT (the median of the last `probe.pings` health pings), tell
 * the server, and wait for its decision. A failed probe puts this client
 * back in the queue: the next group is probed the same way, until one
 * passes, the server refuses (`rtt-too-high`) or the wait runs out.
 */
import { ErrorCode, NetrollError } from '../src/contracts/errors.ts';
import type { Assignment, ProbeOutcome } from '../src/signaling/events.ts';
import type { MeshTransport } from './mesh.ts';
import type { SignalingClient } from './signaling.ts';

/** How often the links' samples are read while measuring, ms. */
const POLL_MS = 100;

/** The median of `values` (non-empty). */
function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Pings dropped at the start of a link before measuring: the first ones after a channel opens are slowed by its start-up. */
const WARMUP_PINGS = 3;

/**
 * Waits until every link has `pings` RTT samples after {@link WARMUP_PINGS}
 * (or `ms` pass); the median of each link's last `pings`, null for a link
 * without enough. Each link's health window holds 10 samples by default.
 */
async function measure(mesh: MeshTransport, pings: number, ms: number): Promise<{ peer: number; rttMs: number | null }[]> {
  const deadline = performance.now() + ms;
  const read = () => mesh.report().map((r) => ({ peer: r.peer, samples: r.health.samples }));
  while (performance.now() < deadline && read().some((l) => l.samples.length < pings + WARMUP_PINGS)) {
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return read().map((l) => ({ peer: l.peer, rttMs: l.samples.length >= pings ? Math.round(median(l.samples.slice(-pings)) * 10) / 10 : null }));
}

/** The next `probe-outcome`, or the server's refusal of this client, within `ms`. */
function outcome(signaling: SignalingClient, ms: number): Promise<ProbeOutcome> {
  return new Promise((resolve, reject) => {
    const offs: (() => void)[] = [];
    const finish = (err: NetrollError | null, o?: ProbeOutcome) => {
      clearTimeout(timer);
      for (const off of offs) off();
      if (err) reject(err);
      else resolve(o!);
    };
    const timer = setTimeout(() => finish(new NetrollError(ErrorCode.Timeout, `the server did not decide the RTT probe within ${ms} ms`, { event: 'join' })), ms);
    offs.push(signaling.on('probe-outcome', (o) => finish(null, o)));
  });
}

/**
 * Probes tentative groups until one passes; returns its assignment and the
 * mesh already connected to it. Gives up when `waitMs` is over.
 *
 * @throws NetrollError `rtt-too-high` (the server refused this client after
 *   too many failed probes), `timeout` (no group passed in time).
 */
export async function passRttGate(
  signaling: SignalingClient,
  first: Assignment,
  makeMesh: (assignment: Assignment) => MeshTransport,
  waitMs: number,
): Promise<{ assignment: Assignment; mesh: MeshTransport }> {
  const deadline = performance.now() + waitMs;
  let assignment = first;
  for (;;) {
    const probe = assignment.probe;
    const mesh = makeMesh(assignment);
    if (!probe) return { assignment, mesh };
    const decided = outcome(signaling, probe.timeoutMs + 5000);
    decided.catch(() => undefined); // read below; a rejection before then is not unhandled
    const started = performance.now();
    try {
      await mesh.waitOpen(probe.timeoutMs);
    } catch {
      // not every channel opened: the links that did still measure; the rest report null
    }
    const rtts = await measure(mesh, probe.pings, Math.max(0, probe.timeoutMs - (performance.now() - started) - 500));
    signaling.probeResult({ rtts });
    let o: ProbeOutcome;
    try {
      o = await decided;
    } catch (e) {
      mesh.close();
      throw e;
    }
    if (o.passed) return { assignment, mesh };
    mesh.close();
    if (!o.requeued) {
      const worst = o.worstRttMs === null ? 'not measured' : `${Math.round(o.worstRttMs)} ms`;
      throw new NetrollError(ErrorCode.RttTooHigh, `no partner within ${probe.maxRttMs} ms RTT (worst link: ${worst})`, { event: 'join' });
    }
    assignment = await signaling.nextAssignment(Math.max(0, deadline - performance.now()));
  }
}
