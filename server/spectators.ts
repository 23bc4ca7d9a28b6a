/**
 * Spectators: who watches which session, by which path, fed by which player.
 *
 * A spectator `watch`es a session by its id (a random UUID: unguessable, so
 * only those it was shared with can ask), or with the admin token when the
 * server lets only admins watch. It is never a member: it cannot `signal`,
 * `relay` or send `spectator-data`, and nothing it sends reaches a player's
 * engine. Its stream comes either from one player over a DataChannel (`p2p`)
 * or from the server's fan-out (`server`) of the stream one player uploads.
 *
 * Choosing the path: `via: 'server'`, or no player with a free peer slot
 * (each `p2p` player serves at most `spectatorPeerSlots` spectators, default
 * 2; players who joined with `spectators: 'server'` serve none), puts the
 * spectator on the server path, fed by the session's lowest-index present
 * player, which uploads each message once however many spectators there are.
 *
 * Bounds: at most {@link MAX_SPECTATORS} spectators a session (the 33rd gets
 * `spectators-full`); entries are removed when the spectator disconnects and
 * every spectator of a session is told `watch-ended` and removed when the
 * session ends. A feeder that leaves hands its spectators to the server path.
 */
import { randomBytes } from 'node:crypto';
import { ErrorCode, type ErrorInfo, MAX_SPECTATORS, type SpectatorMode, type SpectatorPath } from '../src/signaling/events.ts';
import type { Session } from './sessions.ts';

/** One spectator. */
export interface Spectator {
  /** Server-made id (22 characters of base64url). */
  readonly id: string;
  /** socket.io socket id of the spectator's connection. */
  readonly socketId: string;
  readonly sessionId: string;
  /** How its stream travels. */
  path: SpectatorPath;
  /** The player feeding it. */
  feeder: number;
  /** Server path: part of its stream was dropped (backpressure); it needs a fresh snapshot. */
  lost: boolean;
  /** When a fresh snapshot was last asked for it, ms. */
  resnapAt: number;
}

/** Spectator figures, server-wide. */
export interface SpectatorCounters {
  /** `watch` requests accepted. */
  watches: number;
  /** `watch` requests refused (full, disabled, unauthorized, unknown session). */
  refused: number;
  /** Messages from spectators or non-feeders that tried to act as players (`spectator-data` not theirs), dropped. */
  hostileDropped: number;
  /** Stream messages forwarded to server-path spectators (one per spectator). */
  fanoutMessages: number;
  /** Bytes of those. */
  fanoutBytes: number;
  /** Stream messages dropped because a spectator was not reading (it then gets a fresh snapshot). */
  backpressureDrops: number;
}

/** What {@link SpectatorRegistry.add} is given. */
export interface WatchChoice {
  readonly via: 'auto' | SpectatorPath;
  /** Most P2P spectators one player feeds. */
  readonly peerSlots: number;
}

interface SessionSpectators {
  readonly modes: SpectatorMode[];
  readonly spectators: Map<string, Spectator>;
}

/** The spectator tables. Knows sessions only through the {@link Session} objects it is given. */
export class SpectatorRegistry {
  readonly #bySession = new Map<string, SessionSpectators>();
  readonly #bySocket = new Map<string, Spectator>();
  /** Server-wide counters. */
  readonly counters: SpectatorCounters = { watches: 0, refused: 0, hostileDropped: 0, fanoutMessages: 0, fanoutBytes: 0, backpressureDrops: 0 };

  /** Record the members' spectator settings (index = player) when a session forms. */
  sessionStarted(sessionId: string, modes: readonly SpectatorMode[]): void {
    this.#bySession.set(sessionId, { modes: [...modes], spectators: new Map() });
  }

  /**
   * A seat of a session was resumed with a secret carrying the members'
   * settings (`undefined`: all `p2p`). After a server restart (or once every
   * connection had dropped) the session has no entry yet: it gets one, so it
   * can be watched again. A setting of `off` in any secret wins.
   */
  sessionResumed(sessionId: string, modes: readonly SpectatorMode[] | undefined): void {
    let s = this.#bySession.get(sessionId);
    if (!s) {
      s = { modes: [], spectators: new Map() };
      this.#bySession.set(sessionId, s);
    }
    for (const [i, m] of (modes ?? []).entries()) if (s.modes[i] === undefined || m === 'off') s.modes[i] = m;
  }

  /** The members' spectator settings by index (for resume secrets). */
  modesOf(sessionId: string): readonly SpectatorMode[] {
    return this.#bySession.get(sessionId)?.modes ?? [];
  }

  /** A late joiner took seat `index` of a session: its spectator setting counts from now on. */
  seatTaken(sessionId: string, index: number, mode: SpectatorMode): void {
    const s = this.#bySession.get(sessionId);
    if (s) s.modes[index] = mode;
  }

  /** The spectator on `socketId`, if it is one. */
  ofSocket(socketId: string): Spectator | undefined {
    return this.#bySocket.get(socketId);
  }

  /** The spectators of a session (optionally only those fed by `feeder` on `path`). */
  of(sessionId: string, filter: { feeder?: number; path?: SpectatorPath } = {}): Spectator[] {
    const s = this.#bySession.get(sessionId);
    if (!s) return [];
    return [...s.spectators.values()].filter((v) => (filter.feeder === undefined || v.feeder === filter.feeder) && (filter.path === undefined || v.path === filter.path));
  }

  /** Spectators watching now, server-wide. */
  get size(): number {
    return this.#bySocket.size;
  }

  /** Spectator count of a session. */
  count(sessionId: string): number {
    return this.#bySession.get(sessionId)?.spectators.size ?? 0;
  }

  /** Tables held (sessions with spectator settings, spectators), for bound checks. */
  tables(): { sessions: number; spectators: number } {
    return { sessions: this.#bySession.size, spectators: this.#bySocket.size };
  }

  /** The player that feeds the session's server-path spectators: its lowest-index present member. */
  serverFeeder(session: Session): number | undefined {
    const present = [...session.members.keys()].sort((a, b) => a - b);
    return present[0];
  }

  /**
   * Add the spectator on `socketId` to `session`, choosing its path and feeder.
   * Returns the entry, or the refusal (`spectators-full`, `spectating-disabled`).
   */
  add(session: Session, socketId: string, choice: WatchChoice): Spectator | ErrorInfo {
    const s = this.#bySession.get(session.id);
    if (!s) return this.refuse({ code: ErrorCode.NotFound, message: 'watch: no such session', event: 'watch' });
    if (s.modes.includes('off')) return this.refuse({ code: ErrorCode.SpectatingDisabled, message: 'watch: a player of this session turned spectating off', event: 'watch' });
    if (s.spectators.size >= MAX_SPECTATORS) {
      return this.refuse({ code: ErrorCode.SpectatorsFull, message: `watch: the session has its ${MAX_SPECTATORS} spectators already`, event: 'watch' });
    }
    let path: SpectatorPath = 'server';
    let feeder = this.serverFeeder(session);
    if (feeder === undefined) return this.refuse({ code: ErrorCode.NotFound, message: 'watch: the session has no players left', event: 'watch' });
    if (choice.via !== 'server') {
      let best: { index: number; load: number } | undefined;
      for (const index of [...session.members.keys()].sort((a, b) => a - b)) {
        if (s.modes[index] === 'server') continue;
        const load = this.of(session.id, { feeder: index, path: 'p2p' }).length;
        if (load < choice.peerSlots && (!best || load < best.load)) best = { index, load };
      }
      if (best) {
        path = 'p2p';
        feeder = best.index;
      }
    }
    const spectator: Spectator = { id: randomBytes(16).toString('base64url'), socketId, sessionId: session.id, path, feeder, lost: false, resnapAt: 0 };
    s.spectators.set(spectator.id, spectator);
    this.#bySocket.set(socketId, spectator);
    this.counters.watches++;
    return spectator;
  }

  /** Count a refused `watch` and return the refusal. */
  refuse(error: ErrorInfo): ErrorInfo {
    this.counters.refused++;
    return error;
  }

  /** Remove the spectator on `socketId` (it left or disconnected). */
  remove(socketId: string): Spectator | undefined {
    const v = this.#bySocket.get(socketId);
    if (!v) return undefined;
    this.#bySocket.delete(socketId);
    this.#bySession.get(v.sessionId)?.spectators.delete(v.id);
    return v;
  }

  /** The session ended: forget it and return its spectators (to be told `watch-ended`). */
  endSession(sessionId: string): Spectator[] {
    const s = this.#bySession.get(sessionId);
    if (!s) return [];
    this.#bySession.delete(sessionId);
    const all = [...s.spectators.values()];
    for (const v of all) this.#bySocket.delete(v.socketId);
    return all;
  }

  /**
   * Player `index` left a session that goes on: its spectators, and the
   * server-path ones when it fed them, move to the server path fed by
   * `newFeeder`. Returns the moved spectators (each needs a snapshot).
   */
  feederLeft(sessionId: string, index: number, newFeeder: number): Spectator[] {
    const moved: Spectator[] = [];
    for (const v of this.of(sessionId)) {
      if (v.feeder !== index) continue;
      v.path = 'server';
      v.feeder = newFeeder;
      moved.push(v);
    }
    return moved;
  }
}
