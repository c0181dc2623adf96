/**
 * Serves the built dashboard (web/dist) under /dashboard/: hashed assets cached for a year, the
 * page itself revalidated on every load, any other /dashboard/ path answered with the page (the
 * dashboard routes in the browser), and a strict Content-Security-Policy on all of it.
 *
 * Files are read into memory once (the build is a few tens of KiB) with a gzip copy, so a request
 * never touches the disk and no path from a URL ever reaches the file system.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const DASHBOARD_PREFIX = '/dashboard';

/**
 * Only the page's own files: no inline script or style, no framing, no plugins, and API calls to
 * this origin alone. `style-src` has no 'unsafe-inline' because the dashboard sets no style attributes.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "manifest-src 'self'",
].join('; ');

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
} as const;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Vite names built assets `<name>-<hash>.<ext>` under assets/: their content never changes. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The page names the current assets, so it is checked on every load (cheap: ETag, 304). */
const REVALIDATE = 'no-cache';
const SHORT = 'public, max-age=3600';

interface Asset {
  body: Buffer;
  gzip: Buffer | undefined;
  type: string;
  etag: string;
  cacheControl: string;
}

export interface DashboardOptions {
  /** The built dashboard; default: web/dist of the package this file belongs to. */
  root?: string;
}

/** web/dist beside the package root, from src/web (tsx) or dist/src/web (built). */
export function defaultDashboardRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = here, i = 0; i < 4; i++, dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'web', 'dist');
  }
  return path.resolve(here, '..', '..', 'web', 'dist');
}

function readTree(root: string, dir = root, out = new Map<string, Asset>()): Map<string, Asset> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      readTree(root, full, out);
      continue;
    }
    const type = TYPES[path.extname(entry.name).toLowerCase()];
    if (!entry.isFile() || !type) continue;
    const rel = `/${path.relative(root, full).split(path.sep).join('/')}`;
    const body = fs.readFileSync(full);
    const compressible = /^(text\/|image\/svg|application\/json)/.test(type) && body.length > 512;
    out.set(rel, {
      body,
      gzip: compressible ? gzipSync(body, { level: 9 }) : undefined,
      type,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      cacheControl: rel === '/index.html' ? REVALIDATE : rel.startsWith('/assets/') ? IMMUTABLE : SHORT,
    });
  }
  return out;
}

/**
 * The build, read again whenever index.html changes (a rebuild, or the first build after start);
 * `undefined` until someone runs `npm run build:web`. One stat per request keeps that cheap.
 */
function loader(root: string): () => Map<string, Asset> | undefined {
  let assets: Map<string, Asset> | undefined;
  let builtAt = -1;
  return () => {
    const stat = fs.statSync(path.join(root, 'index.html'), { throwIfNoEntry: false });
    if (!stat) return assets;
    if (stat.mtimeMs !== builtAt) {
      assets = readTree(root);
      builtAt = stat.mtimeMs;
    }
    return assets;
  };
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset) {
  reply.headers(SECURITY_HEADERS).header('Cache-Control', asset.cacheControl).header('ETag', asset.etag).header('Vary', 'Accept-Encoding');
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  reply.type(asset.type);
  if (asset.gzip && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) {
    return reply.header('Content-Encoding', 'gzip').send(asset.gzip);
  }
  return reply.send(asset.body);
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Dashboard not built · Gatehouse</title></head>
<body><main><h1>The dashboard has not been built</h1>
<p>This Gatehouse has no built dashboard (web/dist is missing). Run <code>npm run build:web</code> (or <code>npm run build</code>) and reload.
The API under <code>/@api/deki/</code> works without it.</p></main></body></html>
`;

/** Registers GET /dashboard and everything under it. */
export function dashboardRoutes(opts: DashboardOptions = {}) {
  const load = loader(opts.root ?? defaultDashboardRoot());

  return async (app: FastifyInstance) => {
    app.get(DASHBOARD_PREFIX, async (_request, reply) => reply.redirect(`${DASHBOARD_PREFIX}/integrations/api-tokens`, 302));

    app.get<{ Params: { '*': string } }>(`${DASHBOARD_PREFIX}/*`, async (request, reply) => {
      const assets = load();
      if (!assets) {
        return reply.code(503).headers(SECURITY_HEADERS).header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(NOT_BUILT);
      }
      const rel = `/${request.params['*']}`;
      const asset = assets.get(rel);
      if (asset && rel !== '/index.html') return send(request, reply, asset);
      // A file that is not there is a 404, never the page: a stale script URL must not get HTML.
      if (rel.startsWith('/assets/') || /\.[a-z0-9]+$/i.test(rel)) return reply.callNotFound();
      return send(request, reply, assets.get('/index.html')!);
    });
  };
}
