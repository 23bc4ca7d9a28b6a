/**
 * The cuttable TCP proxy the network-cut e2e test relies on: it forwards
 * both ways; while cut, nothing passes either way and a new connection gets
 * no upstream, with no reset or close seen by either end; once restored, what
 * waited is delivered.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** An echo server that also keeps its accepted sockets. */
async function echoServer(): Promise<{ server: Server; port: number; accepted: Socket[] }> {
  const accepted: Socket[] = [];
  const server = createServer((s) => {
    accepted.push(s);
    s.on('error', () => undefined);
    s.pipe(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanup.push(() => {
    for (const s of accepted) s.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const a = server.address();
  return { server, port: typeof a === 'object' && a ? a.port : 0, accepted };
}

async function proxyTo(port: number): Promise<TcpProxy> {
  const p = await startTcpProxy({ targetHost: '127.0.0.1', targetPort: port });
  cleanup.push(() => p.close());
  return p;
}

/** A client whose received bytes and close are recorded. */
async function client(port: number): Promise<{ socket: Socket; received: () => string; closed: () => boolean }> {
  const socket = createConnection({ host: '127.0.0.1', port });
  let data = '';
  let isClosed = false;
  socket.on('data', (b: Buffer) => (data += b.toString()));
  socket.on('close', () => (isClosed = true));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  cleanup.push(() => void socket.destroy());
  return { socket, received: () => data, closed: () => isClosed };
}

const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await wait(10);
  }
}

describe('cuttable TCP proxy', () => {
  it('forwards both ways; a cut holds bytes without closing anything; restored, they arrive', async () => {
    const echo = await echoServer();
    const proxy = await proxyTo(echo.port);
    const c = await client(proxy.port);
    c.socket.write('hello');
    await until(() => c.received() === 'hello');

    proxy.cut(true);
    c.socket.write(' world');
    await wait(300);
    expect(c.received()).toBe('hello');
    expect(c.closed()).toBe(false);
    expect(echo.accepted.every((s) => !s.destroyed)).toBe(true);

    proxy.cut(false);
    await until(() => c.received() === 'hello world');
    expect(proxy.stats()).toMatchObject({ accepted: 1, open: 1, acceptedWhileCut: 0 });
  });

  it('a connection made during a cut reaches the target only once the cut ends', async () => {
    const echo = await echoServer();
    const proxy = await proxyTo(echo.port);
    proxy.cut(true);
    const c = await client(proxy.port);
    c.socket.write('early');
    await wait(300);
    expect(echo.accepted).toHaveLength(0);
    expect(c.received()).toBe('');
    proxy.cut(false);
    await until(() => c.received() === 'early');
    expect(echo.accepted).toHaveLength(1);
    expect(proxy.stats().acceptedWhileCut).toBe(1);
  });

  it('an end during a cut is passed on only after it; close ends every connection', async () => {
    const echo = await echoServer();
    const proxy = await proxyTo(echo.port);
    const c = await client(proxy.port);
    c.socket.write('x');
    await until(() => c.received() === 'x');
    proxy.cut(true);
    echo.accepted[0]!.destroy();
    await wait(300);
    expect(c.closed()).toBe(false);
    proxy.cut(false);
    await until(() => c.closed());
    const d = await client(proxy.port);
    d.socket.write('y');
    await until(() => d.received() === 'y');
    await proxy.close();
    await until(() => d.closed());
    expect(proxy.stats().open).toBe(0);
  });
});
