/**
 * Process helpers shared by the server benchmarks (`bench/abuse.ts`,
 * `bench/load.ts`) and the processes they start:
 *
 * - {@link forkChild} / {@link serveCommands}: a child process driven over
 *   the IPC channel (`{ id, cmd, ...args }` → `{ id, ok, result | error }`),
 *   every call bounded in time; the child exits when its parent goes away.
 * - {@link LoadWindow}: one process's event-loop delay, CPU time, event-loop
 *   utilisation and I/O system calls over a window (measured inside it).
 * - {@link machineTicks}, {@link processTicks}: the whole machine's and another
 *   process's CPU time from Linux `/proc` (undefined elsewhere), to say how
 *   busy the machine was besides the processes measured.
 *
 * Benchmarks report numbers; nothing here asserts on timings.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** Rejects with `timed out after … ms: what` unless `p` settles within `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

/** Busy and total CPU time of the whole machine so far, in clock ticks (Linux `/proc/stat`; undefined elsewhere). */
export function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number) as number[];
    const busy = user! + nice! + system! + irq! + softirq! + steal!;
    return { busy, total: busy + idle! + iowait! };
  } catch {
    return undefined;
  }
}

/** Clock ticks a second of `/proc` CPU figures (`USER_HZ`: 100 on Linux). */
export const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user + system) process `pid` used so far, in clock ticks (Linux `/proc/<pid>/stat`; undefined elsewhere or when gone). */
export function processTicks(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: the fields after it start past its closing parenthesis.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : undefined;
  } catch {
    return undefined;
  }
}

/** The machine's busy cores between two {@link machineTicks} readings (cores × busy share); undefined without both. */
export function busyCores(t0: ReturnType<typeof machineTicks>, t1: ReturnType<typeof machineTicks>, cores: number): number | undefined {
  if (!t0 || !t1 || t1.total <= t0.total) return undefined;
  return ((t1.busy - t0.busy) / (t1.total - t0.total)) * cores;
}

interface SyscallCounts {
  /** Read-type system calls (read, readv, recv…) so far. */
  syscr: number;
  /** Write-type system calls (write, writev, send…) so far. */
  syscw: number;
}
/** This process's I/O system-call counts from Linux `/proc/self/io` (undefined elsewhere). */
function syscalls(): SyscallCounts | undefined {
  try {
    const text = readFileSync('/proc/self/io', 'utf8');
    const get = (k: string): number => Number(new RegExp(`^${k}: (\\d+)$`, 'm').exec(text)?.[1]);
    const out = { syscr: get('syscr'), syscw: get('syscw') };
    return Number.isFinite(out.syscr) && Number.isFinite(out.syscw) ? out : undefined;
  } catch {
    return undefined;
  }
}

const ms = (ns: number): number => Math.round((ns / 1e6) * 10) / 10;

/** What a {@link LoadWindow} measured. */
export interface Lag {
  /** 99th percentile of the event-loop delay, ms (1 ms resolution). */
  p99Ms: number;
  /** Longest event-loop delay, ms. */
  maxMs: number;
  /** Mean event-loop delay, ms. */
  meanMs: number;
  /** CPU time over wall time (1 = one core busy all the time). */
  cpuShare: number;
  /** Event-loop utilisation: the share of the time the loop was busy (not waiting for I/O). */
  elu: number;
  /** CPU time in µs, user (JavaScript, V8, libuv). */
  userUs: number;
  /** CPU time in µs, system (the kernel, for this process). */
  systemUs: number;
  /** Wall time of the window, ms. */
  wallMs: number;
  /** I/O read system calls in the window (Linux only). */
  readSyscalls?: number;
  /** I/O write system calls in the window (Linux only). */
  writeSyscalls?: number;
}

/** Measures this process's event-loop delay and CPU between {@link LoadWindow.start} and {@link LoadWindow.stop}. */
export class LoadWindow {
  private lag: IntervalHistogram | undefined;
  private since: { cpu: NodeJS.CpuUsage; at: number; elu: ReturnType<typeof performance.eventLoopUtilization>; io: SyscallCounts | undefined } | undefined;

  /** Starts (or restarts) the window. */
  start(): void {
    this.lag?.disable();
    this.lag = monitorEventLoopDelay({ resolution: 1 });
    this.lag.enable();
    this.since = { cpu: process.cpuUsage(), at: performance.now(), elu: performance.eventLoopUtilization(), io: syscalls() };
  }

  /** Ends the window and returns what it measured. */
  stop(): Lag {
    const lag = this.lag;
    const since = this.since;
    if (!lag || !since) throw new Error('start the window first');
    lag.disable();
    const cpu = process.cpuUsage(since.cpu);
    const wallMs = performance.now() - since.at;
    const elu = performance.eventLoopUtilization(since.elu).utilization;
    const io1 = syscalls();
    this.lag = undefined;
    this.since = undefined;
    return {
      p99Ms: ms(lag.percentile(99)),
      maxMs: ms(lag.max),
      meanMs: ms(lag.mean),
      cpuShare: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 100) / 100,
      elu: Math.round(elu * 100) / 100,
      userUs: cpu.user,
      systemUs: cpu.system,
      wallMs: Math.round(wallMs),
      ...(since.io && io1 ? { readSyscalls: io1.syscr - since.io.syscr, writeSyscalls: io1.syscw - since.io.syscw } : {}),
    };
  }
}

type Reply = { id: number; ok: boolean; result?: unknown; error?: string };

/** A child process started by {@link forkChild}. */
export interface Child {
  /** The process (its pid, for CPU figures). */
  readonly proc: ChildProcess;
  /** Runs command `cmd` in the child; rejects on its error, its exit, or after `ms`. */
  call<T = unknown>(cmd: string, extra?: Record<string, unknown>, ms?: number): Promise<T>;
  /** Kills the child (SIGKILL, by its pid). Idempotent. */
  kill(): void;
}

/**
 * Forks the TypeScript module `file` (run through tsx) and waits up to
 * `startMs` for its ready message. `stdio` picks where its output goes
 * (`inherit`, or `pipe` to read `proc.stdout`/`proc.stderr`).
 */
export async function forkChild(
  file: string,
  what: string,
  o: { cwd?: string; env?: NodeJS.ProcessEnv; stdio?: 'inherit' | 'pipe'; startMs?: number } = {},
): Promise<Child> {
  const proc = fork(file, [], {
    ...(o.cwd ? { cwd: o.cwd } : {}),
    ...(o.env ? { env: o.env } : {}),
    execArgv: ['--import', 'tsx'],
    stdio: o.stdio === 'pipe' ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let exited: Error | undefined;
  const ready = new Promise<void>((res, rej) => {
    proc.on('message', (raw) => {
      const m = raw as Reply;
      if (m.id === 0) return res();
      const p = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.ok) p?.resolve(m.result);
      else p?.reject(new Error(`${what}: ${m.error ?? 'failed'}`));
    });
    proc.once('exit', (code, signal) => {
      exited = new Error(`${what} exited (${signal ?? code})`);
      rej(exited);
      for (const p of waiting.values()) p.reject(exited);
      waiting.clear();
    });
  });
  const kill = (): void => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  };
  try {
    await withTimeout(ready, o.startMs ?? 60_000, `${what} start`);
  } catch (e) {
    kill();
    throw e;
  }
  return {
    proc,
    kill,
    call: <T,>(cmd: string, extra: Record<string, unknown> = {}, ms = 60_000): Promise<T> => {
      if (exited) return Promise.reject(exited);
      const n = nextId++;
      return withTimeout(
        new Promise<T>((res, rej) => {
          waiting.set(n, { resolve: res as (v: unknown) => void, reject: rej });
          proc.send({ id: n, cmd, ...extra });
        }),
        ms,
        `${what}: ${cmd}`,
      ).finally(() => waiting.delete(n));
    },
  };
}

/** A request a child receives: the command name and its arguments. */
export type CommandRequest = { id: number; cmd: string; [k: string]: unknown };

/**
 * The child side of {@link forkChild}: answers each IPC request with
 * `commands[cmd]`'s result (or its error), sends the ready message, and runs
 * `onParentGone` then exits when the parent goes away.
 */
export function serveCommands(commands: Record<string, (r: CommandRequest) => unknown>, onParentGone: () => unknown = () => undefined): void {
  process.on('message', (raw) => {
    const r = raw as CommandRequest;
    void (async () => {
      try {
        const command = commands[r.cmd];
        if (!command) throw new Error(`unknown command ${r.cmd}`);
        process.send!({ id: r.id, ok: true, result: await command(r) });
      } catch (e) {
        process.send!({ id: r.id, ok: false, error: e instanceof Error ? e.message : String(e) });
      }
    })();
  });
  process.on('disconnect', () => {
    void Promise.resolve()
      .then(onParentGone)
      .catch(() => undefined)
      .finally(() => process.exit(0));
  });
  process.send!({ id: 0, ok: true, result: 'ready' });
}

/**
 * Calls `send(i)` for `i` = 0, 1, … `count - 1`, 0, 1, … (round-robin),
 * paced evenly at `perSecond` calls a second from `startedAt`
 * (`performance.now()` time), checked every 2 ms. A late check catches up
 * on the slots it missed, but never more than a tenth of a second's worth at
 * once: slots missed by a longer stall are skipped (and counted), not sent
 * as a burst. Runs until `stop()`, which returns the counts.
 */
export function pace(count: number, perSecond: number, startedAt: number, send: (i: number) => void): { stop: () => { sent: number; skipped: number } } {
  let sent = 0;
  let skipped = 0;
  let next = 0;
  const timer = setInterval(() => {
    if (count === 0) return;
    const due = Math.floor(((performance.now() - startedAt) / 1000) * perSecond);
    if (due - sent - skipped > perSecond / 10) skipped = due - sent - Math.ceil(perSecond / 10);
    while (sent + skipped < due) {
      send(next);
      next = (next + 1) % count;
      sent++;
    }
  }, 2);
  return {
    stop: () => {
      clearInterval(timer);
      return { sent, skipped };
    },
  };
}
