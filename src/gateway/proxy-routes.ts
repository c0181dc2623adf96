/**
 * Routes of the built-in proxy, `PREFIX=UPSTREAM_URL[;require=LEVEL]`: a request under PREFIX is
 * checked as `/@gatehouse/verify?require=LEVEL` would check it, then sent to UPSTREAM_URL with
 * PREFIX replaced by the upstream URL's own path (`/reports/q?x=1` → `http://127.0.0.1:9000/q?x=1`).
 * A bad route is a TypeError at startup naming the setting, what is wrong and what is accepted.
 */
import { DEFAULT_LEVEL, LEVELS, type Level, isLevel } from './requirement.js';

export interface ProxyRoute {
  /** `/reports`: no trailing slash, matched on whole path segments. */
  readonly prefix: string;
  /** The upstream's origin, `http://127.0.0.1:9000`. */
  readonly origin: string;
  /** The upstream URL's path, without a trailing slash (`''` for the root). */
  readonly basePath: string;
  readonly require: Level;
}

export const ROUTE_FORM = `PREFIX=UPSTREAM_URL[;require=${LEVELS.join('|')}], such as /reports=http://127.0.0.1:9000;require=seated`;
const SEGMENT = /^[A-Za-z0-9._~-]+$/;
/** Gatehouse's own paths; a proxy prefix may not shadow them. */
const RESERVED = ['/dashboard'];

function parsePrefix(raw: string, fail: (what: string) => never): string {
  const trimmed = raw.trim();
  if (!trimmed.startsWith('/')) fail(`the prefix '${raw}' must start with /`);
  const prefix = trimmed.replace(/\/+$/, '');
  const segments = prefix.slice(1).split('/');
  if (prefix === '' || segments.some((s) => !SEGMENT.test(s) || s === '.' || s === '..')) {
    fail(`the prefix '${raw}' must be one or more path segments of letters, digits, '.', '_', '~' or '-' (not / alone, not /@…)`);
  }
  if (RESERVED.some((r) => prefix === r || prefix.startsWith(`${r}/`))) fail(`the prefix '${raw}' is Gatehouse's own (${RESERVED.join(', ')})`);
  return prefix;
}

function parseUpstream(raw: string, fail: (what: string) => never): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return fail(`the upstream '${raw}' must be an http:// or https:// URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`the upstream '${raw}' must be an http:// or https:// URL`);
  if (url.username || url.password || url.search || url.hash) fail(`the upstream '${raw}' must not have credentials, a query or a fragment`);
  return url;
}

function parseOptions(options: string[], fail: (what: string) => never): Level {
  let level: Level = DEFAULT_LEVEL;
  for (const option of options) {
    const [name, value = ''] = option.split('=', 2).map((s) => s.trim());
    if (name !== 'require') fail(`'${option}' is not an option: the only one is require=LEVEL`);
    if (!isLevel(value)) fail(`require must be one of ${LEVELS.join(', ')}, got '${value}'`);
    level = value;
  }
  return level;
}

/** An upstream's user-info may be a password: an error line shows the rest of the route only. */
function withoutUserInfo(text: string): string {
  return text.replace(/\/\/[^/@\s;]*@/g, '//[redacted]@');
}

/** One route from its text; `setting` names where it came from (`GATEHOUSE_PROXY`, `--proxy`). */
export function parseProxyRoute(setting: string, text: string): ProxyRoute {
  const fail = (what: string): never => {
    throw new TypeError(withoutUserInfo(`${setting}: route '${text}': ${what}; use ${ROUTE_FORM}`));
  };
  const eq = text.indexOf('=');
  if (eq < 0) fail("there is no '=' between the prefix and the upstream URL");
  const [upstream = '', ...options] = text.slice(eq + 1).split(';');
  const url = parseUpstream(upstream, fail);
  return { prefix: parsePrefix(text.slice(0, eq), fail), origin: url.origin, basePath: url.pathname.replace(/\/+$/, ''), require: parseOptions(options, fail) };
}

/** Several routes: `GATEHOUSE_PROXY` separates them with commas; each `--proxy` flag is one. */
export function parseProxyRoutes(setting: string, texts: string[]): ProxyRoute[] {
  const routes = texts
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t) => parseProxyRoute(setting, t));
  const seen = new Set<string>();
  for (const r of routes) {
    if (seen.has(r.prefix)) throw new TypeError(`${setting}: the prefix '${r.prefix}' is given twice; give each prefix one upstream`);
    seen.add(r.prefix);
  }
  return routes;
}
