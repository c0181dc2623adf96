/** HTTP Basic credentials (RFC 7617): `Authorization: Basic base64(user:password)`, split at the first colon. */

export interface BasicCredentials {
  readonly user: string;
  readonly password: string;
}

/** The two halves of a Basic header, or undefined when the header is absent or not Basic. */
export function readBasic(header: string | undefined): BasicCredentials | undefined {
  const m = /^basic +([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
