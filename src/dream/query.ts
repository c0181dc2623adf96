/**
 * Query strings. A parameter given twice (`?limit=1&limit=2`) keeps its first value, as
 * DReAM's `XUri.GetParam` reads it, so every handler sees one string per name and never an array.
 */
import { parse } from 'node:querystring';

export function parseQuery(text: string): Record<string, string> {
  return Object.fromEntries(Object.entries(parse(text)).map(([name, value]) => [name, (Array.isArray(value) ? value[0] : value) ?? '']));
}
