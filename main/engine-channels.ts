/**
 * EngineChannels: the page's side of handing each peer's `inputs`
 * DataChannel to the engine's thread (worker/direct-channels.ts).
 *
 * A DataChannel can only be transferred in the task that made it (or that
 * received it in `ondatachannel`), and the mesh connects before the engine
 * exists. So every channel is posted at once on a MessageChannel whose other
 * end is not started: the messages wait there until the session hands that
 * end (`port()`) to the engine, which then adopts every channel in order.
 *
 * Afterwards the page no longer sees the channel: what it needs of it (open
 * or closed, packets sent and received per peer) comes back as reports, and
 * the mesh tells the engine whether each peer's route is P2P.
 *
 * Bounds: at most one pending report per channel state change, and counts at
 * most every 100 ms; a report for a replaced channel (older `gen`) is ignored
 * by its link.
 */
import { Emitter } from '../src/engine/events.ts';
import type { LinkConditions } from '../src/sim/impairment.ts';
import type { ChannelCommand, ChannelReport } from '../worker/api.ts';
import type { HandOffChannel } from './link.ts';
import type { MeshEngineChannels } from './mesh.ts';

/** Events of {@link EngineChannels}. */
export interface EngineChannelEvents {
  state: { peer: number; gen: number; open: boolean };
  counts: { sent: number[]; received: number[] };
}

function isReport(data: unknown): data is ChannelReport {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as Record<string, unknown>;
  if (d.type === 'state') return typeof d.peer === 'number' && typeof d.gen === 'number' && typeof d.open === 'boolean';
  if (d.type === 'counts') return Array.isArray(d.sent) && Array.isArray(d.received);
  return false;
}

/** The page's end of the channels port (see the file comment). */
export class EngineChannels implements MeshEngineChannels {
  private readonly channel = new MessageChannel();
  private readonly events = new Emitter<EngineChannelEvents>();
  private readonly direct = new Map<number, boolean>();
  private gen = 0;
  private given = false;
  private closed = false;

  constructor() {
    this.channel.port1.onmessage = (ev: MessageEvent<unknown>) => {
      if (!isReport(ev.data)) return;
      if (ev.data.type === 'state') this.events.emit('state', { peer: ev.data.peer, gen: ev.data.gen, open: ev.data.open });
      else this.events.emit('counts', { sent: ev.data.sent, received: ev.data.received });
    };
  }

  /** The engine's end of the port, once (null afterwards): the session passes it to the engine host. */
  port(): MessagePort | null {
    if (this.given || this.closed) return null;
    this.given = true;
    return this.channel.port2;
  }

  handOff(peer: number, channel: HandOffChannel): number | null {
    if (this.closed || typeof RTCDataChannel === 'undefined' || !(channel instanceof RTCDataChannel)) return null;
    const gen = ++this.gen;
    try {
      this.post({ type: 'channel', peer, gen, channel }, [channel]);
    } catch {
      return null; // DataChannels are not transferable in this browser (or no longer, past their first task)
    }
    return gen;
  }

  /**
   * Hand the engine an in-page link to `peer` (a MessagePort standing in for
   * a DataChannel: a simulated network, a benchmark's wire). Its messages
   * are ArrayBuffers, or `{ buf, sentAt }` to have transit times measured.
   * Returns the generation.
   */
  handOffPort(peer: number, port: MessagePort): number {
    const gen = ++this.gen;
    this.post({ type: 'channel', peer, gen, channel: port }, [port]);
    return gen;
  }

  /** Tell the engine whether `peer`'s route is P2P (only changes are posted). */
  route(peer: number, direct: boolean): void {
    if (this.direct.get(peer) === direct) return;
    this.direct.set(peer, direct);
    this.post({ type: 'route', peer, direct });
  }

  closeChannel(peer: number): void {
    this.post({ type: 'close-channel', peer });
  }

  onState(handler: (state: EngineChannelEvents['state']) => void): () => void {
    return this.events.on('state', handler);
  }

  /** Subscribe to the engine's sent/received counts; returns the unsubscribe function. */
  onCounts(handler: (counts: EngineChannelEvents['counts']) => void): () => void {
    return this.events.on('counts', handler);
  }

  /**
   * Impair the packets the engine sends on its channels (as `impairTransport`
   * does to those that pass the page): `conditions` in full, `seed` for the
   * model's random stream when it starts. All zero turns it off.
   */
  impair(conditions: LinkConditions, seed: number): void {
    this.post({ type: 'impair', conditions: { ...conditions }, seed });
  }

  /** Stop listening and close the page's end (the engine closes its channels when it closes). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.channel.port1.onmessage = null;
    this.channel.port1.close();
    if (!this.given) this.channel.port2.close();
  }

  private post(command: ChannelCommand, transfer: Transferable[] = []): void {
    if (this.closed) return;
    this.channel.port1.postMessage(command, transfer);
  }
}
