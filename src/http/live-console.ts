import { readFileSync } from 'node:fs';
import type Koa from 'koa';
import { RelayError } from '../errors/catalogue.js';
import type { RelayState } from './state.js';

/** The live console's page; its script and style live under CONSOLE_ASSETS_PATH. */
export const CONSOLE_PATH = '/';
export const CONSOLE_ASSETS_PATH = '/console';

/**
 * No inline script or style, nothing from another origin, no framing, no form submission (the sign-in form is
 * handled by the script; were it ever submitted, its secret must not land in a URL).
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const FILES: Readonly<Record<string, { readonly file: string; readonly type: string }>> = {
  [CONSOLE_PATH]: { file: 'index.html', type: 'text/html; charset=utf-8' },
  [`${CONSOLE_ASSETS_PATH}/console.js`]: { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  [`${CONSOLE_ASSETS_PATH}/console.css`]: { file: 'console.css', type: 'text/css; charset=utf-8' },
  [`${CONSOLE_ASSETS_PATH}/favicon.svg`]: { file: 'favicon.svg', type: 'image/svg+xml' },
};

/** The console's files, read once (next to this module: src/http/console/, or dist/src/http/console/). */
function loadFiles(): Map<string, { readonly body: Buffer; readonly type: string }> {
  const dir = new URL('./console/', import.meta.url);
  return new Map(
    Object.entries(FILES).map(([path, { file, type }]) => [
      path,
      { body: readFileSync(new URL(file, dir)), type },
    ]),
  );
}

/**
 * The live console at `/` (README, Console): public static files — a page, one script, one style sheet, an
 * icon — that hold no secret; every piece of data comes through the authenticated APIs. Served with a strict
 * Content-Security-Policy and no Referer (a `?token=` in the page's URL must not leak).
 */
export function liveConsole(): Koa.Middleware<RelayState> {
  const files = loadFiles();
  // not async: most requests only pass through (see createApp)
  return function serveConsole(ctx, next) {
    const asset = files.get(ctx.path);
    if (!asset) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.set('Allow', 'GET, HEAD');
      throw new RelayError('RELAY_ERR_METHOD_NOT_ALLOWED');
    }
    ctx.set('Content-Security-Policy', CONSOLE_CSP);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cache-Control', 'no-cache');
    ctx.type = asset.type;
    ctx.body = asset.body;
  };
}
