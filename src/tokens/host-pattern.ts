/**
 * Host patterns of browser and OAuth tokens (docs/api.md#browser-tokens-and-cors), also used for
 * `GATEHOUSE_REDIRECT_HOSTS`: comma-separated, each a hostname where a leading `*` label matches one
 * or more labels (`*.example.com` matches `a.example.com` and `a.b.example.com`, not `example.com`).
 *
 * A pattern may also name a scheme, a port, or both (`https://app.example.com:8443`,
 * `app.example.com:8443`); then those must match too. With a scheme and no port it is that scheme's
 * default port, as in an origin. A pattern with neither matches the hostname on any scheme and port.
 */

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const PATTERN = /^(?:(https?):\/\/)?([^:/]+)(?::(\d{1,5}))?$/;
const DEFAULT_PORT: Record<string, number> = { http: 80, https: 443 };

interface HostPattern {
  readonly scheme: 'http' | 'https' | undefined;
  readonly host: string;
  readonly port: number | undefined;
}

function isValidHost(host: string): boolean {
  if (host.length > 253) return false;
  const labels = host.split('.');
  const wildcard = labels[0] === '*';
  const rest = wildcard ? labels.slice(1) : labels;
  // `*.com` would admit every site under a top-level domain: require at least two fixed labels.
  if (wildcard && rest.length < 2) return false;
  return rest.length > 0 && rest.every((l) => LABEL.test(l));
}

/** The parts of one (lower-cased) pattern, or undefined when it is not acceptable. */
function readPattern(pattern: string): HostPattern | undefined {
  const m = PATTERN.exec(pattern);
  if (!m || !isValidHost(m[2]!)) return undefined;
  const scheme = m[1] as HostPattern['scheme'];
  const port = m[3] === undefined ? undefined : Number(m[3]);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  // `https://a.example.com:443` is `https://a.example.com`: one spelling per origin.
  return { scheme, host: m[2]!, port: scheme && port === DEFAULT_PORT[scheme] ? undefined : port };
}

function spell(p: HostPattern): string {
  return `${p.scheme ? `${p.scheme}://` : ''}${p.host}${p.port === undefined ? '' : `:${p.port}`}`;
}

/** Whether one pattern is acceptable: `[scheme://]host[:port]`, the host a hostname or `*.` and two or more labels. */
export function isValidHostPattern(pattern: string): boolean {
  return readPattern(pattern.toLowerCase()) !== undefined;
}

/** Splits and normalises a `host` value. Returns the patterns, or the first invalid one. */
export function parseHostPatterns(value: string): { patterns: string[] } | { invalid: string } {
  const raw = value
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const patterns: string[] = [];
  for (const p of raw) {
    const parsed = readPattern(p.toLowerCase());
    if (!parsed) return { invalid: p };
    patterns.push(spell(parsed));
  }
  return { patterns: [...new Set(patterns)] };
}

/** The patterns of a stored `host` column (already normalised). */
export function storedPatterns(host: string | null): string[] {
  return (host ?? '').split(',').filter(Boolean);
}

function hostnameMatches(pattern: string, hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1 : host === pattern;
}

/** Whether an http(s) URL (or origin) matches one of the patterns: hostname, and scheme and port where a pattern names them. */
export function originMatches(patterns: readonly string[], url: URL): boolean {
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== 'http' && scheme !== 'https') return false;
  const port = url.port === '' ? DEFAULT_PORT[scheme]! : Number(url.port);
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  return patterns.some((raw) => {
    const p = readPattern(raw.toLowerCase());
    if (!p || !hostnameMatches(p.host, hostname)) return false;
    if (p.scheme !== undefined && p.scheme !== scheme) return false;
    const wanted = p.port ?? (p.scheme ? DEFAULT_PORT[p.scheme] : undefined);
    return wanted === undefined || wanted === port;
  });
}

/** An `Origin` header value as a URL, or undefined when it is not an http(s) origin (`null`, absent, garbage). */
export function parseOrigin(origin: string | undefined): URL | undefined {
  if (!origin) return undefined;
  try {
    const u = new URL(origin);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : undefined;
  } catch {
    return undefined;
  }
}
