/**
 * Agreed pauses: every peer stops at the same frame, with a reason, and
 * goes on from that same frame when the pause is over.
 *
 * A pause belongs to the peer that asks for it (the requester). It picks
 * the frame `P` = one past the last frame of its own inputs, and from then
 * on adds no input for `P` or later. No peer can confirm frame `P` without
 * that input, so on every peer the confirmed frame stays below `P`: a peer
 * that predicted past `P` when the request arrives rewinds to `P` (a
 * rollback that stops there), one behind runs on to `P`, and all stall at
 * `P`. The requester resumes only after every remaining peer acknowledged
 * the request; then it sends the resume and its inputs from `P` on. So a
 * peer holding the requester's input for `P` has seen the request: the
 * pauses with a frame below the logged frame count are the same on every
 * peer, and the input log records them (`InputLog.pauses`).
 *
 * The simulation never sees a pause: frames are not skipped or repeated,
 * so replaying the inputs reproduces every state and hash whatever the
 * pauses were. A pause only decides when frames are simulated.
 *
 * A `final` pause never resumes: the session ends at its frame on every
 * peer (the focus-loss timeout uses it).
 *
 * Messages (`PauseMessage`, reliable channel) are resent every
 * {@link PAUSE_RESEND_TICKS} ticks until acknowledged, so a lost, reordered
 * or duplicated message changes nothing. A requester that departs before
 * its inputs for `P` reached anyone voids its pause (every peer agrees on the
 * departure frame `D`, and drops that player's pauses with `P ≥ D`).
 *
 * Bounds: {@link MAX_PAUSES_PER_PLAYER} pauses per requester per session,
 * {@link MAX_OPEN_PER_PLAYER} open at once, {@link MAX_ACKS_QUEUED} acks
 * waiting to be sent. A message past them, or one no honest peer sends
 * (a frame at or before our confirmed frame, past the frame window, or at
 * or before an input of the requester we already hold; a resume of an
 * unknown or final pause; a changed duplicate), is refused with a reason the
 * engine counts as `bad-pause`.
 *
 * Limitation: the requester is trusted about its own pauses. A hostile one
 * can tell peers different things, which can make their pause records
 * differ; it cannot change any simulated state (hash exchange still checks
 * every state), and it can stall the session, as withholding its inputs
 * would.
 */
import { PAUSE_REASONS, type PauseReason } from '../contracts/vocabulary.ts';
import { MessageType, PauseKind, type PauseMessage } from '../protocol/messages.ts';

/** Most pauses one player may request in a session (ids 1..this). */
export const MAX_PAUSES_PER_PLAYER = 1024;
/** Most pauses of one player open (not resumed) at once. */
export const MAX_OPEN_PER_PLAYER = 8;
/** Ticks between resends of an unacknowledged request or resume. */
export const PAUSE_RESEND_TICKS = 30;
/** Most acknowledgements queued for sending (more are dropped: the requester resends). */
export const MAX_ACKS_QUEUED = 256;

/** An agreed pause: every peer stops at `frame`. */
export interface PauseRecord {
  /** The player who asked for it. */
  readonly player: number;
  /** Its number among that player's pauses (1, 2, ...). */
  readonly id: number;
  /** The frame every peer stops at (the state at its start is the paused state). */
  readonly frame: number;
  /** Why. */
  readonly reason: PauseReason;
  /** The session ends at `frame` (the pause never resumes). */
  readonly final: boolean;
}

interface Entry extends PauseRecord {
  /** Over: the requester sent (remote: we received) the resume. */
  resumed: boolean;
  /** Local: the host asked to resume (done once every remaining peer acked the request). */
  resumeWanted: boolean;
  /** Local: bitmask of peers that acknowledged the request. */
  acked: number;
  /** Local: bitmask of peers that acknowledged the resume. */
  resumeAcked: number;
  /** Local: tick the request or resume was last sent. */
  sentAt: number;
}

/** What the requester's peer knows, checked against a received request. */
export interface PauseContext {
  /** Our confirmed frame. */
  readonly confirmed: number;
  /** The highest frame a peer may name (our frame + the frame window). */
  readonly window: number;
  /** Last frame of the sender's inputs we hold. */
  readonly held: number;
}

/** The outcome of a received pause message. */
export type PauseUpdate =
  | { readonly kind: 'new'; readonly record: PauseRecord }
  | { readonly kind: 'resumed'; readonly record: PauseRecord }
  | { readonly kind: 'none' }
  | { readonly kind: 'bad'; readonly detail: string };

const NONE: PauseUpdate = { kind: 'none' };

/** The public record of an entry (no bookkeeping fields). */
function record(e: PauseRecord): PauseRecord {
  return { player: e.player, id: e.id, frame: e.frame, reason: e.reason, final: e.final };
}

/** One outgoing pause message. */
export interface PauseOutgoing {
  readonly peer: number;
  readonly message: PauseMessage;
}

/** The pause bookkeeping of one peer (pure and deterministic). */
export class Pauses {
  private readonly byPlayer: Entry[][];
  private readonly open: Int32Array;
  private acks: PauseOutgoing[] = [];
  private nextId = 1;
  /** Duplicate requests/resumes received (resends): acknowledged again, otherwise ignored. */
  duplicates = 0;

  constructor(
    readonly players: number,
    private readonly localPlayer: number,
    private readonly tag: number,
  ) {
    this.byPlayer = Array.from({ length: players }, () => []);
    this.open = new Int32Array(players);
  }

  /** Pauses this peer may still request. */
  get budget(): number {
    return MAX_PAUSES_PER_PLAYER - (this.nextId - 1);
  }

  /**
   * Request a pause at `frame` (one past our last input). Returns undefined
   * when the budget or the open limit is used up.
   */
  request(reason: PauseReason, final: boolean, frame: number): PauseRecord | undefined {
    const me = this.localPlayer;
    if (this.nextId > MAX_PAUSES_PER_PLAYER || this.open[me]! >= MAX_OPEN_PER_PLAYER) return undefined;
    const e: Entry = {
      player: me,
      id: this.nextId++,
      frame,
      reason,
      final,
      resumed: false,
      resumeWanted: false,
      acked: 1 << me,
      resumeAcked: 1 << me,
      sentAt: Number.NEGATIVE_INFINITY,
    };
    this.byPlayer[me]!.push(e);
    this.open[me]!++;
    return record(e);
  }

  /**
   * Take the pauses a state transfer carries (all over, or still open and
   * resent by their requesters): this peer's log then records them as its
   * peers' logs do, and our own next pause id follows our earlier ones.
   */
  restore(records: readonly PauseRecord[]): void {
    for (let p = 0; p < this.players; p++) this.byPlayer[p] = [];
    this.open.fill(0);
    this.nextId = 1;
    const all = (1 << this.players) - 1;
    for (const r of records) {
      if (r.player >= this.players || this.find(r.player, r.id)) continue;
      this.byPlayer[r.player]!.push({ ...r, resumed: true, resumeWanted: true, acked: all, resumeAcked: all, sentAt: Number.NEGATIVE_INFINITY });
      if (r.player === this.localPlayer && r.id >= this.nextId) this.nextId = r.id + 1;
    }
  }

  /**
   * Ask to resume our pause `id`. It resumes (see {@link Pauses.settle})
   * once every remaining peer acknowledged the request. False for an
   * unknown, final or already resumed pause.
   */
  resume(id: number): boolean {
    const e = this.find(this.localPlayer, id);
    if (!e || e.final || e.resumeWanted) return false;
    e.resumeWanted = true;
    return true;
  }

  /**
   * Resume our pauses that may: asked to, and acknowledged by every peer in
   * `remaining` (a bitmask). Returns the newly resumed.
   */
  settle(remaining: number): PauseRecord[] {
    const out: PauseRecord[] = [];
    for (const e of this.byPlayer[this.localPlayer]!) {
      if (e.resumed || !e.resumeWanted || (e.acked & remaining) !== remaining) continue;
      e.resumed = true;
      e.sentAt = Number.NEGATIVE_INFINITY;
      this.open[this.localPlayer]!--;
      out.push(record(e));
    }
    return out;
  }

  /** Take a pause message from remote player `from`. */
  onMessage(from: number, msg: PauseMessage, ctx: PauseContext): PauseUpdate {
    switch (msg.kind) {
      case PauseKind.Request:
        return this.onRequest(from, msg, ctx);
      case PauseKind.Resume: {
        const e = this.find(from, msg.id);
        if (!e) return { kind: 'bad', detail: `resume of unknown pause ${msg.id} of player ${from}` };
        if (e.final) return { kind: 'bad', detail: `resume of final pause ${msg.id} of player ${from}` };
        this.queueAck(from, PauseKind.AckResume, e);
        if (e.resumed) {
          this.duplicates++;
          return NONE;
        }
        e.resumed = true;
        this.open[from]!--;
        return { kind: 'resumed', record: record(e) };
      }
      case PauseKind.AckRequest:
      case PauseKind.AckResume: {
        const e = this.find(this.localPlayer, msg.id);
        if (!e) return { kind: 'bad', detail: `acknowledgement of unknown pause ${msg.id}` };
        if (msg.kind === PauseKind.AckRequest) e.acked |= 1 << from;
        else if (e.resumed) e.resumeAcked |= 1 << from;
        else return { kind: 'bad', detail: `acknowledgement of resume ${msg.id}, which was not sent` };
        return NONE;
      }
      default:
        return { kind: 'bad', detail: `pause kind ${String(msg.kind)}` };
    }
  }

  private onRequest(from: number, msg: PauseMessage, ctx: PauseContext): PauseUpdate {
    const reason = PAUSE_REASONS[msg.reason];
    if (reason === undefined) return { kind: 'bad', detail: `pause reason ${msg.reason}` };
    const known = this.find(from, msg.id);
    if (known) {
      if (known.frame !== msg.frame || known.reason !== reason || known.final !== msg.final) {
        return { kind: 'bad', detail: `pause ${msg.id} of player ${from} changed` };
      }
      this.duplicates++;
      this.queueAck(from, PauseKind.AckRequest, known);
      return NONE;
    }
    const list = this.byPlayer[from]!;
    if (msg.id > MAX_PAUSES_PER_PLAYER || list.length >= MAX_PAUSES_PER_PLAYER) {
      return { kind: 'bad', detail: `pause ${msg.id} of player ${from} is past the budget of ${MAX_PAUSES_PER_PLAYER}` };
    }
    if (this.open[from]! >= MAX_OPEN_PER_PLAYER) return { kind: 'bad', detail: `player ${from} has ${MAX_OPEN_PER_PLAYER} pauses open` };
    if (msg.frame <= ctx.confirmed) return { kind: 'bad', detail: `pause at frame ${msg.frame}, frame ${ctx.confirmed} is confirmed` };
    if (msg.frame > ctx.window) return { kind: 'bad', detail: `pause at frame ${msg.frame}, past frame ${ctx.window}` };
    if (ctx.held >= msg.frame) return { kind: 'bad', detail: `pause at frame ${msg.frame}, we hold player ${from}'s input of frame ${ctx.held}` };
    const e: Entry = { player: from, id: msg.id, frame: msg.frame, reason, final: msg.final, resumed: false, resumeWanted: false, acked: 0, resumeAcked: 0, sentAt: 0 };
    list.push(e);
    this.open[from]!++;
    this.queueAck(from, PauseKind.AckRequest, e);
    return { kind: 'new', record: record(e) };
  }

  private queueAck(to: number, kind: PauseKind, e: Entry): void {
    if (this.acks.length >= MAX_ACKS_QUEUED) return;
    const reason = PAUSE_REASONS.indexOf(e.reason);
    this.acks.push({ peer: to, message: { type: MessageType.Pause, tag: this.tag, kind, id: e.id, frame: e.frame, reason, final: e.final } });
  }

  private find(player: number, id: number): Entry | undefined {
    const list = this.byPlayer[player];
    if (!list) return undefined;
    // ids are dense from 1 for honest requesters; search from the end (the newest are asked about most).
    for (let i = list.length - 1; i >= 0; i--) if (list[i]!.id === id) return list[i];
    return undefined;
  }

  /**
   * Messages to send at tick `tick`: queued acknowledgements, and our
   * requests and resumes each peer in `remaining` (bitmask) has not
   * acknowledged, every {@link PAUSE_RESEND_TICKS} ticks.
   */
  outgoing(tick: number, remaining: number): PauseOutgoing[] {
    const out = this.acks;
    this.acks = [];
    for (const e of this.byPlayer[this.localPlayer]!) {
      const resume = e.resumed;
      const acked = resume ? e.resumeAcked : e.acked;
      if ((acked & remaining) === remaining || tick - e.sentAt < PAUSE_RESEND_TICKS) continue;
      e.sentAt = tick;
      const kind = resume ? PauseKind.Resume : PauseKind.Request;
      const message: PauseMessage = { type: MessageType.Pause, tag: this.tag, kind, id: e.id, frame: e.frame, reason: PAUSE_REASONS.indexOf(e.reason), final: e.final };
      for (let p = 0; p < this.players; p++) if (remaining & (1 << p) && !(acked & (1 << p))) out.push({ peer: p, message });
    }
    return out;
  }

  /** The frame no peer may simulate: the lowest of the open pauses (Infinity: none). */
  stopFrame(): number {
    let stop = Number.POSITIVE_INFINITY;
    for (const list of this.byPlayer) for (const e of list) if (!e.resumed && e.frame < stop) stop = e.frame;
    return stop;
  }

  /** The last frame we may add local input for (Infinity: no own pause open). */
  inputLimit(): number {
    let limit = Number.POSITIVE_INFINITY;
    for (const e of this.byPlayer[this.localPlayer]!) if (!e.resumed && e.frame - 1 < limit) limit = e.frame - 1;
    return limit;
  }

  /** The open pause holding the frame `frame`, if any (the lowest player's). */
  holding(frame: number): PauseRecord | undefined {
    for (const list of this.byPlayer) for (const e of list) if (!e.resumed && e.frame <= frame) return record(e);
    return undefined;
  }

  /**
   * Player `player` departed at the agreed frame `departure`: its pauses at
   * or after `departure` never took effect anywhere (void), the others end.
   */
  dropPlayer(player: number, departure: number): void {
    const list = this.byPlayer[player];
    if (!list) return;
    const kept = list.filter((e) => e.frame < departure);
    for (const e of kept) e.resumed = true;
    this.byPlayer[player] = kept;
    this.open[player] = 0;
  }

  /** Every pause known (open or over), by frame, then player, then id. */
  all(): PauseRecord[] {
    const out: PauseRecord[] = [];
    for (const list of this.byPlayer) for (const e of list) out.push(record(e));
    return out.sort((a, b) => a.frame - b.frame || a.player - b.player || a.id - b.id);
  }

  /**
   * The pauses an input log of `frames` frames records: those every peer
   * knows of by then (frame below `frames`; a final one at `frames`).
   */
  log(frames: number): PauseRecord[] {
    return this.all().filter((p) => p.frame < frames || (p.final && p.frame === frames));
  }
}
