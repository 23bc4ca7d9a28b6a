import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, DEFAULT_LIMITS, parseConfig, resolveConfig, type ServerConfig } from '../../server/config.ts';
import { startServer } from '../../server/app.ts';

const config = (argv: string[], env: Record<string, string> = {}): ServerConfig => {
  const r = parseConfig(argv, env);
  if (r.help) throw new Error('unexpected help');
  return r.config;
};

describe('server configuration', () => {
  it('uses the embedded defaults', () => {
    expect(config([])).toEqual(DEFAULT_CONFIG);
    expect(DEFAULT_CONFIG).toMatchObject({ port: 8080, host: '0.0.0.0', turnTtl: 3600, dataDir: './data', turnUrls: [], stunUrls: [] });
    expect(DEFAULT_CONFIG.turnSecret).toBeUndefined();
  });

  it('environment overrides defaults and flags override environment', () => {
    const env = {
      PORT: '9000',
      HOST: '127.0.0.1',
      NETROLL_TURN_SECRET: 'env-secret',
      NETROLL_TURN_URLS: 'turn:a.example:3478, turns:a.example:5349',
      NETROLL_TURN_TTL: '600',
      NETROLL_STUN_URLS: 'stun:s.example',
      NETROLL_DATA_DIR: '/var/netroll',
    };
    expect(config([], env)).toMatchObject({
      port: 9000,
      host: '127.0.0.1',
      turnSecret: 'env-secret',
      turnUrls: ['turn:a.example:3478', 'turns:a.example:5349'],
      turnTtl: 600,
      stunUrls: ['stun:s.example'],
      dataDir: '/var/netroll',
    });
    const c = config(
      ['--port', '9100', '--host=::1', '--turn-secret', 'flag-secret', '--turn-urls', 'turn:b.example', '--turn-ttl', '120', '--static-dir', 'demo', '--data-dir', 'd2'],
      env,
    );
    expect(c).toMatchObject({
      port: 9100,
      host: '::1',
      turnSecret: 'flag-secret',
      turnUrls: ['turn:b.example'],
      turnTtl: 120,
      stunUrls: ['stun:s.example'], // not given as a flag: from the environment
      staticDir: 'demo',
      dataDir: 'd2',
    });
    // Empty variables count as unset.
    expect(config([], { PORT: '' }).port).toBe(8080);
  });

  it('refuses bad values with errors naming the flag or variable', () => {
    const bad: [string[], Record<string, string>, RegExp][] = [
      [['--port', 'abc'], {}, /--port: expected an integer from 0 to 65535, got "abc"/],
      [['--port', '65536'], {}, /--port: expected an integer/],
      [['--port', '-1'], {}, /--port/],
      [['--port', '80.5'], {}, /--port/],
      [[], { PORT: 'http' }, /PORT: expected an integer/],
      [['--turn-ttl', '0'], {}, /--turn-ttl: expected an integer from 1/],
      [[], { NETROLL_TURN_TTL: 'soon' }, /NETROLL_TURN_TTL/],
      [['--turn-secret', 's'], {}, /TURN secret needs TURN urls/],
      [['--turn-urls', 'turn:x'], {}, /TURN urls need the TURN secret/],
      [['--turn-secret', 's', '--turn-urls', 'http://x'], {}, /turn urls: "http:\/\/x" must start with turn: or turns:/],
      [['--stun-urls', 'turn:x'], {}, /stun urls: .* must start with stun: or stuns:/],
      [['--cors-origin', 'localhost'], {}, /cors origin/],
      [['--nope'], {}, /Unknown option '--nope'/],
      [['positional'], {}, /positional/i],
      [['--port'], {}, /--port/],
    ];
    for (const [argv, env, message] of bad) {
      expect(() => parseConfig(argv, env), argv.join(' ')).toThrow(ConfigError);
      expect(() => parseConfig(argv, env), argv.join(' ')).toThrow(message);
    }
  });

  it('abuse limits: defaults, partial overrides, --conns-per-ip, and validation', () => {
    expect(config([]).limits).toEqual(DEFAULT_LIMITS);
    expect(resolveConfig({ limits: { connectionsPerIp: 5 } }).limits).toEqual({ ...DEFAULT_LIMITS, connectionsPerIp: 5 });
    expect(config(['--conns-per-ip', '7']).limits.connectionsPerIp).toBe(7);
    expect(config([], { NETROLL_CONNS_PER_IP: '9' }).limits.connectionsPerIp).toBe(9);
    expect(() => parseConfig(['--conns-per-ip', '0'])).toThrow(/--conns-per-ip: expected an integer from 1/);
    expect(() => resolveConfig({ limits: { targetBufferBytes: 0 } })).toThrow(/limits.targetBufferBytes/);
    expect(() => resolveConfig({ limits: { relayBytesPerIp: { burst: 10, perSecond: 0 } } })).toThrow(/limits.relayBytesPerIp/);
    expect(() => parseConfig(['--turn-secret', 's', '--turn-urls', 'turn:x', '--turn-ttl', String(7 * 24 * 3600)])).toThrow(/turn ttl|--turn-ttl/);
  });

  it('the disk floor: 256 MiB by default, --min-free-disk / NETROLL_MIN_FREE_DISK_MB in MiB (0 = off), kept with --conns-per-ip', () => {
    expect(DEFAULT_LIMITS.minFreeDiskBytes).toBe(256 * 1024 * 1024);
    expect(config(['--min-free-disk', '1024']).limits.minFreeDiskBytes).toBe(1024 * 1024 * 1024);
    expect(config([], { NETROLL_MIN_FREE_DISK_MB: '0' }).limits.minFreeDiskBytes).toBe(0);
    const both = config(['--conns-per-ip', '7', '--min-free-disk', '10']).limits;
    expect(both).toEqual({ ...DEFAULT_LIMITS, connectionsPerIp: 7, minFreeDiskBytes: 10 * 1024 * 1024 });
    expect(() => parseConfig([], { NETROLL_MIN_FREE_DISK_MB: '-5' })).toThrow(/NETROLL_MIN_FREE_DISK_MB: expected an integer from 0/);
    expect(() => parseConfig(['--min-free-disk', 'lots'])).toThrow(/--min-free-disk/);
    expect(resolveConfig({ limits: { minFreeDiskBytes: 0 } }).limits.minFreeDiskBytes).toBe(0);
    expect(() => resolveConfig({ limits: { minFreeDiskBytes: -1 } })).toThrow(/limits.minFreeDiskBytes: must be an integer >= 0/);
  });

  it('research store: Postgres URL and pool size from flags or environment, validated; SQLite without a URL', () => {
    expect(DEFAULT_CONFIG.databaseUrl).toBeUndefined();
    expect(DEFAULT_CONFIG.databasePoolSize).toBe(10);
    expect(config([], { NETROLL_DATABASE_URL: 'postgres://u:p@db:5432/netroll', NETROLL_DATABASE_POOL_SIZE: '4' })).toMatchObject({
      databaseUrl: 'postgres://u:p@db:5432/netroll',
      databasePoolSize: 4,
    });
    expect(config(['--database-url', 'postgresql://db/x'], { NETROLL_DATABASE_URL: 'postgres://other/y' }).databaseUrl).toBe('postgresql://db/x');
    expect(() => parseConfig([], { NETROLL_DATABASE_URL: 'mysql://db/x' })).toThrow(/database url: must be a postgres/);
    expect(() => parseConfig(['--database-pool-size', '0'])).toThrow(/--database-pool-size: expected an integer from 1/);
    expect(() => parseConfig(['--database-pool-size', '101'])).toThrow(/--database-pool-size/);
    expect(() => resolveConfig({ databasePoolSize: 2.5 })).toThrow(/database pool size/);
  });

  it('heartbeat: socket.io defaults, flags and variables, and validation', () => {
    expect(config([])).toMatchObject({ pingIntervalMs: 25_000, pingTimeoutMs: 20_000 });
    expect(config(['--ping-interval', '2000', '--ping-timeout', '3000'])).toMatchObject({ pingIntervalMs: 2000, pingTimeoutMs: 3000 });
    expect(config([], { NETROLL_PING_INTERVAL_MS: '5000', NETROLL_PING_TIMEOUT_MS: '4000' })).toMatchObject({ pingIntervalMs: 5000, pingTimeoutMs: 4000 });
    expect(() => parseConfig(['--ping-interval', '999'])).toThrow(/--ping-interval: expected an integer from 1000 to 300000/);
    expect(() => parseConfig([], { NETROLL_PING_TIMEOUT_MS: 'soon' })).toThrow(/NETROLL_PING_TIMEOUT_MS/);
    expect(() => resolveConfig({ pingTimeoutMs: 300_001 })).toThrow(/ping timeout: expected an integer number of ms from 1000 to 300000/);
  });

  it('answers --help and -h', () => {
    expect(parseConfig(['--help'])).toEqual({ help: true });
    expect(parseConfig(['-h'])).toEqual({ help: true });
  });

  it('resolveConfig validates partial configs given to startServer', async () => {
    expect(resolveConfig({ port: 0, host: '127.0.0.1', turnSecret: undefined }).port).toBe(0);
    expect(() => resolveConfig({ port: 70000 })).toThrow(/port: expected an integer from 0 to 65535/);
    expect(() => resolveConfig({ port: 1.5 })).toThrow(ConfigError);
    expect(() => resolveConfig({ host: '' })).toThrow(/host/);
    expect(() => resolveConfig({ rateLimits: { join: { burst: 0, perSecond: 1 }, signal: { burst: 1, perSecond: 1 }, relay: { burst: 1, perSecond: 1 } } })).toThrow(/rate limit join/);
    await expect(startServer({ port: -5, host: '127.0.0.1' })).rejects.toThrow(ConfigError);
    await expect(startServer({ port: 0, host: '127.0.0.1', staticDir: '/definitely/not/here' })).rejects.toThrow(/static dir/);
  });
});
