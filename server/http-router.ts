/**
 * A small request router for the server's `node:http` server. Patterns are
 * paths whose segments may be `:name` (one segment, captured) and whose last
 * segment may be `*` (the rest of the path, captured as `params['*']`).
 * `GET` routes also answer `HEAD`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Captured path parameters, URL-decoded. */
export type RouteParams = Readonly<Record<string, string>>;

/** Handles one request. Rejections and throws become a 500 response. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, params: RouteParams, url: URL) => void | Promise<void>;

interface Route {
  readonly method: string;
  readonly pattern: string;
  readonly segments: readonly string[];
  readonly handler: RouteHandler;
}

/** Routes requests by method and path; first matching route wins. */
export class Router {
  readonly #routes: Route[] = [];

  /**
   * Registers `handler` for `method` (e.g. `GET`, `POST`, or `*` for any)
   * and `pattern` (e.g. `/api/sessions/:id`, `/admin/*`).
   */
  add(method: string, pattern: string, handler: RouteHandler): void {
    if (!pattern.startsWith('/')) throw new Error(`route pattern must start with "/": ${pattern}`);
    const segments = splitPath(pattern);
    const star = segments.indexOf('*');
    if (star >= 0 && star !== segments.length - 1) throw new Error(`"*" must be the last segment: ${pattern}`);
    this.#routes.push({ method: method.toUpperCase(), pattern, segments, handler });
  }

  /**
   * Runs the route for `req`, if any. Returns false when no route's pattern
   * matches the path; answers 405 when patterns match but no method does.
   */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    let url: URL;
    let rawSegments: string[];
    try {
      // Prefixing (rather than a base URL) keeps "//x" a path, not a host.
      url = new URL(`http://localhost${req.url ?? '/'}`);
      rawSegments = splitPath(url.pathname).map((s) => decodeURIComponent(s));
    } catch {
      return false; // not a path, or malformed escapes: let the caller answer
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const allowed = new Set<string>();
    for (const route of this.#routes) {
      const params = match(route.segments, rawSegments);
      if (!params) continue;
      if (route.method === '*' || route.method === method || (route.method === 'GET' && method === 'HEAD')) {
        await route.handler(req, res, params, url);
        return true;
      }
      allowed.add(route.method);
      if (route.method === 'GET') allowed.add('HEAD');
    }
    if (allowed.size === 0) return false;
    res.writeHead(405, { allow: [...allowed].join(', '), 'content-type': 'text/plain; charset=utf-8' });
    res.end('method not allowed\n');
    return true;
  }
}

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function match(pattern: readonly string[], path: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p === '*') {
      params['*'] = path.slice(i).join('/');
      return params;
    }
    const s = path[i];
    if (s === undefined) return undefined;
    if (p.startsWith(':')) params[p.slice(1)] = s;
    else if (p !== s) return undefined;
  }
  return path.length === pattern.length ? params : undefined;
}

/** Sends `body` as JSON with `status`. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/** Sends a short plain-text response. */
export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
