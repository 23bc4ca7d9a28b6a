/**
 * Serves a directory as static files: correct content types, `index.html`
 * for directories, and no way out of the directory (`..` segments, encoded
 * or not, backslashes and NUL bytes are refused before touching the disk;
 * symbolic links are followed only when their target is inside the directory).
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { sendText } from './http-router.ts';

/** Content types by lower-case file extension. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.wav': 'audio/wav',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
};

/** Content type for `path` by extension; `application/octet-stream` when unknown. */
export function contentTypeFor(path: string): string {
  const ext = extname(path).toLowerCase();
  return Object.hasOwn(CONTENT_TYPES, ext) ? CONTENT_TYPES[ext]! : 'application/octet-stream';
}

/** Whether `path` is `root` or inside it (both already resolved). */
function inside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * Resolves a request path to a file path inside `root`, or `undefined` when
 * the path is malformed or tries to leave `root`.
 */
export function resolveStaticPath(root: string, requestPath: string): string | undefined {
  const pathname = requestPath.split(/[?#]/, 1)[0] ?? '';
  if (!pathname.startsWith('/')) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.')) return undefined;
  const base = resolve(root);
  const full = resolve(base, ...segments);
  if (full !== base && !full.startsWith(base + sep)) return undefined;
  return full;
}

/**
 * A request handler serving files under `root` for `GET` and `HEAD`.
 * Resolves to false when nothing was served (not found, or another method),
 * so the caller can answer 404; refuses escaping paths with 400.
 */
export function createStaticHandler(root: string): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  let realRoot: Promise<string> | undefined;
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    let file = resolveStaticPath(root, req.url ?? '/');
    if (file === undefined) {
      sendText(res, 400, 'bad path\n');
      return true;
    }
    let info = await stat(file).catch(() => undefined);
    if (info?.isDirectory()) {
      file = join(file, 'index.html');
      info = await stat(file).catch(() => undefined);
    }
    if (!info?.isFile()) return false;
    // Symbolic links: serve only what really lies under the root.
    realRoot ??= realpath(root);
    const [base, real] = await Promise.all([realRoot, realpath(file).catch(() => undefined)]);
    if (real === undefined || !inside(base, real)) return false;
    file = real;
    res.writeHead(200, {
      'content-type': contentTypeFor(file),
      'content-length': info.size,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return true;
    }
    await new Promise<void>((done) => {
      const stream = createReadStream(file);
      stream.on('error', () => {
        res.destroy();
        done();
      });
      stream.on('end', () => done());
      res.on('close', () => {
        stream.destroy();
        done();
      });
      stream.pipe(res);
    });
    return true;
  };
}
