/** Chooses XML or JSON for a response: `dream.out.format` first, then `Accept`. */

export type WireFormat = 'xml' | 'json';

function quality(accept: string, type: string): number {
  let best = -1;
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.trim().toLowerCase().split(';');
    const matches = range === type || range === `${type.split('/')[0]}/*` || range === '*/*';
    if (!matches) continue;
    // An exact range outranks a wildcard at the same q, as in RFC 9110 §12.5.1.
    const specificity = range === type ? 0.0001 : 0;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = q ? Number(q.slice(2)) : 1;
    if (Number.isFinite(value)) best = Math.max(best, value + specificity);
  }
  return best;
}

export function chooseFormat(query: Record<string, unknown>, accept: string | undefined): WireFormat {
  const explicit = query['dream.out.format'];
  if (typeof explicit === 'string') return explicit.toLowerCase() === 'json' ? 'json' : 'xml';
  if (!accept) return 'xml';
  const json = quality(accept, 'application/json');
  const xml = Math.max(quality(accept, 'application/xml'), quality(accept, 'text/xml'));
  return json > 0 && json > xml ? 'json' : 'xml';
}
