/**
 * Latency-gated matching: a group formed in a queue with `maxRttMs` is
 * tentative until every member reported its DataChannel RTT to every other
 * (`probe-result`, the median of 5 pings per link) and every link is within
 * the limit. Then it is confirmed (`probe-outcome { passed: true }`).
 * Otherwise the group is dissolved: its members go back to the front of the
 * queue (members over the limit first), never again grouped with the member
 * they failed with; a member over the limit `maxRequeues` times is refused
 * with `rtt-too-high`. Every probe's outcome is recorded.
 *
 * Bounds: one pending probe per tentative group, each ended by
 * `probeTimeoutMs` at the latest (missing measurements count as over the
 * limit); one re-queue counter per waiting or playing socket, dropped when
 * it leaves.
 */
import type { ProbeOutcome } from '../src/signaling/events.ts';
import type { GroupTarget, WaitingClient } from './lobby.ts';

/** How a probe ended. */
export type ProbeOutcomeKind = 'passed' | 'over' | 'timeout' | 'left';

/** One decided probe, for the research store. */
export interface ProbeRecord {
  readonly target: GroupTarget;
  readonly maxRttMs: number;
  readonly outcome: ProbeOutcomeKind;
  readonly members: readonly WaitingClient[];
  /** `rtts[i][j]`: member i's measurement of its link to member j, ms (null: none). */
  readonly rtts: readonly (readonly (number | null)[])[];
  /** Indices of the members over the limit (or unmeasured). */
  readonly over: readonly number[];
}

/** What the gate does with a decided group (the signaling layer's part). */
export interface RttGateActions {
  /** Tell a member the outcome. */
  send(socketId: string, outcome: ProbeOutcome): void;
  /** Every link within the limit: make the session real (record it, ...). */
  confirm(sessionId: string): void;
  /** The group is dissolved: drop the tentative session (its members are no longer in it). */
  dissolve(sessionId: string): void;
  /** Put `clients` back at the front of the queue, never grouping the `avoid` pairs (socket ids) again. */
  requeue(clients: readonly WaitingClient[], target: GroupTarget, avoid: readonly (readonly [string, string])[]): void;
  /** A member was re-queued too often: refuse it (`rtt-too-high`) and forget its join. */
  refuse(client: WaitingClient, worstRttMs: number | null): void;
  /** Record the probe. */
  record?(probe: ProbeRecord): void;
}

/** Gate settings. */
export interface RttGateOptions {
  /** Longest a tentative group may take to connect and measure, ms. */
  readonly probeTimeoutMs: number;
  /** Times a member may be over the limit before it is refused. */
  readonly maxRequeues: number;
}

interface Pending {
  readonly target: GroupTarget & { readonly maxRttMs: number };
  /** Members by index; null once one left. */
  readonly members: (WaitingClient | null)[];
  readonly rtts: (number | null)[][];
  readonly reported: Set<number>;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** The pending probes of tentative groups. */
export class RttGate {
  readonly #pending = new Map<string, Pending>();
  readonly #overCount = new Map<string, number>();

  constructor(
    private readonly options: RttGateOptions,
    private readonly actions: RttGateActions,
  ) {}

  /** Starts the probe of a tentative group (`members` by player index). */
  start(sessionId: string, target: GroupTarget & { readonly maxRttMs: number }, members: readonly WaitingClient[]): void {
    const n = members.length;
    const timer = setTimeout(() => this.#decide(sessionId, 'timeout'), this.options.probeTimeoutMs);
    timer.unref?.();
    this.#pending.set(sessionId, {
      target,
      members: [...members],
      rtts: Array.from({ length: n }, () => Array.from({ length: n }, () => null)),
      reported: new Set(),
      timer,
    });
  }

  /** Whether a session is a tentative group still being probed. */
  isPending(sessionId: string): boolean {
    return this.#pending.has(sessionId);
  }

  /** Member `index` measured its links; the group is decided once every member did. Returns false when there is no such probe. */
  result(sessionId: string, index: number, rtts: readonly { peer: number; rttMs: number | null }[]): boolean {
    const p = this.#pending.get(sessionId);
    if (!p || p.reported.has(index)) return false;
    for (const r of rtts) {
      if (r.peer !== index && r.peer < p.members.length) p.rtts[index]![r.peer] = r.rttMs;
    }
    p.reported.add(index);
    if (p.reported.size === p.members.filter((m) => m !== null).length) this.#decide(sessionId, undefined);
    return true;
  }

  /** Member `index` left during the probe: the group cannot form; the others go back to the front. */
  memberLeft(sessionId: string, index: number): void {
    const p = this.#pending.get(sessionId);
    if (!p) return;
    p.members[index] = null;
    this.#decide(sessionId, 'left');
  }

  /** The socket stopped waiting and playing: its re-queue count goes. */
  forget(socketId: string): void {
    this.#overCount.delete(socketId);
  }

  /** Pending probes (for stats). */
  get pending(): number {
    return this.#pending.size;
  }

  #decide(sessionId: string, forced: 'timeout' | 'left' | undefined): void {
    const p = this.#pending.get(sessionId);
    if (!p) return;
    this.#pending.delete(sessionId);
    clearTimeout(p.timer);
    const n = p.members.length;
    const max = p.target.maxRttMs;
    const link = (i: number, j: number): number | null => {
      const a = p.rtts[i]![j]!;
      const b = p.rtts[j]![i]!;
      return a === null ? b : b === null ? a : Math.max(a, b);
    };
    const overPairs: [number, number][] = [];
    let worst: number | null = null;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        if (p.members[i] === null || p.members[j] === null) continue;
        const v = link(i, j);
        if (v !== null) worst = Math.max(worst ?? 0, v);
        // a member that did not report in time counts as over the limit with everyone
        const silent = forced === 'timeout' && (!p.reported.has(i) || !p.reported.has(j));
        if (v === null || v > max || silent) overPairs.push([i, j]);
      }
    }
    const outcome: ProbeOutcomeKind = forced ?? (overPairs.length === 0 ? 'passed' : 'over');
    const overSet = new Set(forced === 'left' ? [] : overPairs.flat());
    this.actions.record?.({
      target: p.target,
      maxRttMs: max,
      outcome,
      members: p.members.map((m, i) => m ?? { socketId: '', clientId: `left-${i}` }),
      rtts: p.rtts,
      over: [...overSet].sort((a, b) => a - b),
    });
    if (outcome === 'passed') {
      this.actions.confirm(sessionId);
      for (const m of p.members) if (m) this.actions.send(m.socketId, { passed: true, requeued: false, worstRttMs: worst });
      return;
    }
    this.actions.dissolve(sessionId);
    const back: WaitingClient[] = [];
    const refused: WaitingClient[] = [];
    // members over the limit first, then the others: all ahead of anyone who joined later
    const order = [...p.members.keys()].sort((a, b) => Number(overSet.has(b)) - Number(overSet.has(a)) || a - b);
    for (const i of order) {
      const m = p.members[i];
      if (!m) continue;
      if (overSet.has(i)) {
        const count = (this.#overCount.get(m.socketId) ?? 0) + 1;
        this.#overCount.set(m.socketId, count);
        if (count > this.options.maxRequeues) {
          refused.push(m);
          continue;
        }
      }
      back.push(m);
    }
    for (const m of back) this.actions.send(m.socketId, { passed: false, requeued: true, worstRttMs: worst });
    for (const m of refused) {
      this.actions.send(m.socketId, { passed: false, requeued: false, worstRttMs: worst });
      this.#overCount.delete(m.socketId);
      this.actions.refuse(m, worst);
    }
    const avoid = overPairs
      .filter(([i, j]) => p.members[i] && p.members[j])
      .map(([i, j]) => [p.members[i]!.socketId, p.members[j]!.socketId] as const);
    if (back.length > 0) this.actions.requeue(back, p.target, avoid);
  }
}
