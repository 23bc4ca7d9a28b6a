/**
 * The HUD's live plot: RTT (ms, left axis) and rollback depth (frames, right
 * axis) over the last minute, drawn by uPlot.
 */
import uPlot from 'uplot';

/** Samples kept: one minute at the HUD's 4 Hz. */
const WINDOW = 240;

export class NetPlot {
  private readonly plot: uPlot;
  private readonly t: number[] = [];
  private readonly rtt: (number | null)[] = [];
  private readonly depth: number[] = [];

  constructor(container: HTMLElement) {
    const width = Math.max(200, container.clientWidth);
    const axisStyle = { stroke: '#94a3b8', grid: { stroke: 'rgba(148,163,184,0.12)', width: 1 }, ticks: { stroke: 'rgba(148,163,184,0.2)', width: 1 } };
    this.plot = new uPlot(
      {
        width,
        height: 180,
        legend: { show: true, live: false },
        cursor: { show: false },
        scales: { x: { time: false }, ms: { range: (_u, _min, max) => [0, Math.max(50, Math.ceil(max / 25) * 25)] }, frames: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max))] } },
        axes: [
          { ...axisStyle, values: (_u, ticks) => ticks.map((v) => `${Math.round(v)}s`), size: 26 },
          { ...axisStyle, scale: 'ms', values: (_u, ticks) => ticks.map((v) => `${v}`), size: 42 },
          { ...axisStyle, scale: 'frames', side: 1, grid: { show: false }, incrs: [1, 2, 4, 8, 16], values: (_u, ticks) => ticks.map((v) => `${v}f`), size: 30 },
        ],
        series: [
          {},
          { label: 'RTT ms', scale: 'ms', stroke: '#4cc9f0', width: 2, fill: 'rgba(76,201,240,0.08)', points: { show: false } },
          { label: 'rollback frames', scale: 'frames', stroke: '#f72585', width: 1.5, paths: uPlot.paths.stepped?.({ align: 1 }), points: { show: false } },
        ],
      },
      [[], [], []],
      container,
    );
    new ResizeObserver(() => {
      const w = container.clientWidth;
      if (w > 0 && w !== this.plot.width) this.plot.setSize({ width: w, height: 180 });
    }).observe(container);
  }

  /** Add a sample: seconds since the session started, RTT (null before the first), deepest rollback since the last sample. */
  push(seconds: number, rttMs: number | null, rollbackDepth: number): void {
    this.t.push(seconds);
    this.rtt.push(rttMs);
    this.depth.push(rollbackDepth);
    if (this.t.length > WINDOW) {
      this.t.shift();
      this.rtt.shift();
      this.depth.shift();
    }
    this.plot.setData([this.t, this.rtt, this.depth]);
  }
}
