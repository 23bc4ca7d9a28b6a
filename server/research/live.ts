/**
 * Live view of running sessions for the dashboard: the latest stats each
 * member sent (`live-stats`), plus short RTT and frame histories.
 *
 * Bounded: at most `maxEntries` sessions (when full, the oldest ended one is
 * dropped, else the oldest one), ended sessions are pruned `keepEndedMs`
 * after they end (the server calls {@link LiveSessions.prune} on a timer),
 * and each player keeps at most 300 RTT samples.
 */
import type { LiveStats } from '../../src/signaling/events.ts';

const HISTORY = 300;

export interface LivePlayer {
  playerIndex: number;
  name: string;
  left: boolean;
  stats: LiveStats | null;
  updatedAt: number | null;
  /** [time ms, mean RTT over links ms] samples, oldest first. */
  rtt: [number, number][];
}

export interface LiveSession {
  sessionId: string;
  createdAt: number;
  room: string;
  players: LivePlayer[];
  endedAt: number | null;
}

export class LiveSessions {
  private readonly sessions = new Map<string, LiveSession>();

  constructor(
    private readonly keepEndedMs = 2 * 60_000,
    private readonly maxEntries = 1000,
  ) {}

  /** Entries held (running and recently ended sessions). */
  get size(): number {
    return this.sessions.size;
  }

  add(sessionId: string, createdAt: number, room: string, players: readonly { index: number; name: string }[]): void {
    if (!this.sessions.has(sessionId) && this.sessions.size >= this.maxEntries) this.evictOne();
    this.sessions.set(sessionId, {
      sessionId,
      createdAt,
      room,
      endedAt: null,
      players: players.map((p) => ({ playerIndex: p.index, name: p.name, left: false, stats: null, updatedAt: null, rtt: [] })),
    });
  }

  update(sessionId: string, playerIndex: number, stats: LiveStats, now: number): void {
    const player = this.sessions.get(sessionId)?.players.find((p) => p.playerIndex === playerIndex);
    if (!player) return;
    player.stats = stats;
    player.updatedAt = now;
    const rtts = stats.links.map((l) => l.rttMs).filter((v) => v > 0);
    if (rtts.length) {
      player.rtt.push([now, rtts.reduce((a, b) => a + b, 0) / rtts.length]);
      if (player.rtt.length > HISTORY) player.rtt.shift();
    }
  }

  /** Whether `sessionId` has an entry. */
  has(sessionId: string): boolean {
    return this.sessions.has(sessionId);
  }

  /** A late joiner took seat `playerIndex` (the session's list grows to hold it). */
  joined(sessionId: string, playerIndex: number, name: string): void {
    const s = this.sessions.get(sessionId);
    if (!s || s.players.some((p) => p.playerIndex === playerIndex)) return;
    s.players.push({ playerIndex, name, left: false, stats: null, updatedAt: null, rtt: [] });
    s.players.sort((a, b) => a.playerIndex - b.playerIndex);
  }

  /** A player that had left (lost its connection) took its seat back: present again, the session running again. */
  resumed(sessionId: string, playerIndex: number): void {
    const s = this.sessions.get(sessionId);
    const player = s?.players.find((p) => p.playerIndex === playerIndex);
    if (!s || !player) return;
    player.left = false;
    s.endedAt = null;
  }

  left(sessionId: string, playerIndex: number, now: number): void {
    const s = this.sessions.get(sessionId);
    const player = s?.players.find((p) => p.playerIndex === playerIndex);
    if (!s || !player) return;
    player.left = true;
    if (s.players.every((p) => p.left)) s.endedAt = now;
  }

  /** Drops sessions that ended more than `keepEndedMs` ago. */
  prune(now: number): void {
    for (const [id, s] of this.sessions) if (s.endedAt !== null && now - s.endedAt > this.keepEndedMs) this.sessions.delete(id);
  }

  /** Sessions still running, or ended recently. */
  list(now: number): LiveSession[] {
    this.prune(now);
    return [...this.sessions.values()].sort((a, b) => b.createdAt - a.createdAt);
  }

  /** Makes room for one entry: the oldest ended session, else the oldest one (Map order is insertion order). */
  private evictOne(): void {
    for (const [id, s] of this.sessions) {
      if (s.endedAt !== null) {
        this.sessions.delete(id);
        return;
      }
    }
    const oldest = this.sessions.keys().next();
    if (!oldest.done) this.sessions.delete(oldest.value);
  }
}
