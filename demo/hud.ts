/**
 * The netcode HUD: what the rollback engine and the links are doing, sampled
 * at ~4 Hz from `session.stats()`, `session.links()` and rollback events,
 * plus a live plot of RTT and rollback depth. The player can hide it.
 */
import type { LinkReport } from '../main/mesh.ts';
import type { HostStats } from '../worker/api.ts';
import { playerColor } from './arena-view.ts';
import { NetPlot } from './net-plot.ts';
import { type ConnectionKind, connectionOf, LAGGING_RTT_MS } from './status.ts';

/** One HUD sample: the figures shown, also handy for tests (window.netroll.hud()). */
export interface HudSample {
  /**
   * Round trip to the slowest peer, ms: the engine's (input packet → ack),
   * the one RTT the demo shows. It is what rollback depth follows, and it
   * includes the impairment set on this page and the tick timing.
   */
  readonly rttMs: number | null;
  readonly connection: ConnectionKind | null;
  readonly route: 'P2P' | 'relay' | 'P2P + relay' | '—';
  readonly rollbackDepth: number;
  readonly maxRollback: number;
  readonly rollbacks: number;
  readonly predictedFrames: number;
  readonly stalls: number;
  readonly frameAdvantage: number;
  readonly desyncs: number;
  readonly frame: number;
  readonly inputDelay: number;
}

/** Engine RTT per peer (ms) from the engine's stats; it includes any impairment set on this page. */
export function rttByPeer(stats: HostStats): Map<number, number> {
  return new Map(stats.peers.filter((p) => p.rttMs > 0).map((p) => [p.player, p.rttMs]));
}

export function hudSample(stats: HostStats, links: readonly LinkReport[], rollbackDepth: number): HudSample {
  const rtts = [...rttByPeer(stats).values()];
  const rtt = rtts.length > 0 ? Math.max(...rtts) : null;
  const routes = new Set(links.map((l) => l.route));
  return {
    rttMs: rtt,
    connection: connectionOf(links),
    route: routes.size === 0 ? '—' : routes.size === 2 ? 'P2P + relay' : routes.has('relay') ? 'relay' : 'P2P',
    rollbackDepth,
    maxRollback: stats.maxRollback,
    rollbacks: stats.rollbacks,
    predictedFrames: Math.max(0, stats.frame - stats.confirmedFrame - 1),
    stalls: stats.stalls,
    frameAdvantage: stats.frameAdvantage,
    desyncs: stats.desyncs,
    frame: stats.frame,
    inputDelay: stats.inputDelay,
  };
}

const ms = (v: number | null) => (v === null ? '—' : `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`);

const ROWS: readonly { key: keyof HudSample; label: string; format: (s: HudSample) => string; title: string }[] = [
  { key: 'rttMs', label: 'RTT', format: (s) => ms(s.rttMs), title: 'Round trip to the slowest peer as the engine sees it: includes impairment and tick timing' },
  { key: 'connection', label: 'connection', format: (s) => s.connection ?? '—', title: 'ICE candidate pair type (host, srflx, prflx, relay) or relay-server' },
  { key: 'route', label: 'route', format: (s) => s.route, title: 'How inputs travel: WebRTC DataChannel (P2P) or the server relay' },
  { key: 'rollbackDepth', label: 'rollback', format: (s) => `${s.rollbackDepth} f`, title: 'Deepest rollback in the last quarter second, frames' },
  { key: 'maxRollback', label: 'max rollback', format: (s) => `${s.maxRollback} f`, title: 'Deepest rollback this session, frames' },
  { key: 'predictedFrames', label: 'predicted', format: (s) => `${s.predictedFrames} f`, title: 'Frames simulated ahead of the confirmed frame (frame − confirmed − 1)' },
  { key: 'stalls', label: 'stalls', format: (s) => String(s.stalls), title: 'Ticks that waited because prediction reached its cap' },
  { key: 'frameAdvantage', label: 'frame adv.', format: (s) => s.frameAdvantage.toFixed(1), title: 'Frames this peer is ahead of the slowest peer (time sync slows the one ahead)' },
  { key: 'desyncs', label: 'desyncs', format: (s) => String(s.desyncs), title: 'State hash mismatches between peers' },
  { key: 'rollbacks', label: 'rollbacks', format: (s) => String(s.rollbacks), title: 'Rollbacks this session' },
  { key: 'inputDelay', label: 'input delay', format: (s) => `${s.inputDelay} f`, title: 'Frames of local input delay' },
];

export class Hud {
  private readonly values = new Map<keyof HudSample, HTMLElement>();
  private readonly peersEl: HTMLElement;
  private plot: NetPlot | null = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly plotContainer: HTMLElement,
  ) {
    const dl = root.querySelector('dl')!;
    for (const row of ROWS) {
      const wrap = document.createElement('div');
      wrap.title = row.title;
      const dt = document.createElement('dt');
      dt.textContent = row.label;
      const dd = document.createElement('dd');
      dd.textContent = '—';
      dd.dataset.hud = row.key;
      wrap.append(dt, dd);
      dl.append(wrap);
      this.values.set(row.key, dd);
    }
    this.peersEl = root.querySelector('.hud-peers')!;
  }

  get visible(): boolean {
    return !this.root.hidden;
  }

  setVisible(on: boolean): void {
    this.root.hidden = !on;
  }

  /** Show a sample; `seconds` is the x position in the plot. */
  update(sample: HudSample, links: readonly LinkReport[], engineRtt: ReadonlyMap<number, number>, seconds: number): void {
    this.plot ??= new NetPlot(this.plotContainer);
    this.plot.push(seconds, sample.rttMs, sample.rollbackDepth);
    if (!this.visible) return;
    for (const row of ROWS) this.values.get(row.key)!.textContent = row.format(sample);
    const rttCell = this.values.get('rttMs')!;
    rttCell.dataset.level = sample.rttMs === null ? '' : sample.rttMs >= 2 * LAGGING_RTT_MS ? 'critical' : sample.rttMs >= LAGGING_RTT_MS ? 'warning' : 'ok';
    this.values.get('desyncs')!.dataset.level = sample.desyncs > 0 ? 'critical' : '';
    this.peersEl.replaceChildren(
      ...links.map((l) => {
        const row = document.createElement('div');
        row.className = 'peer-row';
        const rtt = engineRtt.get(l.peer);
        row.innerHTML = `<span class="swatch"></span><span>P${l.peer + 1}</span><span>${l.route === 'relay' ? 'relay' : 'P2P'}</span><span>${l.connection?.type ?? '…'}</span><span>${rtt === undefined ? '—' : `${Math.round(rtt)} ms`}</span><span class="peer-status" data-peer-status="${l.status}">${l.status}</span>`;
        row.querySelector<HTMLElement>('.swatch')!.style.background = playerColor(l.peer);
        return row;
      }),
    );
  }
}
