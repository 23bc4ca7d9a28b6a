/**
 * Presence: whether each player's page is in view, told to every peer over
 * the reliable channel.
 *
 * The host says when its page is hidden or visible (`Engine.setFocused`).
 * Each change gets the next sequence number (uint16, wrapping) and is sent
 * to every remaining peer, resent every {@link PRESENCE_RESEND_TICKS} ticks
 * until that peer acknowledges it; a receiver takes a state only when it is
 * newer than the last it took (so loss, reordering and duplicates change
 * nothing) and acknowledges every copy. Fixed size: a few numbers per
 * player, and at most {@link MAX_PRESENCE_ACKS} acknowledgements waiting.
 *
 * What a player's page says about itself is taken as said: presence drives
 * policies (`absence.ts`), never the simulation.
 */
import { MessageType, type PresenceMessage } from '../protocol/messages.ts';

/** Ticks between resends of an unacknowledged presence change. */
export const PRESENCE_RESEND_TICKS = 30;
/** Most acknowledgements queued for sending (more are dropped: the sender resends). */
export const MAX_PRESENCE_ACKS = 64;

/** `a` is newer than `b` in uint16 sequence arithmetic. */
function newer(a: number, b: number): boolean {
  const d = (a - b) & 0xffff;
  return d !== 0 && d < 0x8000;
}

/** One player's focus changed. */
export interface PresenceChange {
  /** The player. */
  readonly player: number;
  /** Its page is visible now. */
  readonly focused: boolean;
}

export class Presence {
  private readonly focused: boolean[];
  /** Per player: `clock` ms at which we learnt it became hidden (NaN while focused). */
  private readonly hiddenSince: Float64Array;
  private readonly seqIn: Int32Array;
  private seq = 0;
  private acked = 0;
  private sentAt = Number.NEGATIVE_INFINITY;
  private acks: { peer: number; message: PresenceMessage }[] = [];

  constructor(
    readonly players: number,
    private readonly localPlayer: number,
    private readonly tag: number,
  ) {
    this.focused = new Array<boolean>(players).fill(true);
    this.hiddenSince = new Float64Array(players).fill(Number.NaN);
    this.seqIn = new Int32Array(players);
  }

  /** Player `player`'s page is visible (as far as we know). */
  isFocused(player: number): boolean {
    return this.focused[player] ?? true;
  }

  /** Every player in `mask` is focused. */
  allFocused(mask: number): boolean {
    for (let p = 0; p < this.players; p++) if (mask & (1 << p) && !this.focused[p]) return false;
    return true;
  }

  /** The player in `mask` hidden the longest, and for how long at `now` (undefined: all focused). */
  longestHidden(mask: number, now: number): { player: number; ms: number } | undefined {
    let out: { player: number; ms: number } | undefined;
    for (let p = 0; p < this.players; p++) {
      if (!(mask & (1 << p)) || this.focused[p]) continue;
      const ms = now - this.hiddenSince[p]!;
      if (!out || ms > out.ms) out = { player: p, ms };
    }
    return out;
  }

  /** How long this peer's own page has been hidden at `now`, ms (0 while focused). */
  localHiddenMs(now: number): number {
    return this.focused[this.localPlayer] ? 0 : now - this.hiddenSince[this.localPlayer]!;
  }

  /** This page became visible or hidden. Returns the change, if it is one. */
  setLocal(focused: boolean, now: number): PresenceChange | undefined {
    return this.set(this.localPlayer, focused, now, () => {
      this.seq = (this.seq + 1) & 0xffff;
      this.acked = 1 << this.localPlayer;
      this.sentAt = Number.NEGATIVE_INFINITY;
    });
  }

  private set(player: number, focused: boolean, now: number, then?: () => void): PresenceChange | undefined {
    if (this.focused[player] === focused) return undefined;
    this.focused[player] = focused;
    this.hiddenSince[player] = focused ? Number.NaN : now;
    then?.();
    return { player, focused };
  }

  /** A presence message from `from`. Returns the change it makes, if any. */
  onMessage(from: number, msg: PresenceMessage, now: number): PresenceChange | undefined {
    if (msg.kind === 'ack') {
      if (msg.seq === this.seq) this.acked |= 1 << from;
      return undefined;
    }
    if (this.acks.length < MAX_PRESENCE_ACKS) {
      this.acks.push({ peer: from, message: { type: MessageType.Presence, tag: this.tag, kind: 'ack', seq: msg.seq, focused: msg.focused } });
    }
    if (!newer(msg.seq, this.seqIn[from]!)) return undefined;
    this.seqIn[from] = msg.seq;
    return this.set(from, msg.focused, now);
  }

  /** A player is gone: it counts as focused (it no longer holds anything up). */
  drop(player: number): void {
    this.focused[player] = true;
    this.hiddenSince[player] = Number.NaN;
  }

  /** Messages to send at tick `tick` to the peers in `remaining` (bitmask). */
  outgoing(tick: number, remaining: number): { peer: number; message: PresenceMessage }[] {
    const out = this.acks;
    this.acks = [];
    if (this.seq === 0 || (this.acked & remaining) === remaining || tick - this.sentAt < PRESENCE_RESEND_TICKS) return out;
    this.sentAt = tick;
    const message: PresenceMessage = { type: MessageType.Presence, tag: this.tag, kind: 'state', seq: this.seq, focused: this.focused[this.localPlayer]! };
    for (let p = 0; p < this.players; p++) if (remaining & (1 << p) && !(this.acked & (1 << p))) out.push({ peer: p, message });
    return out;
  }
}
