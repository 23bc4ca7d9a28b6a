/**
 * The player-facing connection status: one message for every state a player
 * can meet, shown in the page and exposed on the status element as
 * `data-status` (waiting | connecting | connected | lagging | ended | error)
 * and `data-connection` (host | srflx | prflx | relay | relay-server).
 */
import type { LinkReport } from '../main/mesh.ts';
import type { CandidateType, ConnectionType } from '../src/contracts/vocabulary.ts';

export type DemoStatus = 'waiting' | 'connecting' | 'connected' | 'lagging' | 'ended' | 'error';

/** How the inputs travel: a WebRTC candidate pair type, or the netroll server's relay (a known {@link ConnectionType}). */
export type ConnectionKind = Exclude<ConnectionType, 'unknown'>;

export interface StatusView {
  readonly status: DemoStatus;
  readonly connection: ConnectionKind | null;
  readonly title: string;
  readonly detail: string;
}

/**
 * Engine round trip from which a peer counts as lagging. The demo shows the
 * engine's RTT only: it runs ~20–40 ms above the network's (inputs wait for
 * a tick on each side), so this sits above the link health warning (150 ms
 * of link RTT, which decides the route, not what is shown).
 */
export const LAGGING_RTT_MS = 200;

const INDIRECTNESS: readonly CandidateType[] = ['host', 'prflx', 'srflx', 'relay'];

const CONNECTION_WORDS: Record<ConnectionKind, string> = {
  host: 'direct (host)',
  prflx: 'direct (prflx)',
  srflx: 'direct through NAT (srflx)',
  relay: 'through a TURN relay',
  'relay-server': 'through the netroll server relay',
};

/** The connection of the whole mesh: the server relay if any link uses it, else the most indirect pair type. */
export function connectionOf(links: readonly LinkReport[]): ConnectionKind | null {
  if (links.some((l) => l.route === 'relay')) return 'relay-server';
  let worst: CandidateType | null = null;
  for (const l of links) {
    const t = l.connection?.type;
    if (t && (worst === null || INDIRECTNESS.indexOf(t) > INDIRECTNESS.indexOf(worst))) worst = t;
  }
  return worst;
}

export function describeConnection(kind: ConnectionKind | null): string {
  return kind === null ? 'peer-to-peer' : CONNECTION_WORDS[kind];
}

const playerName = (index: number) => `Player ${index + 1}`;

/**
 * The status of a running session from its links: `ended` if a peer left,
 * `lagging` if a peer is silent or its (engine) RTT high,
 * else `connected`.
 */
export function liveStatus(links: readonly LinkReport[], rttByPeer: ReadonlyMap<number, number>): StatusView {
  const connection = connectionOf(links);
  const left = links.filter((l) => l.status === 'disconnected');
  if (left.length > 0) {
    const who = left.map((l) => playerName(l.peer)).join(' and ');
    return {
      status: 'ended',
      connection,
      title: links.length === 1 ? 'Your partner left' : `${who} left`,
      detail: 'The session has ended (its data is kept in window.netroll). Reload the page to play again.',
    };
  }
  for (const l of links) {
    const engineRtt = rttByPeer.get(l.peer) ?? 0;
    if (l.status === 'interrupted') {
      return { status: 'lagging', connection, title: `${playerName(l.peer)} is lagging`, detail: 'No packets from them for a moment; the game keeps predicting their moves.' };
    }
    if (engineRtt >= LAGGING_RTT_MS) {
      return {
        status: 'lagging',
        connection,
        title: `${playerName(l.peer)} is lagging`,
        detail: `Round trip ${Math.round(engineRtt)} ms: expect deeper rollbacks.`,
      };
    }
  }
  if (connection === null) {
    // Channels are open but getStats has not said how yet (it does within a couple of seconds).
    return { status: 'connecting', connection, title: 'Connecting…', detail: 'Peer-to-peer channels are open; checking the connection type.' };
  }
  return {
    status: 'connected',
    connection,
    title: `Connected ${describeConnection(connection)}`,
    detail: links.length === 1 ? 'Move with the arrow keys or WASD, dash with Space.' : `Playing with ${links.length} others. Arrows/WASD move, Space dashes.`,
  };
}

/** Writes a {@link StatusView} into the status element (and keeps the data attributes current). */
export class StatusPanel {
  private view: StatusView;

  constructor(
    private readonly el: HTMLElement,
    initial: StatusView,
  ) {
    this.view = initial;
    this.render();
  }

  get current(): StatusView {
    return this.view;
  }

  /** Show `view`; returns whether anything changed. */
  set(view: StatusView): boolean {
    const v = this.view;
    if (v.status === view.status && v.connection === view.connection && v.title === view.title && v.detail === view.detail) return false;
    this.view = view;
    this.render();
    return true;
  }

  private render(): void {
    const { el, view } = this;
    el.dataset.status = view.status;
    el.dataset.connection = view.connection ?? '';
    el.querySelector('.status-title')!.textContent = view.title;
    el.querySelector('.status-detail')!.textContent = view.detail;
  }
}
