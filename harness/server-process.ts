/**
 * The netroll server as a child process (`node --import tsx server/cli.ts`),
 * so a test can kill it the hard way (SIGKILL: no goodbye to any client, as
 * a crash or a power cut) and start it again on the same port and data
 * directory. Each {@link ServerProcess} ends only its own process, by PID.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** How to start the server process. */
export interface ServerProcessOptions {
  /** Interface to listen on. */
  host: string;
  /** Port; 0 (default) picks a free one (read back from the server's first line). */
  port?: number;
  /** Research data directory (the resume key is kept there when `resumeKey` is not given). */
  dataDir: string;
  /** Origins allowed besides the server's own. */
  corsOrigins?: readonly string[];
  /** TURN secret and urls, as for the server's flags. */
  turnSecret?: string;
  turnUrls?: readonly string[];
  /** Give up waiting for the server to listen after this long, ms. Default 20,000. */
  timeoutMs?: number;
}

/** A running server process. */
export interface ServerProcess {
  readonly pid: number;
  readonly port: number;
  /** `http://host:port`. */
  readonly url: string;
  /** Wall-clock time (ms since the epoch) the server said it was listening. */
  readonly listeningAt: number;
  /** stdout and stderr so far. */
  log(): string;
  /** SIGKILL this process (and only it); resolves once it exited. Idempotent. */
  kill(): Promise<void>;
}

/** Starts the server process; resolves once it listens. */
export async function startServerProcess(o: ServerProcessOptions): Promise<ServerProcess> {
  const args = ['--import', 'tsx', 'server/cli.ts', '--host', o.host, '--port', String(o.port ?? 0), '--data-dir', o.dataDir];
  if (o.corsOrigins && o.corsOrigins.length > 0) args.push('--cors-origin', o.corsOrigins.join(','));
  if (o.turnUrls && o.turnUrls.length > 0) args.push('--turn-urls', o.turnUrls.join(','));
  const env: NodeJS.ProcessEnv = { ...process.env, ...(o.turnSecret !== undefined ? { NETROLL_TURN_SECRET: o.turnSecret } : {}) };
  delete env.NETROLL_RESUME_KEY; // the key comes from the data directory's store: what `npm start` does
  const child: ChildProcess = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let exitedYet = false;
  void exited.then(() => (exitedYet = true));
  const kill = async (): Promise<void> => {
    if (!exitedYet && child.pid !== undefined) child.kill('SIGKILL');
    await exited;
  };
  try {
    const { port, at } = await new Promise<{ port: number; at: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server process did not listen within ${o.timeoutMs ?? 20_000} ms:\n${output}`)), o.timeoutMs ?? 20_000);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString('utf8');
        const m = /listening on http:\/\/\S+:(\d+)/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve({ port: Number(m[1]), at: Date.now() });
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`server process exited before listening:\n${output}`));
      });
    });
    return {
      pid: child.pid!,
      port,
      url: `http://${o.host}:${port}`,
      listeningAt: at,
      log: () => output,
      kill,
    };
  } catch (e) {
    await kill();
    throw e;
  }
}
