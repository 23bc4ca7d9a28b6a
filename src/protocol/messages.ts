/**
 * netroll wire messages. Every packet starts with three bytes:
 * `[version u8][type u8][session tag u8]`, then a type-specific big-endian
 * body. See `codec.ts` for the exact layouts.
 */

/** The protocol version this build speaks (first byte of every packet). */
export const PROTOCOL_VERSION = 3;

/** Message type codes (second byte of every packet). */
export const MessageType = {
  Input: 1,
  Ping: 2,
  Pong: 3,
  StateHash: 4,
  Close: 5,
  Resync: 6,
  Hello: 7,
  Transfer: 8,
  Pause: 9,
  Presence: 10,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Ack value meaning "no input of the receiver's received yet". */
export const NO_ACK = -1;

/**
 * A confirmed-state hash sample riding on an Input packet. It is resent (in
 * later packets) until the receiver acknowledges its frame.
 */
export interface HashSample {
  /** The frame whose start state was hashed (an episode start: the ended episode's final state). */
  readonly frame: number;
  /** uint32 xxHash32 of the snapshot bytes. */
  readonly hash: number;
}

/**
 * A peer's view of a departed player, riding on Input packets while the
 * remaining peers agree on the departure frame (see `src/engine/departures.ts`).
 */
export interface LeaveNotice {
  /** The player who left (0..7). */
  readonly player: number;
  /** Last frame of that player's inputs the sender held when it learned of the departure (-1: none). */
  readonly frozenFrame: number;
  /** Last frame of that player's inputs the sender holds now (relays can raise it; -1: none). */
  readonly heldFrame: number;
}

/**
 * The resync authority's word that an absent player plays again from
 * `frame` (its input is neutral before), riding on Input packets until the
 * receiver acknowledges an input frame at or past it (see
 * `src/engine/rejoin.ts`).
 */
export interface ReturnNotice {
  /** The returning player (0..7). */
  readonly player: number;
  /** First frame of its real inputs. */
  readonly frame: number;
}

/**
 * Consecutive inputs of one or more players, from `startFrame`.
 * `inputs` holds `frameCount * players.length * inputSize` bytes, frame-major:
 * frame 0 of every carried player (in ascending player order), then frame 1...
 */
export interface InputMessage {
  readonly type: typeof MessageType.Input;
  /** Frame of the first input carried (uint32). */
  readonly startFrame: number;
  /** Number of consecutive frames carried (1..255). */
  readonly frameCount: number;
  /** Player indices carried, ascending, unique, each 0..7. */
  readonly players: readonly number[];
  /** Bytes per player per frame (1..16). */
  readonly inputSize: number;
  /**
   * Last frame of the receiver's inputs the sender holds contiguously
   * (`NO_ACK` when none). Encoded as a signed 16-bit delta from startFrame;
   * the encoder clamps it downwards (a lower ack only causes resends).
   */
  readonly ack: number;
  /**
   * The sender's current simulation frame (for frame advantage). Encoded as
   * a signed 8-bit delta from the last frame carried, clamped.
   */
  readonly senderFrame: number;
  readonly inputs: Uint8Array;
  /** Session tag (uint8): packets of another session are dropped (see `sessionTag` in the engine). */
  readonly tag: number;
  /** A round-trip probe id to echo back (uint32). */
  readonly ping?: number;
  /** The echo of a ping id this peer received (uint32). */
  readonly pong?: number;
  /** A state hash sample (acked via `hashAcks`). */
  readonly hash?: HashSample;
  /** Frames of hash samples received from the packet's receiver (at most 8). */
  readonly hashAcks?: readonly number[];
  /** Departure notices (at most 7). */
  readonly leaves?: readonly LeaveNotice[];
  /** Return notices (at most 7). */
  readonly returns?: readonly ReturnNotice[];
}

/** Round-trip probe; `id` is echoed back in a Pong. */
export interface PingMessage {
  readonly type: typeof MessageType.Ping;
  /** Session tag (uint8). */
  readonly tag: number;
  /** uint32, usually the sender's clock in ms truncated to 32 bits. */
  readonly id: number;
}

export interface PongMessage {
  readonly type: typeof MessageType.Pong;
  /** Session tag (uint8). */
  readonly tag: number;
  readonly id: number;
}

/** Hash of the confirmed state at the start of `frame`. */
export interface StateHashMessage {
  readonly type: typeof MessageType.StateHash;
  /** Session tag (uint8). */
  readonly tag: number;
  readonly frame: number;
  /** uint32 xxHash32 of the snapshot bytes. */
  readonly hash: number;
}

/** Why a peer is leaving; sent on the reliable channel. */
export interface CloseMessage {
  readonly type: typeof MessageType.Close;
  /** Session tag (uint8). */
  readonly tag: number;
  /** uint8 reason code (see `CloseReason`). */
  readonly reason: number;
  /** Human-readable detail, UTF-8, at most 255 bytes encoded. */
  readonly detail: string;
}

export const CloseReason = {
  Normal: 0,
  Desync: 1,
  Timeout: 2,
  Error: 3,
} as const;

/**
 * One chunk of a confirmed snapshot sent to repair a desync (policy
 * `resync`), on the reliable channel. A snapshot travels as `count` chunks
 * of the same `id`; the receiver checks the reassembled bytes against
 * `checksum` and loads them at the start of `frame`.
 */
export interface ResyncMessage {
  readonly type: typeof MessageType.Resync;
  /** Session tag (uint8). */
  readonly tag: number;
  /** The frame whose start state the snapshot is (uint32): every peer loads it there. */
  readonly frame: number;
  /** Which resync this chunk belongs to (uint16, counts up per sender). */
  readonly id: number;
  /** Chunk index, 0..count − 1 (uint16). */
  readonly index: number;
  /** Chunks in the snapshot, 1..65535 (uint16). */
  readonly count: number;
  /** Bytes of the whole snapshot (uint32). */
  readonly total: number;
  /** xxHash32 of the whole snapshot (uint32). */
  readonly checksum: number;
  /** This chunk's bytes. */
  readonly data: Uint8Array;
}

/**
 * Sent on the reliable channel when it opens (and repeated while joining):
 * who this peer believes is absent, and whether it wants a state transfer.
 */
export interface HelloMessage {
  readonly type: typeof MessageType.Hello;
  /** Session tag (uint8). */
  readonly tag: number;
  /** The sender has no live state and asks for a transfer (a reload, a late join, the losing side of a cut). */
  readonly joining: boolean;
  /** Bit p: the sender counts player p absent or gone. */
  readonly absentMask: number;
  /**
   * When the sender counts the receiver absent: the first frame of the
   * receiver's input it does not hold (its frozen frame + 1), else 0. A
   * Hello that claims the receiver absent from before the last state
   * transfer between the two is stale (it was on its way while the transfer
   * was made) and is ignored (uint32).
   */
  readonly since: number;
}

/**
 * One chunk of a state transfer (`src/engine/state-transfer.ts`), on the
 * reliable channel; the same fields as {@link ResyncMessage}, `frame` being
 * the transferred snapshot's frame.
 */
export interface TransferMessage extends Omit<ResyncMessage, 'type'> {
  readonly type: typeof MessageType.Transfer;
}

/** What a {@link PauseMessage} says (see `src/engine/pause.ts`). */
export const PauseKind = {
  /** The sender holds every peer at `frame` (it sends no input for `frame` or later until it resumes). */
  Request: 1,
  /** The sender's pause `id` is over. */
  Resume: 2,
  /** The sender saw the receiver's request `id`. */
  AckRequest: 3,
  /** The sender saw the receiver's resume `id`. */
  AckResume: 4,
} as const;
/** One of {@link PauseKind}. */
export type PauseKind = (typeof PauseKind)[keyof typeof PauseKind];

/**
 * An agreed pause's request, resume or acknowledgement, on the reliable
 * channel (resent until acknowledged, so duplicates are expected).
 */
export interface PauseMessage {
  readonly type: typeof MessageType.Pause;
  /** Session tag (uint8). */
  readonly tag: number;
  /** Request, resume, or the acknowledgement of one. */
  readonly kind: PauseKind;
  /** The pause, numbered by its requester from 1 (uint16). */
  readonly id: number;
  /** The frame every peer stops at (uint32; the requester's first frame without input). */
  readonly frame: number;
  /** Index into `PAUSE_REASONS` (uint8). */
  readonly reason: number;
  /** The pause never resumes: the session ends at `frame`. */
  readonly final: boolean;
}

/**
 * Whether the sender's page is in view (`focused`), on the reliable
 * channel: `state` on every change (resent until acknowledged), `ack` back
 * (see `src/engine/presence.ts`).
 */
export interface PresenceMessage {
  readonly type: typeof MessageType.Presence;
  /** Session tag (uint8). */
  readonly tag: number;
  /** `state` (the sender's), or `ack` (of the receiver's `seq`). */
  readonly kind: 'state' | 'ack';
  /** Counts the sender's changes (uint16, wrapping). */
  readonly seq: number;
  /** The sender's page is visible. */
  readonly focused: boolean;
}

export type Message =
  | InputMessage
  | PingMessage
  | PongMessage
  | StateHashMessage
  | CloseMessage
  | ResyncMessage
  | HelloMessage
  | TransferMessage
  | PauseMessage
  | PresenceMessage;

/** Why a packet could not be decoded. */
export type DecodeErrorCode =
  | 'empty'
  | 'bad-version'
  | 'unknown-type'
  | 'truncated'
  | 'trailing-bytes'
  | 'bad-field'
  | 'bad-extension';

export interface DecodeError {
  readonly ok: false;
  readonly code: DecodeErrorCode;
  readonly detail: string;
}

export type DecodeResult = { readonly ok: true; readonly message: Message } | DecodeError;
