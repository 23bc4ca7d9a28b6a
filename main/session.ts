/**
 * The public Session facade: starts (or adopts) the engine host, pipes raw
 * packets between the transport and the host over one MessageChannel
 * (ArrayBuffers transferred, never Comlink per packet) and hands the host the
 * channels the transport gives it (its P2P packets skip this page), forwards local input,
 * and hands committed render states to the page.
 */
import { proxy, releaseProxy, transfer, wrap, type Remote } from 'comlink';
import type {
  ConfirmedInputs,
  EngineHostApi,
  SpectatorStart,
  HostConfig,
  HostEvent,
  HostMetrics,
  HostStats,
  PortPacket,
  RenderFrame,
  TickSample,
} from '../worker/api.ts';
import type { GameResolver } from '../worker/engine-host.ts';
import type { PauseReason } from '../src/contracts/vocabulary.ts';
import type { PauseRecord } from '../src/engine/pause.ts';
import { installErrorTransfer } from '../worker/errors.ts';
import type { PacketTransport, PeerStatus } from './transport.ts';

/** Where the engine runs. */
export type EngineThread =
  | Worker
  /** The same host on this page's main thread (for comparisons; it will hitch under load). */
  | { mainThread: GameResolver };

/** Options of {@link createSession}: the game, the players, the engine thread and the transport, plus engine options. */
export interface SessionOptions extends Omit<HostConfig, 'game'> {
  /** Game spec the host resolves (built-in: `arena`, `swarm?entities=N`). */
  game: string;
  /** A module Worker running `hostEngine` (or the drop-in bundle), or `{ mainThread }`. */
  engine: EngineThread;
  /** Carries this peer's packets to and from the other peers; the session closes it on `close()`. */
  transport: PacketTransport;
  /** Start ticking right away. Default true. */
  autoStart?: boolean;
}

/** Events a Session emits. */
export type SessionEvents = {
  [K in HostEvent['type']]: Extract<HostEvent, { type: K }>;
} & {
  peer: { type: 'peer'; peer: number; status: PeerStatus };
};

/** A running session: set input, receive render states and events, read stats, close. */
export interface Session {
  /** Set this peer's input (game.inputSize bytes), used from the next tick on. */
  setInput(input: Uint8Array): void;
  /** Called once per tick with the newest committed render state; returns unsubscribe. */
  onRender(handler: (frame: RenderFrame) => void): () => void;
  /** The newest render state delivered (for a requestAnimationFrame loop). */
  latestRender(): RenderFrame | null;
  /** Subscribe to an event (rollback, desync, episode, ended, peer status, ...); returns unsubscribe. */
  on<K extends keyof SessionEvents>(type: K, handler: (event: SessionEvents[K]) => void): () => void;
  /** The engine's counters now (frames, rollbacks, stalls, per-peer RTT and advantage). */
  stats(): Promise<HostStats>;
  /** Everything this peer records about the session, with the confirmed input log. */
  exportSessionMetrics(): Promise<HostMetrics>;
  /** Change the input delay while playing. */
  setInputDelay(frames: number): Promise<void>;
  /** Recent ticks' timings, newest last. */
  tickHistory(): Promise<TickSample[]>;
  /** For spectator feeds: the session's description and the newest confirmed snapshot. */
  spectatorStart(): Promise<SpectatorStart>;
  /** For spectator feeds: every player's confirmed inputs from frame `from` (at most `maxFrames`, capped at 1,024). */
  confirmedInputs(from: number, maxFrames: number): Promise<ConfirmedInputs>;
  /** The engine's DevTools measures (rollbacks, steps, saves, hashes) recorded so far. */
  measures(): Promise<{ name: string; start: number; duration: number; detail: unknown }[]>;
  /** Start ticking (when created with `autoStart: false`, or after `stop()`). */
  start(): Promise<void>;
  /** Stop ticking; the session can start again. */
  stop(): Promise<void>;
  /** Stop the engine, release the packet port and the transport. Terminates a worker it was given. */
  close(): Promise<void>;
  /**
   * Player `player` is gone: the remaining peers agree on its departure
   * frame and continue with its neutral input (`peer-left` event). Resolves
   * false when it already left or is this peer.
   */
  dropPlayer(player: number): Promise<boolean>;
  /**
   * This page became visible (`true`) or hidden: every peer is told
   * (`presence` event) and the absent-partner policy applies
   * (`pauseOnPeerHidden`, `focusLossTimeoutMs`). `joinGame` calls it from
   * the page's `visibilitychange`.
   */
  setFocused(focused: boolean): Promise<void>;
  /**
   * Hold every peer at one agreed frame, for `reason` (`pause` event on
   * every peer); `final` ends the session there. Resolves to the pause
   * (its `id` resumes it).
   */
  pause(reason: PauseReason, final?: boolean): Promise<PauseRecord>;
  /** End this peer's pause `id`; play goes on once every peer acknowledged it (`resume` event). */
  resume(id: number): Promise<boolean>;
  /**
   * Player `player` is unreachable but may come back (needs
   * `rejoinable`): the remaining peers agree on the frame from which its
   * input is neutral (`peer-absent` event) and keep its seat. Resolves false
   * when it is already absent or gone, or is this peer.
   */
  markAbsent(player: number): Promise<boolean>;
  /**
   * The link to `player` works again: the engines exchange Hellos, and the
   * side that lost the game state loads a state transfer (`rejoining`,
   * `transfer` and `peer-returned` events).
   */
  linkUp(player: number): Promise<void>;
  /**
   * Packets piped each way (main-thread side counts). `reliable*`: messages
   * of the reliable channel (resync chunks); `reliableUnsent`: ones the
   * transport could not carry (it has no `sendReliable`).
   */
  readonly packets: { toEngine: number; fromEngine: number; reliableToEngine: number; reliableFromEngine: number; reliableUnsent: number };
}

/** Create a session: configure the host, wire the transport, start ticking. */
export async function createSession(options: SessionOptions): Promise<Session> {
  const { engine: thread, transport, autoStart = true, ...config } = options;
  installErrorTransfer();
  let host: Remote<EngineHostApi>;
  let worker: Worker | null = null;
  if ('mainThread' in thread) {
    // Loaded on demand: a page that runs the engine in a worker never downloads it.
    const { hostOnMainThread } = await import('./main-thread-engine.ts');
    host = wrap<EngineHostApi>(hostOnMainThread(thread.mainThread));
  } else {
    worker = thread;
    host = wrap<EngineHostApi>(thread);
  }

  const renderHandlers = new Set<(frame: RenderFrame) => void>();
  const eventHandlers = new Map<string, Set<(event: never) => void>>();
  let latest: RenderFrame | null = null;
  const emit = (event: HostEvent | SessionEvents['peer']) => {
    for (const h of eventHandlers.get(event.type) ?? []) (h as (e: typeof event) => void)(event);
  };

  const packets = new MessageChannel();
  const counts = { toEngine: 0, fromEngine: 0, reliableToEngine: 0, reliableFromEngine: 0, reliableUnsent: 0 };
  packets.port1.onmessage = (ev: MessageEvent<PortPacket>) => {
    const { peer, buf, reliable } = ev.data;
    if (reliable) {
      counts.reliableFromEngine++;
      if (transport.sendReliable) transport.sendReliable(peer, buf);
      else counts.reliableUnsent++;
      return;
    }
    counts.fromEngine++;
    transport.send(peer, buf);
  };
  transport.onPacket((peer, buf) => {
    counts.toEngine++;
    const packet: PortPacket = { peer, buf };
    packets.port1.postMessage(packet, [buf]);
  });
  transport.onReliable?.((peer, buf) => {
    counts.reliableToEngine++;
    const packet: PortPacket = { peer, buf, reliable: true };
    packets.port1.postMessage(packet, [buf]);
  });
  transport.onStatus?.((peer, status) => emit({ type: 'peer', peer, status }));

  const callbacks = proxy({
    onRender(frame: RenderFrame) {
      latest = frame;
      for (const h of renderHandlers) h(frame);
    },
    onEvent(event: HostEvent) {
      emit(event);
    },
  });
  // The transport's channels (if it hands any to the engine) go to the host on a port of their own.
  const channels = transport.engineChannels?.();
  const channelPort = channels instanceof MessagePort ? transfer(channels, [channels]) : undefined;
  await host.configure({ ...config, game: options.game }, transfer(packets.port2, [packets.port2]), callbacks, channelPort);
  if (autoStart) await host.start();

  let closed = false;
  return {
    setInput(input: Uint8Array) {
      if (closed) return;
      void host.setLocalInput(input);
    },
    onRender(handler) {
      renderHandlers.add(handler);
      return () => renderHandlers.delete(handler);
    },
    latestRender: () => latest,
    on(type, handler) {
      let set = eventHandlers.get(type);
      if (!set) eventHandlers.set(type, (set = new Set()));
      set.add(handler as (event: never) => void);
      return () => set.delete(handler as (event: never) => void);
    },
    stats: () => host.stats(),
    exportSessionMetrics: () => host.metrics(),
    setInputDelay: (frames) => host.setInputDelay(frames),
    dropPlayer: async (player) => (closed ? false : host.dropPlayer(player)),
    setFocused: async (focused) => {
      if (!closed) await host.setFocused(focused);
    },
    pause: (reason, final) => host.pause(reason, final),
    resume: async (id) => (closed ? false : host.resume(id)),
    markAbsent: async (player) => (closed ? false : host.markAbsent(player)),
    linkUp: async (player) => {
      if (!closed) await host.linkUp(player);
    },
    tickHistory: () => host.tickHistory(),
    spectatorStart: () => host.spectatorStart(),
    confirmedInputs: (from, maxFrames) => host.confirmedInputs(from, maxFrames),
    measures: () => host.measures(),
    start: () => host.start(),
    stop: () => host.stop(),
    async close() {
      if (closed) return;
      closed = true;
      await host.close();
      packets.port1.close();
      transport.close?.();
      host[releaseProxy]();
      worker?.terminate();
    },
    packets: counts,
  };
}
