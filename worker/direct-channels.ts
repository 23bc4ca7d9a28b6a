/**
 * DirectChannels: the engine's own end of each peer's inputs channel.
 *
 * The page negotiates every WebRTC connection (RTCPeerConnection exists only
 * there) and transfers each `inputs` DataChannel into the engine's thread the
 * moment it is made (main/engine-channels.ts). From then on engine packets to
 * and from that peer never touch the page's main thread: a long task there
 * neither delays what the remote receives nor what this engine receives.
 *
 * - Commands arrive on the channels port ({@link ChannelCommand}): a channel
 *   to adopt (an `RTCDataChannel`, or a `MessagePort` for in-page links),
 *   whether the page's route to a peer is P2P (`direct`), a fault
 *   injection to close a channel, and an impairment (added latency, jitter,
 *   loss, duplication, reordering) of the packets this engine sends on its
 *   channels, from the seeded model of src/sim, as `main/impair.ts` applies
 *   it to what passes the page.
 * - A packet goes out here only while the peer's channel is open and its
 *   route is P2P; otherwise {@link DirectChannels.send} returns false and the
 *   host hands it to the page, which picks the relay.
 * - The page learns what it can no longer see ({@link ChannelReport}): each
 *   channel's open/closed state, and every 100 ms the packets sent and
 *   received per peer (its liveness and route counters).
 *
 * A MessagePort link (an in-page network, a benchmark's simulated wire) may
 * send `{ buf, sentAt }` instead of a bare ArrayBuffer, `sentAt` being when
 * the packet left the wire (performance.timeOrigin + now, ms): the engine
 * then keeps the transit times, so the delay its thread adds is measured
 * where the packet is taken.
 *
 * Bounds: one channel per peer index `0..players-1` other than this engine's own (a newer one replaces and
 * closes the older); the last {@link TRANSIT_SAMPLES} transit times; a
 * message that is not an ArrayBuffer (or `{ buf, sentAt }` on a port) is
 * counted and dropped; a bad command is counted and ignored; at most
 * {@link MAX_DELAYED_PACKETS} impaired packets wait out their delay (more are
 * dropped and counted).
 */
import { checkConditions, ImpairmentModel, type LinkConditions, MAX_DELAYED_PACKETS } from '../src/sim/impairment.ts';
import type { ChannelCommand, ChannelReport, HostStats } from './api.ts';

/** How often sent/received counts go to the page, ms. */
export const COUNTS_INTERVAL_MS = 100;

/** Transit times kept (newest last). */
export const TRANSIT_SAMPLES = 1024;

/** One adopted channel: a DataChannel, or a MessagePort standing in for one. */
interface Adopted {
  readonly gen: number;
  readonly isOpen: () => boolean;
  readonly send: (buf: ArrayBuffer) => void;
  readonly close: () => void;
}

function isDataChannel(ch: unknown): ch is RTCDataChannel {
  return typeof RTCDataChannel !== 'undefined' && ch instanceof RTCDataChannel;
}

function isCommand(data: unknown): data is ChannelCommand {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as Record<string, unknown>;
  if (d.type === 'impair') return typeof d.seed === 'number' && typeof d.conditions === 'object' && d.conditions !== null && validConditions(d.conditions);
  if (typeof d.peer !== 'number' || !Number.isInteger(d.peer)) return false;
  if (d.type === 'channel') return typeof d.gen === 'number' && (isDataChannel(d.channel) || d.channel instanceof MessagePort);
  if (d.type === 'route') return typeof d.direct === 'boolean';
  return d.type === 'close-channel';
}

/** Every field of full link conditions present and in range. */
function validConditions(c: object): c is LinkConditions {
  const keys: (keyof LinkConditions)[] = ['latencyMs', 'jitterMs', 'loss', 'dup', 'reorder'];
  if (!keys.every((k) => typeof (c as Record<string, unknown>)[k] === 'number')) return false;
  try {
    checkConditions(c as LinkConditions);
    return true;
  } catch {
    return false;
  }
}

/** The engine's ends of the peers' inputs channels (see the file comment). */
export class DirectChannels {
  private readonly channels = new Map<number, Adopted>();
  /** Peers whose route is not P2P now (the page said so): their packets go to the page. */
  private readonly viaPage = new Set<number>();
  private readonly received: number[];
  private readonly sent: number[];
  private readonly timer: ReturnType<typeof setInterval>;
  /** Messages on a channel that were not an ArrayBuffer (dropped). */
  private badMessages = 0;
  /** Commands on the channels port that were not understood (ignored). */
  private badCommands = 0;
  /** Transit times of `{ buf, sentAt }` port messages, ms (the last {@link TRANSIT_SAMPLES}, newest last). */
  private readonly transit: number[] = [];
  /** Transit times taken in all. */
  private transitCount = 0;
  /** The impairment of outgoing packets (null: none). */
  private impairment: { model: ImpairmentModel; conditions: LinkConditions } | null = null;
  /** Timers of impaired packets waiting out their delay (at most {@link MAX_DELAYED_PACKETS}). */
  private readonly delayedTimers = new Set<ReturnType<typeof setTimeout>>();
  private impairDropped = 0;
  private impairDelayed = 0;

  /**
   * @param port the channels port from the page
   * @param players seats in the session: peer indexes outside `0..players-1` are refused
   * @param localPlayer this engine's seat: a channel "to" it is refused
   * @param receive takes one packet from `peer`
   */
  constructor(
    private readonly port: MessagePort,
    private readonly players: number,
    private readonly localPlayer: number,
    private readonly receive: (peer: number, bytes: Uint8Array) => void,
  ) {
    this.received = new Array<number>(players).fill(0);
    this.sent = new Array<number>(players).fill(0);
    port.onmessage = (ev: MessageEvent<unknown>) => this.command(ev.data);
    port.start();
    this.timer = setInterval(() => this.flushCounts(), COUNTS_INTERVAL_MS);
  }

  /** Send `buf` to `peer` on its channel; false (nothing sent) when it has none open or its route is not P2P. */
  send(peer: number, buf: ArrayBuffer): boolean {
    const ch = this.channels.get(peer);
    if (!ch || this.viaPage.has(peer) || !ch.isOpen()) return false;
    if (this.impairment) {
      this.sendImpaired(peer, ch, buf, this.impairment);
      return true;
    }
    try {
      ch.send(buf);
    } catch {
      return false; // closing under us: the page's route takes it
    }
    this.sent[peer]!++;
    return true;
  }

  /** The packet left this engine on an impaired path: lost, or delivered once or twice after its delay. */
  private sendImpaired(peer: number, ch: Adopted, buf: ArrayBuffer, impairment: { model: ImpairmentModel; conditions: LinkConditions }): void {
    this.sent[peer]!++;
    const fate = impairment.model.fate(impairment.conditions);
    if (!fate.delivered) {
      this.impairDropped++;
      return;
    }
    // A port send transfers the buffer: a duplicate is its own copy, made before any send.
    const copies = fate.delays.map((_, i) => (i === 0 ? buf : buf.slice(0)));
    const deliver = (bytes: ArrayBuffer) => {
      // Still this peer's channel, open and on the P2P route: else the copy is lost, as on a changed path.
      if (this.channels.get(peer) !== ch || this.viaPage.has(peer) || !ch.isOpen()) return;
      try {
        ch.send(bytes);
      } catch {
        // closing under us: lost
      }
    };
    fate.delays.forEach((delay, i) => {
      const bytes = copies[i]!;
      if (delay <= 0) return deliver(bytes);
      if (this.delayedTimers.size >= MAX_DELAYED_PACKETS) {
        this.impairDropped++;
        return;
      }
      this.impairDelayed++;
      const timer = setTimeout(() => {
        this.delayedTimers.delete(timer);
        deliver(bytes);
      }, delay);
      this.delayedTimers.add(timer);
    });
  }

  /** Packets sent and received on the channels so far, per peer, and the transit times taken (see the file comment). */
  counts(): NonNullable<HostStats['directChannels']> {
    return {
      sent: this.sent.slice(),
      received: this.received.slice(),
      badMessages: this.badMessages,
      badCommands: this.badCommands,
      transitMs: this.transit.slice(),
      transitCount: this.transitCount,
      impairDropped: this.impairDropped,
      impairDelayed: this.impairDelayed,
    };
  }

  /** Close every channel and stop reporting. */
  close(): void {
    clearInterval(this.timer);
    for (const t of this.delayedTimers) clearTimeout(t);
    this.delayedTimers.clear();
    this.port.onmessage = null;
    for (const ch of this.channels.values()) ch.close();
    this.channels.clear();
    this.port.close();
  }

  private lastSent: number[] = [];
  private lastReceived: number[] = [];

  private flushCounts(): void {
    const sent = this.sent.map((n, i) => n - (this.lastSent[i] ?? 0));
    const received = this.received.map((n, i) => n - (this.lastReceived[i] ?? 0));
    if (!sent.some((n) => n > 0) && !received.some((n) => n > 0)) return;
    this.lastSent = this.sent.slice();
    this.lastReceived = this.received.slice();
    this.report({ type: 'counts', sent, received });
  }

  private report(r: ChannelReport): void {
    this.port.postMessage(r);
  }

  private command(data: unknown): void {
    if (!isCommand(data)) {
      this.badCommands++;
      return;
    }
    if (data.type === 'impair') {
      const c = data.conditions;
      const none = c.latencyMs === 0 && c.jitterMs === 0 && c.loss === 0 && c.dup === 0 && c.reorder === 0;
      // A new seed only when the impairment starts: changing a setting keeps the random stream going.
      this.impairment = none ? null : { model: this.impairment?.model ?? new ImpairmentModel(data.seed), conditions: { ...c } };
      return;
    }
    if (data.peer < 0 || data.peer >= this.players || data.peer === this.localPlayer) {
      this.badCommands++;
      return;
    }
    const { peer } = data;
    if (data.type === 'route') {
      if (data.direct) this.viaPage.delete(peer);
      else this.viaPage.add(peer);
    } else if (data.type === 'close-channel') {
      this.channels.get(peer)?.close();
    } else {
      this.channels.get(peer)?.close();
      this.channels.set(peer, this.adopt(peer, data.gen, data.channel));
    }
  }

  private adopt(peer: number, gen: number, channel: RTCDataChannel | MessagePort): Adopted {
    const current = () => this.channels.get(peer)?.gen === gen;
    const take = (data: unknown) => {
      if (!(data instanceof ArrayBuffer)) {
        this.badMessages++;
        return;
      }
      this.received[peer]!++;
      this.receive(peer, new Uint8Array(data));
    };
    if (!isDataChannel(channel)) {
      // A MessagePort link (in-page networks, benchmarks): open until closed.
      let open = true;
      channel.onmessage = (ev: MessageEvent<unknown>) => {
        const d = ev.data as { buf?: unknown; sentAt?: unknown } | null;
        if (typeof d === 'object' && d !== null && !(d instanceof ArrayBuffer) && typeof d.sentAt === 'number' && d.buf instanceof ArrayBuffer) {
          this.transit.push(performance.timeOrigin + performance.now() - d.sentAt);
          if (this.transit.length > TRANSIT_SAMPLES) this.transit.shift();
          this.transitCount++;
          take(d.buf);
        } else take(ev.data);
      };
      channel.start();
      this.report({ type: 'state', peer, gen, open: true });
      return {
        gen,
        isOpen: () => open,
        send: (buf) => channel.postMessage(buf, [buf]),
        close: () => {
          if (!open) return;
          open = false;
          channel.onmessage = null;
          channel.close();
          this.report({ type: 'state', peer, gen, open: false });
        },
      };
    }
    channel.binaryType = 'arraybuffer';
    channel.onmessage = (ev: MessageEvent<unknown>) => take(ev.data);
    channel.onopen = () => this.report({ type: 'state', peer, gen, open: true });
    channel.onclose = () => {
      if (current()) this.channels.delete(peer);
      this.report({ type: 'state', peer, gen, open: false });
    };
    if (channel.readyState === 'open') this.report({ type: 'state', peer, gen, open: true });
    else if (channel.readyState === 'closed') this.report({ type: 'state', peer, gen, open: false });
    return {
      gen,
      isOpen: () => channel.readyState === 'open',
      send: (buf) => channel.send(buf),
      close: () => channel.close(),
    };
  }
}
