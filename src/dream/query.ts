/**
 * Query strings. A parameter given twice (`?limit=1&limit=2`) keeps its first value, as
 * DReAM's `XUri.GetParam` reads it, so every handler sees one string per name and never an array.
 */
import { parse } from 'node:querystring';
import { DekiError } from '../errors.js';

export function parseQuery(text: string): Record<string, string> {
  return Object.fromEntries(Object.entries(parse(text)).map(([name, value]) => [name, (Array.isArray(value) ? value[0] : value) ?? '']));
}

/** A whole number from 0 to `max` in `q[name]`, `fallback` when absent; else 400 naming the parameter. */
export function queryInt(q: Readonly<Record<string, string | undefined>>, name: string, fallback: number, max: number): number {
  const raw = q[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,10}$/.test(raw) || Number(raw) > max) throw new DekiError('BAD_QUERY', name, `use a whole number from 0 to ${max}`);
  return Number(raw);
}
