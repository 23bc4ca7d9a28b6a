/**
 * The session card: who this page is in the session, where its engine runs,
 * whether the server connection is up, and a button to download the
 * session's exported metrics (what a researcher keeps) as JSON.
 */
import type { NetSession } from '../main/connect.ts';
import type { HostMetrics } from '../worker/api.ts';
import type { DemoOptions } from './options.ts';

/** The metrics as JSON-friendly data: the binary input log as hex. */
export function metricsJson(m: HostMetrics): string {
  const hex = Array.from(m.inputLog, (b) => b.toString(16).padStart(2, '0')).join('');
  return JSON.stringify({ ...m, inputLog: hex }, null, 2);
}

export class SessionCard {
  private readonly rows: Record<'you' | 'session' | 'engine' | 'server', HTMLElement>;
  private session: NetSession | null = null;

  constructor(
    root: HTMLElement,
    private readonly options: DemoOptions,
  ) {
    const cell = (key: string) => root.querySelector<HTMLElement>(`[data-session="${key}"]`)!;
    this.rows = { you: cell('you'), session: cell('session'), engine: cell('engine'), server: cell('server') };
    this.rows.engine.textContent = options.engine === 'main' ? 'main thread' : 'Web Worker';
    const button = root.querySelector<HTMLButtonElement>('button.download')!;
    button.addEventListener('click', () => {
      button.blur();
      void this.download();
    });
  }

  joined(session: NetSession): void {
    this.session = session;
    const a = session.assignment;
    this.rows.you.textContent = `Player ${a.playerIndex + 1} of ${a.players.length}`;
    this.rows.session.textContent = a.sessionId.slice(0, 12);
    this.rows.session.title = a.sessionId;
    this.setServer(true);
  }

  setServer(connected: boolean): void {
    this.rows.server.textContent = connected ? 'connected' : 'lost (P2P goes on)';
    this.rows.server.dataset.level = connected ? 'ok' : 'warning';
  }

  private async download(): Promise<void> {
    const s = this.session;
    if (!s) return;
    const blob = new Blob([metricsJson(await s.exportSessionMetrics())], { type: 'application/json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `netroll-${s.assignment.sessionId}-p${s.assignment.playerIndex + 1}${this.options.engine === 'main' ? '-main' : ''}.json`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }
}
