import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { withTimeout } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const START_MS = 30_000; // the CLI starts through tsx: generous on a loaded machine

/** Runs `tsx server/cli.ts …` (via node --import tsx), collecting output. */
function runCli(args: string[], env: Record<string, string> = {}): { child: ChildProcess; out: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, NETROLL_DATA_DIR: ':memory:', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, exit };
}

describe('server/cli.ts', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  it('prints the listening line, serves /healthz and exits 0 on SIGTERM', async () => {
    const cli = runCli(['--port', '0', '--host', '127.0.0.1']);
    children.push(cli.child);
    const port = await withTimeout(
      new Promise<number>((resolve, reject) => {
        const check = (): void => {
          const m = /netroll server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(cli.out());
          if (m) resolve(Number(m[1]));
        };
        cli.child.stdout?.on('data', check);
        void cli.exit.then((code) => reject(new Error(`exited early (${code}): ${cli.out()}`)));
      }),
      START_MS,
      'the listening line',
    );
    const res = await withTimeout(fetch(`http://127.0.0.1:${port}/healthz`), START_MS, 'healthz');
    expect(await res.json()).toEqual({ ok: true });
    cli.child.kill('SIGTERM');
    expect(await withTimeout(cli.exit, START_MS, 'exit after SIGTERM')).toBe(0);
  }, 70_000);

  it('never prints a configured admin token (it would land in the service log)', async () => {
    const token = 'configured-admin-token-0123456789';
    const cli = runCli(['--port', '0', '--host', '127.0.0.1'], { NETROLL_ADMIN_TOKEN: token });
    children.push(cli.child);
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (cli.out().includes('admin dashboard:')) resolve();
        };
        cli.child.stdout?.on('data', check);
        void cli.exit.then((code) => reject(new Error(`exited early (${code}): ${cli.out()}`)));
      }),
      START_MS,
      'the admin dashboard line',
    );
    expect(cli.out()).toMatch(/admin dashboard: http:\/\/127\.0\.0\.1:\d+\/admin \(sign in with NETROLL_ADMIN_TOKEN\)/);
    expect(cli.out()).not.toContain(token);
    cli.child.kill('SIGTERM');
    expect(await withTimeout(cli.exit, START_MS, 'exit after SIGTERM')).toBe(0);
  }, 70_000);

  it('exits 2 with a clear message for a bad port', async () => {
    const cli = runCli(['--port', 'eighty']);
    children.push(cli.child);
    expect(await withTimeout(cli.exit, START_MS, 'exit')).toBe(2);
    expect(cli.out()).toContain('--port: expected an integer from 0 to 65535, got "eighty"');
  }, 70_000);
});
