/**
 * Desync detection: which confirmed frames are hashed, the exchange of the
 * samples with every peer (acked, resent until acked), and the comparison.
 *
 * Samples. The state at the start of frame F is hashed when F is a multiple
 * of `hashInterval`, when F starts a new episode (then the hash covers the
 * *final* state of the episode that just ended, which the reset would
 * otherwise erase), and at the session's `endFrame`. So a divergence is seen
 * within `hashInterval` frames, including one in an episode's last frames.
 *
 * Exchange. Each sample is queued for every remote peer; every Input packet
 * to that peer carries one queued sample (round-robin) until the peer
 * acknowledges its frame; every packet carries up to {@link ACKS_PER_PACKET}
 * acks of samples received. A sample received before we hashed that frame
 * waits in a bounded per-peer table (unacked when it is full, so the sender
 * resends it later).
 *
 * Memory bounds, per remote peer: {@link OUTBOX_LIMIT} queued samples (the
 * oldest is dropped and counted when a peer never acks), {@link PENDING_LIMIT}
 * early remote samples, {@link ACK_LIMIT} acks to send. Locally the last
 * {@link KEPT_SAMPLES} samples are kept, and the snapshots of the last
 * {@link KEPT_SNAPSHOTS} for the `desync` event.
 */
import type { HashSample } from '../protocol/messages.ts';

export const OUTBOX_LIMIT = 32;
export const PENDING_LIMIT = 32;
export const ACK_LIMIT = 32;
export const ACKS_PER_PACKET = 4;
export const KEPT_SAMPLES = 64;
export const KEPT_SNAPSHOTS = 16;

/** What the detector reports when peers disagree. */
export interface Desync {
  readonly frame: number;
  readonly peer: number;
  readonly localHash: number;
  readonly remoteHash: number;
  /** This peer's snapshot bytes of that frame (empty when no longer kept or never sampled here). */
  readonly snapshot: Uint8Array;
}

interface LocalSample {
  readonly hash: number;
  snapshot: Uint8Array | undefined;
  checked: number; // bitmask of peers compared
}

interface Queued extends HashSample {
  sent: boolean;
}

interface PeerExchange {
  outbox: Queued[];
  next: number;
  pending: Map<number, number>;
  acks: number[];
  gone: boolean;
}

export interface DesyncCounters {
  hashesSent: number;
  hashesResent: number;
  hashesCompared: number;
  hashesDropped: number;
}

/** Is the start state of `frame` a sample? (`episodeStart`: a new episode starts at `frame`.) */
export function isSampleFrame(frame: number, hashInterval: number, episodeStart: boolean, endFrame: number): boolean {
  if (hashInterval <= 0 || frame <= 0) return false;
  return frame % hashInterval === 0 || episodeStart || frame === endFrame;
}

export class DesyncDetector {
  private readonly local = new Map<number, LocalSample>();
  private readonly withSnapshot: number[] = [];
  private readonly peers: PeerExchange[];
  private lastSampled = 0;
  private readonly unmatchedSeen: number[] = [];
  readonly counters: DesyncCounters = { hashesSent: 0, hashesResent: 0, hashesCompared: 0, hashesDropped: 0 };

  constructor(
    players: number,
    private readonly localPlayer: number,
    private readonly onDesync: (d: Desync) => void,
  ) {
    this.peers = Array.from({ length: players }, (_, p) => ({
      outbox: [],
      next: 0,
      pending: new Map(),
      acks: [],
      gone: p === localPlayer,
    }));
  }

  /** Record this peer's sample of `frame` (frames only increase), queue it for every peer, compare what waited. */
  record(frame: number, hash: number, snapshot: Uint8Array): void {
    this.lastSampled = frame;
    this.local.set(frame, { hash, snapshot, checked: 0 });
    this.withSnapshot.push(frame);
    if (this.withSnapshot.length > KEPT_SNAPSHOTS) {
      const old = this.local.get(this.withSnapshot.shift()!);
      if (old) old.snapshot = undefined;
    }
    if (this.local.size > KEPT_SAMPLES) this.local.delete(this.local.keys().next().value!);
    for (let p = 0; p < this.peers.length; p++) {
      const x = this.peers[p]!;
      if (x.gone) continue;
      if (x.outbox.length >= OUTBOX_LIMIT) {
        x.outbox.shift();
        this.counters.hashesDropped++;
      }
      x.outbox.push({ frame, hash, sent: false });
      for (const [f, remote] of x.pending) {
        if (f > frame) continue;
        x.pending.delete(f);
        if (f === frame) this.compare(p, f, remote);
        else this.unmatched(p, f, remote);
      }
    }
  }

  /** A peer's sample arrived. */
  onRemote(peer: number, sample: HashSample): void {
    const x = this.peers[peer];
    if (!x || x.gone) return;
    const { frame, hash } = sample;
    if (frame > this.lastSampled) {
      if (!x.pending.has(frame) && x.pending.size >= PENDING_LIMIT) return; // not acked: resent later
      x.pending.set(frame, hash);
    } else if (this.local.has(frame)) {
      this.compare(peer, frame, hash);
    } else if (frame >= this.oldestKept()) {
      this.unmatched(peer, frame, hash);
    } // else: older than anything kept; ack so the sender stops resending
    this.ack(x, frame);
  }

  /** The peer acknowledged our samples of these frames. */
  onAcks(peer: number, frames: readonly number[]): void {
    const x = this.peers[peer];
    if (!x) return;
    for (const f of frames) {
      const i = x.outbox.findIndex((s) => s.frame === f);
      if (i >= 0) x.outbox.splice(i, 1);
    }
  }

  /** The sample the next packet to `peer` carries (resent until acked), if any. */
  nextSample(peer: number): HashSample | undefined {
    const x = this.peers[peer]!;
    if (x.outbox.length === 0) return undefined;
    if (x.next >= x.outbox.length) x.next = 0;
    const s = x.outbox[x.next++]!;
    if (s.sent) this.counters.hashesResent++;
    else {
      s.sent = true;
      this.counters.hashesSent++;
    }
    return { frame: s.frame, hash: s.hash };
  }

  /** Acks the next packet to `peer` carries (taken off the list). */
  takeAcks(peer: number): number[] | undefined {
    const x = this.peers[peer]!;
    if (x.acks.length === 0) return undefined;
    return x.acks.splice(0, ACKS_PER_PACKET);
  }

  /** Queued unacked samples for `peer` (for stats and tests). */
  outboxSize(peer: number): number {
    return this.peers[peer]?.outbox.length ?? 0;
  }

  /** Remote samples of `peer` waiting for our own sample of their frame. */
  pendingSize(peer: number): number {
    return this.peers[peer]?.pending.size ?? 0;
  }

  /** Stop exchanging with a departed peer and free its queues. */
  dropPeer(peer: number): void {
    const x = this.peers[peer];
    if (!x) return;
    x.gone = true;
    x.outbox = [];
    x.pending.clear();
    x.acks = [];
  }

  /** Exchange with `peer` again (it returned), from the samples recorded from now on. */
  restorePeer(peer: number): void {
    const x = this.peers[peer];
    if (!x || peer === this.localPlayer) return;
    this.dropPeer(peer);
    x.gone = false;
  }

  /**
   * Start over at `frame` (a state transfer was loaded there): forget every
   * sample; remote samples of frames up to `frame` are acked unmatched-free.
   * `gone` lists the peers not to exchange with.
   */
  restart(frame: number, gone: (peer: number) => boolean): void {
    this.local.clear();
    this.withSnapshot.length = 0;
    this.unmatchedSeen.length = 0;
    this.lastSampled = frame;
    for (let p = 0; p < this.peers.length; p++) {
      if (p === this.localPlayer) continue;
      if (gone(p)) this.dropPeer(p);
      else this.restorePeer(p);
    }
  }

  private oldestKept(): number {
    const first = this.local.keys().next();
    return first.done ? Number.POSITIVE_INFINITY : first.value;
  }

  private ack(x: PeerExchange, frame: number): void {
    if (x.acks.includes(frame)) return;
    if (x.acks.length >= ACK_LIMIT) x.acks.shift();
    x.acks.push(frame);
  }

  private compare(peer: number, frame: number, remoteHash: number): void {
    const local = this.local.get(frame);
    if (!local || local.checked & (1 << peer)) return;
    local.checked |= 1 << peer;
    this.counters.hashesCompared++;
    if (local.hash === remoteHash) return;
    this.onDesync({ frame, peer, localHash: local.hash, remoteHash, snapshot: local.snapshot ?? new Uint8Array(0) });
  }

  /** The peer sampled a frame we did not: our episode boundaries differ, so our states do. */
  private unmatched(peer: number, frame: number, remoteHash: number): void {
    const key = frame * 8 + peer;
    if (this.unmatchedSeen.includes(key)) return;
    this.unmatchedSeen.push(key);
    if (this.unmatchedSeen.length > KEPT_SAMPLES) this.unmatchedSeen.shift();
    this.counters.hashesCompared++;
    this.onDesync({ frame, peer, localHash: 0, remoteHash, snapshot: new Uint8Array(0) });
  }
}
