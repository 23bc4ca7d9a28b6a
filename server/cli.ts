/**
 * `tsx server/cli.ts [flags]`: starts the netroll server with configuration
 * from flags and environment (see `--help`), and closes it cleanly on
 * SIGINT/SIGTERM.
 */
import { startServer } from './app.ts';
import { ConfigError, USAGE, parseConfig } from './config.ts';

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`netroll server: ${err.message}`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
  if (parsed.help) {
    process.stdout.write(USAGE);
    return;
  }
  const { config } = parsed;
  const server = await startServer(config);
  console.log(`netroll server listening on http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${server.port}`);
  if (config.turnSecret !== undefined) console.log(`  TURN credentials for ${config.turnUrls.join(', ')} (ttl ${config.turnTtl} s)`);
  if (config.staticDir !== undefined) console.log(`  serving ${config.staticDir} at /`);
  if (server.store) {
    const where = server.store.kind === 'postgres' ? `Postgres at ${server.store.location}` : config.dataDir === ':memory:' ? 'in memory (not kept)' : server.store.location;
    console.log(`  research data: ${where}`);
    // A configured token is never printed (logs are kept); a generated one must be, once, or nobody could sign in.
    console.log(
      config.adminToken
        ? `  admin dashboard: ${server.adminUrl.split('#')[0]} (sign in with NETROLL_ADMIN_TOKEN)`
        : `  admin dashboard: ${server.adminUrl}  (token generated for this run; set NETROLL_ADMIN_TOKEN to keep it out of logs)`,
    );
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      console.error(`netroll server: ${signal} again, exiting now`);
      process.exit(1);
    }
    stopping = true;
    console.log(`netroll server: ${signal}, closing`);
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('netroll server: close failed', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error('netroll server:', err instanceof Error ? err.message : err);
  process.exit(1);
});
