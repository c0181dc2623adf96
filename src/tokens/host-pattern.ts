/**
 * Host patterns of browser and OAuth tokens: comma-separated hostnames, where a leading
 * `*` label matches one or more labels (`*.example.com` matches `a.example.com` and
 * `a.b.example.com`, not `example.com`). Matching is by hostname; scheme and port are ignored.
 */

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Whether one pattern is acceptable: a hostname, or `*.` followed by a hostname of two or more labels. */
export function isValidHostPattern(pattern: string): boolean {
  if (pattern.length > 253) return false;
  const labels = pattern.split('.');
  const wildcard = labels[0] === '*';
  const rest = wildcard ? labels.slice(1) : labels;
  // `*.com` would admit every site under a top-level domain: require at least two fixed labels.
  if (wildcard && rest.length < 2) return false;
  return rest.length > 0 && rest.every((l) => LABEL.test(l));
}

/** Splits and normalises a `host` value. Returns the patterns, or the first invalid one. */
export function parseHostPatterns(value: string): { patterns: string[] } | { invalid: string } {
  const patterns = value.split(',').map((p) => p.trim().toLowerCase()).filter((p) => p !== '');
  const invalid = patterns.find((p) => !isValidHostPattern(p));
  return invalid !== undefined ? { invalid } : { patterns: [...new Set(patterns)] };
}

export function hostMatches(patterns: readonly string[], hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return patterns.some((p) => (p.startsWith('*.') ? host.endsWith(p.slice(1)) && host.length > p.length - 1 : host === p));
}

/** The hostname of an `Origin` header value, or undefined when it is not an http(s) origin. */
export function originHostname(origin: string | undefined): string | undefined {
  if (!origin) return undefined;
  try {
    const u = new URL(origin);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.hostname : undefined;
  } catch {
    return undefined;
  }
}
