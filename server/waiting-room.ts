/**
 * The waiting room around the lobby: who waits (at most one live join per
 * participant id), for how long (`waitTimeoutMs`, then `timeout`), and the
 * live count pushed to every waiting member (`waiting { count, needed }`) on
 * every join and departure.
 *
 * Bounds: one timer and one participant entry per connected socket at most
 * (entries are removed when the socket leaves the group or session, times
 * out or disconnects).
 */
import { ErrorCode, type ErrorInfo, type WaitingUpdate } from '../src/signaling/events.ts';
import type { LobbyStore } from './cluster/lobby-store.ts';
import type { GroupTarget, LobbyJoinResult, WaitingClient } from './lobby.ts';

/** A join that waited too long, as recorded. */
export interface WaitTimeoutRecord {
  readonly target: GroupTarget;
  readonly client: WaitingClient;
  /** How long it waited, ms. */
  readonly waitedMs: number;
  /** Members in its group when it gave up (itself included). */
  readonly count: number;
}

/** What the waiting room needs. */
export interface WaitingRoomOptions {
  /** Longest wait, ms; a join may ask for less. */
  readonly timeoutMs: number;
  /** Sends a server event to the client on a socket (if still connected). */
  readonly send: (socketId: string, event: 'waiting' | 'timeout', payload: WaitingUpdate | { waitedMs: number }) => void;
  /** Whether a participant id has already completed a session (re-entry refused); absent: never. */
  readonly completed?: (participantId: string) => boolean;
  /** Called for each join that timed out (for the research store). */
  readonly onTimeout?: (record: WaitTimeoutRecord) => void;
  /** Clock, ms. */
  readonly now: () => number;
  /** Where a failure of the lobby store during a timeout is reported (e.g. Redis unreachable). */
  readonly onError?: (err: unknown) => void;
}

interface Wait {
  readonly since: number;
  readonly timer: ReturnType<typeof setTimeout>;
  readonly target: GroupTarget;
}

/**
 * Participant uniqueness, wait limits and live counts for a {@link LobbyStore}.
 * Participant ids are checked on this node (a cluster does not share them).
 */
export class WaitingRoom {
  readonly #waits = new Map<string, Wait>();
  /** participant id → socket id, while that participant waits or plays. */
  readonly #participants = new Map<string, string>();
  readonly #participantOf = new Map<string, string>();
  /** When each client's wait ends (kept while a tentative group is probed, so a re-queued client waits no longer in all). */
  readonly #deadlines = new Map<string, { since: number; deadline: number; target: GroupTarget }>();

  constructor(
    private readonly lobby: LobbyStore,
    private readonly options: WaitingRoomOptions,
  ) {}

  /**
   * Joins `client` to `target`'s group: refuses a participant id that is
   * already waiting or playing (`duplicate-participant`) or that completed a
   * session (`participant-completed`); otherwise waits at most `waitMs`
   * (capped by the server's limit) and pushes the new count to the group.
   */
  async join(client: WaitingClient, target: GroupTarget, waitMs?: number): Promise<LobbyJoinResult> {
    const pid = client.participantId;
    const refused = this.#participantRefusal(client);
    if (refused) return { ok: false, error: refused };
    if (pid !== undefined) {
      // held while the lobby answers, so a second tab cannot slip in meanwhile
      this.#participants.set(pid, client.socketId);
      this.#participantOf.set(client.socketId, pid);
    }
    let result: LobbyJoinResult;
    try {
      result = await this.lobby.join(client, target);
    } catch (err) {
      this.release(client.socketId);
      throw err;
    }
    if (!result.ok) {
      this.release(client.socketId);
      return result;
    }
    // A repeated join (its first answer was lost): another join's group took it; that group's node seats it.
    if (result.seated) return result;
    // every join has a deadline, the one that completes a group too (a failed RTT probe sends it back to wait)
    const ms = Math.min(this.options.timeoutMs, waitMs ?? Infinity);
    const since = this.options.now();
    this.#deadlines.set(client.socketId, { since, deadline: since + ms, target });
    if (result.formed) {
      for (const m of result.formed) this.#stopTimer(m.socketId);
      this.#push(result.formed, target.players);
      return result;
    }
    this.#startTimer(client.socketId);
    // The live count is a courtesy: a store too slow to give it does not undo the join.
    try {
      const view = await this.lobby.groupOf(client.socketId);
      if (view) this.#push(view.members, view.needed);
    } catch (err) {
      this.options.onError?.(err);
    }
    return result;
  }

  /** A group formed on another node seated the client on `socketId`: its wait is over. */
  seatedElsewhere(socketId: string): void {
    this.lobby.seatedElsewhere(socketId);
    this.#stopTimer(socketId);
  }

  /**
   * Puts the members of a dissolved tentative group back at the front of
   * `target`'s queue (see {@link Lobby.requeue}); their waits go on to the
   * deadlines of their first joins.
   */
  async requeue(clients: readonly WaitingClient[], target: GroupTarget, avoid: readonly (readonly [string, string])[]): Promise<LobbyJoinResult> {
    const result = await this.lobby.requeue(clients, target, avoid);
    if (!result.ok) return result;
    if (result.formed) {
      for (const m of result.formed) this.#stopTimer(m.socketId);
      this.#push(result.formed, target.players);
    }
    for (const c of clients) if (this.lobby.isWaiting(c.socketId)) this.#startTimer(c.socketId);
    for (const c of clients) {
      const view = await this.lobby.groupOf(c.socketId);
      if (view) {
        this.#push(view.members, view.needed);
        break;
      }
    }
    return result;
  }

  #startTimer(socketId: string): void {
    const d = this.#deadlines.get(socketId);
    if (!d) return;
    this.#stopTimer(socketId);
    const timer = setTimeout(() => {
      this.#timedOut(socketId).catch((err: unknown) => this.options.onError?.(err));
    }, Math.max(0, d.deadline - this.options.now()));
    timer.unref?.();
    this.#waits.set(socketId, { since: d.since, timer, target: d.target });
  }

  /** The client on `socketId` left its group (leave or disconnect): tells the rest. Resolves to whether it was waiting. */
  async leave(socketId: string): Promise<boolean> {
    this.#stopTimer(socketId);
    const view = await this.lobby.leaveGroup(socketId);
    if (!view) return false;
    this.release(socketId);
    this.#push(view.members, view.needed);
    return true;
  }

  /**
   * A late joiner takes a seat without waiting: the same participant checks
   * as {@link join}; on success its participant id counts as playing (until
   * {@link release}). Returns the refusal, if any.
   */
  admit(client: WaitingClient): ErrorInfo | undefined {
    const refused = this.#participantRefusal(client);
    if (refused) return refused;
    if (client.participantId !== undefined) {
      this.#participants.set(client.participantId, client.socketId);
      this.#participantOf.set(client.socketId, client.participantId);
    }
    return undefined;
  }

  #participantRefusal(client: WaitingClient): ErrorInfo | undefined {
    const pid = client.participantId;
    if (pid === undefined) return undefined;
    const holder = this.#participants.get(pid);
    if (holder !== undefined && holder !== client.socketId) return refusal(ErrorCode.DuplicateParticipant, `participant ${pid} is already waiting or playing (another tab?)`);
    if (this.options.completed?.(pid)) return refusal(ErrorCode.ParticipantCompleted, `participant ${pid} has already completed a session`);
    return undefined;
  }

  /** The client on `socketId` is done (left its session): its participant id is free again. */
  release(socketId: string): void {
    this.#deadlines.delete(socketId);
    const pid = this.#participantOf.get(socketId);
    if (pid === undefined) return;
    this.#participantOf.delete(socketId);
    if (this.#participants.get(pid) === socketId) this.#participants.delete(pid);
  }

  /** Clients with a running wait timer. */
  get waiting(): number {
    return this.#waits.size;
  }

  /** Participant ids currently waiting or playing. */
  get participants(): number {
    return this.#participants.size;
  }

  /** Stops every timer (server shutdown). */
  close(): void {
    for (const w of this.#waits.values()) clearTimeout(w.timer);
    this.#waits.clear();
  }

  #stopTimer(socketId: string): Wait | undefined {
    const w = this.#waits.get(socketId);
    if (w) {
      clearTimeout(w.timer);
      this.#waits.delete(socketId);
    }
    return w;
  }

  async #timedOut(socketId: string): Promise<void> {
    const wait = this.#stopTimer(socketId);
    const client = this.lobby.client(socketId);
    if (!wait || !client) return;
    const view = await this.lobby.leaveGroup(socketId);
    if (!view) return;
    const count = view.members.length + 1;
    this.release(socketId);
    const waitedMs = Math.max(0, Math.round(this.options.now() - wait.since));
    this.options.send(socketId, 'timeout', { waitedMs });
    this.options.onTimeout?.({ target: wait.target, client, waitedMs, count });
    this.#push(view.members, view.needed);
  }

  #push(members: readonly WaitingClient[], needed: number): void {
    const update: WaitingUpdate = { count: members.length, needed };
    for (const m of members) this.options.send(m.socketId, 'waiting', update);
  }
}

function refusal(code: ErrorCode, message: string): ErrorInfo {
  return { code, message, event: 'join' };
}
