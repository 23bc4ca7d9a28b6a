/**
 * `@netroll/server`: start a netroll server from your own Node program.
 *
 * ```ts
 * import { startServer } from '@netroll/server';
 * const server = await startServer({ port: 8080, staticDir: 'public' });
 * console.log(server.url);
 * ```
 *
 * The `netroll` command (`netroll serve`, `netroll export`, `netroll replay`,
 * `netroll sessions`) comes with the package.
 */
export { startServer, type RunningServer, type ServerHooks } from './app.ts';
export {
  ConfigError,
  DEFAULT_CONFIG,
  USAGE,
  parseConfig,
  resolveConfig,
  type ParsedCommandLine,
  type RateLimit,
  type RateLimits,
  type ServerConfig,
} from './config.ts';
