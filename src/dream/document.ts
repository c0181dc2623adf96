/**
 * DReAM documents: one tree, two wire forms. Handlers build an `Element`; `toXml` and
 * `toJson` render it, so the JSON is always derived from the XML exactly as Expert derives it.
 */

export interface Element {
  readonly name: string;
  readonly attrs?: Readonly<Record<string, string | undefined>>;
  readonly text?: string;
  readonly children?: readonly Element[];
}

/** An element with attributes and child elements; `undefined` children are dropped. */
export function el(name: string, attrs: Record<string, string | undefined> = {}, children: readonly (Element | undefined)[] = []): Element {
  return { name, attrs, children: children.filter((c): c is Element => c !== undefined) };
}

/** A text-only element, or `undefined` when the value is absent (so optional fields vanish). */
export function textEl(name: string, value: string | number | boolean | null | undefined): Element | undefined {
  if (value === null || value === undefined) return undefined;
  return { name, text: String(value) };
}

/** A text element that also carries attributes (`<license.seat owner="false">true</license.seat>`). */
export function textElWithAttrs(name: string, attrs: Record<string, string | undefined>, value: string): Element {
  return { name, attrs, text: value };
}

const xmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Escapes text or (with `attribute`) an attribute value, which also needs `"` escaped. */
function escapeXml(s: string, attribute = false): string {
  // Characters XML 1.0 cannot carry at all are dropped rather than producing an unparseable document.
  const clean = s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '');
  return clean.replace(attribute ? /[&<>"]/g : /[&<>]/g, (c) => xmlEscapes[c]!);
}

function definedAttrs(e: Element): [string, string][] {
  return Object.entries(e.attrs ?? {}).filter((a): a is [string, string] => a[1] !== undefined);
}

/** Renders the element as an XML string (no declaration, like DReAM's compact output). */
export function toXml(e: Element): string {
  const attrs = definedAttrs(e)
    .map(([k, v]) => ` ${k}="${escapeXml(v, true)}"`)
    .join('');
  const inner = (e.text !== undefined ? escapeXml(e.text) : '') + (e.children ?? []).map(toXml).join('');
  return inner === '' ? `<${e.name}${attrs}/>` : `<${e.name}${attrs}>${inner}</${e.name}>`;
}

export type JsonValue = string | JsonObject | JsonValue[];
export interface JsonObject {
  [key: string]: JsonValue;
}

function jsonContent(e: Element): JsonValue {
  const attrs = definedAttrs(e);
  const children = e.children ?? [];
  if (attrs.length === 0 && children.length === 0) return e.text ?? '';
  const out: JsonObject = {};
  for (const [k, v] of attrs) out[`@${k}`] = v;
  if (e.text !== undefined && e.text !== '') out['#text'] = e.text;
  // Expert emits element keys in alphabetical order; a single child stays an object, repeats become an array.
  const names = [...new Set(children.map((c) => c.name))].sort();
  for (const name of names) {
    const same = children.filter((c) => c.name === name).map(jsonContent);
    out[name] = same.length === 1 ? same[0]! : same;
  }
  return out;
}

/** Renders the element as Expert's JSON: root name dropped, attributes as `@name`, scalars as strings. */
export function toJson(e: Element): string {
  return JSON.stringify(jsonContent(e));
}
