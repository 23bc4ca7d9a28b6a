/**
 * Live view of running sessions for the dashboard: the latest stats each
 * member sent (`live-stats`), plus short RTT and frame histories.
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

  constructor(private readonly keepEndedMs = 10 * 60_000) {}

  add(sessionId: string, createdAt: number, room: string, players: readonly { index: number; name: string }[]): void {
    this.sessions.set(sessionId, {
      sessionId,
      createdAt,
      room,
      endedAt: null,
      players: players.map((p) => ({ playerIndex: p.index, name: p.name, left: false, stats: null, updatedAt: null, rtt: [] })),
    });
  }

  update(sessionId: string, playerIndex: number, stats: LiveStats, now: number): void {
    const player = this.sessions.get(sessionId)?.players[playerIndex];
    if (!player) return;
    player.stats = stats;
    player.updatedAt = now;
    const rtts = stats.links.map((l) => l.rttMs).filter((v) => v > 0);
    if (rtts.length) {
      player.rtt.push([now, rtts.reduce((a, b) => a + b, 0) / rtts.length]);
      if (player.rtt.length > HISTORY) player.rtt.shift();
    }
  }

  left(sessionId: string, playerIndex: number, now: number): void {
    const s = this.sessions.get(sessionId);
    const player = s?.players[playerIndex];
    if (!s || !player) return;
    player.left = true;
    if (s.players.every((p) => p.left)) s.endedAt = now;
  }

  /** Sessions still running, or ended recently. */
  list(now: number): LiveSession[] {
    for (const [id, s] of this.sessions) if (s.endedAt !== null && now - s.endedAt > this.keepEndedMs) this.sessions.delete(id);
    return [...this.sessions.values()].sort((a, b) => b.createdAt - a.createdAt);
  }
}
