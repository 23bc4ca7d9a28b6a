/**
 * A player's side of spectating: the server names spectators this page
 * feeds (`spectator` notices); the feed sends each the session's info, the
 * newest confirmed snapshot and then every confirmed input, in order, on a
 * reliable path: the control DataChannel of a PeerLink to the spectator
 * (`p2p`), or the server, which fans the one upload out to all its
 * server-path spectators (`server`).
 *
 * The feed only reads the engine (confirmed snapshot and inputs); nothing a
 * spectator sends is ever handed to the engine: messages arriving on a
 * spectator's link are counted (`hostileMessages`) and dropped.
 *
 * Bounds: at most `MAX_SPECTATORS` P2P links (the server assigns at most
 * `spectatorPeerSlots`); each poll sends at most 1,020 frames per spectator;
 * a P2P spectator whose channel refuses a message (closed, or the browser's
 * send buffer full) is dropped.
 */
import type { z } from 'zod';
import { MAX_SPECTATORS, spectatorNoticeSchema, type SpectatorNotice, spectatorSignalMessageSchema } from '../src/signaling/events.ts';
import { encodeSpectateInfo, encodeSpectateInputs, encodeSpectateSnapshot, type SpectateInfo } from '../src/spectate/wire.ts';
import type { Link, LinkFactory } from './link.ts';
import type { Session } from './session.ts';
import type { NetrollSocket } from './signaling.ts';

/** The pseudo player index a spectator has on a PeerLink (above every player, so the player offers). */
export const SPECTATOR_LINK_INDEX = 64;
/** How often the feed reads newly confirmed inputs from the engine, ms. */
export const FEED_POLL_MS = 16;
/** Most frames read per spectator and poll. */
const MAX_FRAMES_PER_POLL = 1020;

/** What a feed counts. */
export interface SpectatorFeedCounters {
  /** Spectators fed now over DataChannels. */
  p2pSpectators: number;
  /** Spectators fed now through the server. */
  serverSpectators: number;
  /** Snapshots sent (one per spectator start, and per re-snapshot). */
  snapshotsSent: number;
  /** Stream messages sent (P2P: per spectator; server: once for all). */
  messagesSent: number;
  /** Messages spectators sent to this page (never used), dropped. */
  hostileMessages: number;
  /** Notices from the server that failed validation, dropped. */
  badNotices: number;
}

interface Target {
  /** Next frame to send. -1 while its snapshot is being prepared. */
  cursor: number;
  send(bytes: Uint8Array): boolean;
}

const copy = (b: Uint8Array): ArrayBuffer => b.slice().buffer;

/** Feeds this page's spectators (made by `joinGame`; closed with the session). */
export class SpectatorFeed {
  /** Counters (see {@link SpectatorFeedCounters}). */
  readonly counters: SpectatorFeedCounters = { p2pSpectators: 0, serverSpectators: 0, snapshotsSent: 0, messagesSent: 0, hostileMessages: 0, badNotices: 0 };
  private readonly links = new Map<string, { link: Link; target: Target }>();
  /** The server-path stream: one upload for every server-path spectator of this page. */
  private readonly server: Target & { ids: Set<string> };
  private info: SpectateInfo | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  /** Snapshots and polls run one at a time, so a snapshot is never older than what the shared stream sent. */
  private queue: Promise<void> = Promise.resolve();
  private polling = false;
  private closed = false;
  private readonly offs: (() => void)[] = [];

  constructor(
    private readonly socket: NetrollSocket,
    private readonly session: Pick<Session, 'spectatorStart' | 'confirmedInputs'>,
    private readonly playerIndex: number,
    private readonly links_: LinkFactory,
  ) {
    this.server = {
      cursor: -1,
      ids: new Set(),
      send: (bytes) => {
        this.socket.emit('spectator-data', '*', copy(bytes));
        return true;
      },
    };
    const onNotice = (raw: unknown) => {
      const n = spectatorNoticeSchema.safeParse(raw);
      if (!n.success) return void this.counters.badNotices++;
      this.onNotice(n.data);
    };
    const onSignal = (raw: unknown) => {
      const m: z.ZodSafeParseResult<z.infer<typeof spectatorSignalMessageSchema>> = spectatorSignalMessageSchema.safeParse(raw);
      const entry = m.success && m.data.spectatorId ? this.links.get(m.data.spectatorId) : undefined;
      if (!m.success || !entry) return void this.counters.badNotices++;
      void entry.link.handleSignal(m.data.kind, m.data.data);
    };
    socket.on('spectator', onNotice);
    socket.on('spectator-signal', onSignal);
    this.offs.push(() => socket.off('spectator', onNotice), () => socket.off('spectator-signal', onSignal));
  }

  /** Stop feeding: close every spectator link, stop polling. */
  close(): void {
    this.closed = true;
    for (const off of this.offs) off();
    for (const { link } of this.links.values()) link.close();
    this.links.clear();
    this.server.ids.clear();
    this.count();
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private count(): void {
    this.counters.p2pSpectators = this.links.size;
    this.counters.serverSpectators = this.server.ids.size;
    if (this.links.size === 0 && this.server.ids.size === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
      this.server.cursor = -1;
    } else if (this.timer === null && !this.closed && (this.links.size > 0 || this.server.ids.size > 0)) {
      this.timer = setInterval(() => {
        if (this.polling) return;
        this.polling = true;
        void this.serial(() => this.poll());
      }, FEED_POLL_MS);
    }
  }

  private onNotice(n: SpectatorNotice): void {
    if (this.closed) return;
    if (n.action === 'remove') {
      this.links.get(n.spectatorId)?.link.close();
      this.links.delete(n.spectatorId);
      this.server.ids.delete(n.spectatorId);
    } else if (n.path === 'server') {
      // (also a P2P spectator moved to the server path, and a re-snapshot)
      this.links.get(n.spectatorId)?.link.close();
      this.links.delete(n.spectatorId);
      this.server.ids.add(n.spectatorId);
      void this.serial(() => this.startServer(n.spectatorId));
    } else if (n.action === 'add' && !this.links.has(n.spectatorId) && this.links.size < MAX_SPECTATORS) {
      this.addPeer(n.spectatorId, n.iceServers ?? []);
    }
    this.count();
  }

  private addPeer(id: string, iceServers: NonNullable<SpectatorNotice['iceServers']>): void {
    const link = this.links_({
      localPlayer: this.playerIndex,
      remotePlayer: SPECTATOR_LINK_INDEX,
      iceServers,
      signal: (kind, data) => this.socket.emit('spectator-signal', { spectatorId: id, kind, data }),
    });
    const target: Target = { cursor: -1, send: (bytes) => link.sendControl(copy(bytes)) };
    this.links.set(id, { link, target });
    // A spectator has nothing to say to a player: whatever it sends is counted and dropped.
    link.on('packet', () => this.counters.hostileMessages++);
    link.on('control', () => this.counters.hostileMessages++);
    link.on('open', () => void this.serial(() => this.startPeer(id)));
    void link.start();
  }

  private async startPeer(id: string): Promise<void> {
    const entry = this.links.get(id);
    if (!entry) return;
    const start = await this.session.spectatorStart().catch(() => null);
    if (!start || this.links.get(id) !== entry) return;
    this.info = start.info;
    const ok = this.sendAll(entry.target, [encodeSpectateInfo(start.info), ...encodeSpectateSnapshot(start.info.sessionTag, 1, start.frame, start.snapshot)]);
    this.counters.snapshotsSent++;
    if (!ok) return this.dropPeer(id);
    entry.target.cursor = start.frame;
  }

  private async startServer(id: string): Promise<void> {
    const start = await this.session.spectatorStart().catch(() => null);
    if (!start || !this.server.ids.has(id)) return;
    this.info = start.info;
    const to = (bytes: Uint8Array) => {
      this.socket.emit('spectator-data', id, copy(bytes));
      return true;
    };
    this.sendAll({ cursor: 0, send: to }, [encodeSpectateInfo(start.info), ...encodeSpectateSnapshot(start.info.sessionTag, 1, start.frame, start.snapshot)]);
    this.counters.snapshotsSent++;
    if (this.server.cursor < 0) this.server.cursor = start.frame;
    else if (this.server.cursor > start.frame) {
      // The shared stream is past this snapshot: send the frames in between to this spectator alone.
      const catchUp = { cursor: start.frame, send: to };
      while (catchUp.cursor < this.server.cursor) {
        const before = catchUp.cursor;
        await this.sendInputs(catchUp, this.server.cursor - catchUp.cursor);
        if (catchUp.cursor === before) break;
      }
    }
  }

  private sendAll(target: Target, messages: Uint8Array[]): boolean {
    for (const m of messages) {
      if (!target.send(m)) return false;
      this.counters.messagesSent++;
    }
    return true;
  }

  /** Send `target` the confirmed inputs from its cursor (at most `max` frames); false when its path refused them. */
  private async sendInputs(target: Target, max = MAX_FRAMES_PER_POLL): Promise<boolean> {
    const info = this.info;
    if (!info || target.cursor < 0) return true;
    const c = await this.session.confirmedInputs(target.cursor, Math.min(max, MAX_FRAMES_PER_POLL));
    if (c.frameCount === 0 || c.startFrame !== target.cursor) return true;
    const ok = this.sendAll(target, encodeSpectateInputs(info.sessionTag, info.players, info.inputSize, c.startFrame, c.frameCount, c.inputs, c.confirmedAt));
    target.cursor += c.frameCount;
    return ok;
  }

  private dropPeer(id: string): void {
    this.links.get(id)?.link.close();
    this.links.delete(id);
    this.count();
  }

  /** Run `fn` after everything queued before it (errors end only `fn`). */
  private serial(fn: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(fn).catch(() => undefined);
    return this.queue;
  }

  private async poll(): Promise<void> {
    try {
      if (this.closed) return;
      for (const [id, { target }] of [...this.links]) {
        if (!(await this.sendInputs(target))) this.dropPeer(id);
      }
      if (this.server.ids.size > 0) await this.sendInputs(this.server);
    } catch {
      // the engine is gone (session closed): the next close() stops the timer
    } finally {
      this.polling = false;
    }
  }
}
