// netroll admin dashboard: polls the API every 2 s (authenticated by the
// session cookie made at sign-in) and draws live RTT and rollback-depth plots
// with uPlot.
/* global uPlot */
const api = (path) =>
  fetch(path, { credentials: 'same-origin' }).then((r) => {
    if (r.status === 401) location.replace('/admin');
    if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
    return r.json();
  });
const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const short = (id) => esc(String(id).slice(0, 8));

let rttPlot = null;
let rollbackPlot = null;

function drawRtt(sessions) {
  const series = [];
  for (const s of sessions) for (const p of s.players) if (p.rtt.length) series.push({ label: `${String(s.sessionId).slice(0, 6)} p${p.playerIndex}`, points: p.rtt });
  const times = [...new Set(series.flatMap((s) => s.points.map(([t]) => Math.round(t / 1000))))].sort((a, b) => a - b);
  const data = [times, ...series.map((s) => {
    const byTime = new Map(s.points.map(([t, v]) => [Math.round(t / 1000), v]));
    return times.map((t) => byTime.get(t) ?? null);
  })];
  const opts = { width: 520, height: 220, series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: `hsl(${(i * 67) % 360} 70% 45%)`, spanGaps: true }))], axes: [{}, { label: 'ms' }] };
  rttPlot?.destroy();
  rttPlot = new uPlot(opts, data, document.getElementById('rtt-plot'));
}

function drawRollbacks(sessions) {
  const hist = new Map();
  for (const s of sessions) for (const p of s.players) for (const [d, n] of Object.entries(p.stats?.rollbackHistogram ?? {})) hist.set(Number(d), (hist.get(Number(d)) ?? 0) + n);
  const depths = [...hist.keys()].sort((a, b) => a - b);
  const data = [depths.length ? depths : [0], depths.length ? depths.map((d) => hist.get(d)) : [0]];
  const opts = {
    width: 520,
    height: 220,
    scales: { x: { time: false } },
    series: [{ label: 'depth' }, { label: 'rollbacks', stroke: '#b3261e', fill: 'rgba(179,38,30,0.25)', paths: uPlot.paths.bars({ size: [0.8] }) }],
    axes: [{ label: 'frames rolled back' }, { label: 'count' }],
  };
  rollbackPlot?.destroy();
  rollbackPlot = new uPlot(opts, data, document.getElementById('rollback-plot'));
}

function renderLive(sessions) {
  const rows = [];
  for (const s of sessions) {
    for (const p of s.players) {
      const st = p.stats;
      const links = st?.links ?? [];
      const conn = links.map((l) => l.connectionType).join(', ') || (p.left ? 'left' : 'connecting');
      const route = links.map((l) => l.route).join(', ');
      const rtt = links.length ? Math.round(links.reduce((a, l) => a + l.rttMs, 0) / links.length) : '';
      const sync = st ? (st.desyncs === 0 ? '<span class="ok">in sync</span>' : '<span class="bad">DESYNC</span>') : '';
      const watch = p === s.players[0] && !s.ended ? ` <a class="watch" href="/admin/watch?session=${encodeURIComponent(s.sessionId)}" target="_blank" rel="noopener">watch</a>` : '';
      rows.push(`<tr data-session="${esc(s.sessionId)}" data-player="${p.playerIndex}"><td>${short(s.sessionId)}${watch}</td><td>${esc(s.room)}</td><td>${p.playerIndex} ${esc(p.name)}</td>` +
        `<td class="connection">${esc(conn)}</td><td>${esc(route)}</td><td>${rtt}</td><td class="frame">${st?.frame ?? ''}</td>` +
        `<td>${st ? `${st.rollbacks} (${st.maxRollback})` : ''}</td><td>${st?.desyncs ?? ''}</td><td>${sync}</td></tr>`);
    }
  }
  document.querySelector('#live tbody').innerHTML = rows.join('') || '<tr><td colspan="10" class="muted">no live sessions</td></tr>';
}

function renderSessions(sessions) {
  document.querySelector('#sessions tbody').innerHTML =
    sessions
      .map((s) => {
        const parity = s.parity_status === 'fullySynced' ? '<span class="ok">fullySynced</span>' : s.parity_status === 'mismatch' ? `<span class="bad">mismatch @${esc(s.parity_first_mismatch_frame)}</span>` : '<span class="muted">pending</span>';
        const q = `session=${encodeURIComponent(s.session_id)}`;
        return `<tr data-session="${esc(s.session_id)}"><td>${short(s.session_id)}</td><td>${esc(s.created_at)}</td><td>${esc(s.game)}</td><td>${s.players}</td><td>${s.frames}</td><td>${s.episodes}</td>` +
          `<td>${esc(s.connection_types)}</td><td>${s.rollbacks}</td><td>${s.desyncs}</td><td class="parity">${parity}</td>` +
          `<td><a href="/api/export?format=csv&kind=frames&${q}">frames.csv</a> · <a href="/api/export?format=json&${q}">json</a></td></tr>`;
      })
      .join('') || '<tr><td colspan="11" class="muted">no stored sessions yet</td></tr>';
}

async function refresh() {
  try {
    const [live, stored] = await Promise.all([api('/api/live'), api('/api/sessions')]);
    renderLive(live.sessions);
    renderSessions(stored.sessions);
    drawRtt(live.sessions);
    drawRollbacks(live.sessions);
    const el = document.getElementById('updated');
    el.textContent = `updated ${new Date().toLocaleTimeString()}`;
    el.dataset.updated = String(Number(el.dataset.updated) + 1);
  } catch (e) {
    document.getElementById('updated').textContent = `error: ${e.message}`;
  }
}
refresh();
setInterval(refresh, 2000);
