/**
 * Request bodies: XML or JSON in the shape of the JSON output. Both become a `BodyDocument`
 * whose `value` is what `toJson` would have produced, so handlers read one shape whatever was sent.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { DekiError } from '../errors.js';

export interface BodyDocument {
  /** The XML root element's name; `undefined` for JSON, which has no root. */
  readonly root: string | undefined;
  readonly value: Record<string, unknown>;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: true,
  processEntities: true,
  // Character references (`&#233;`, `&#xE9;`) must decode, as in any XML parser: Python's ElementTree
  // writes non-ASCII that way. This option is what turns them on; it also decodes HTML's named
  // entities (`&nbsp;`), which a strict parser would refuse and which were otherwise kept as text.
  htmlEntities: true,
});

// A DTD can declare entities that expand without bound or read local files; refuse before parsing.
const DTD = /<!(DOCTYPE|ENTITY)/i;

/** Parses an XML request body; refuses DTDs and malformed XML with a 400 a person understands. */
export function parseXmlBody(text: string): BodyDocument {
  if (DTD.test(text)) throw new DekiError('BODY_DTD_FORBIDDEN');
  if (text.trim() === '') throw new DekiError('BODY_REQUIRED');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new DekiError('BAD_REQUEST_BODY', `XML: ${valid.err.msg} (line ${valid.err.line})`);
  let parsed: Record<string, unknown>;
  try {
    parsed = parser.parse(text) as Record<string, unknown>;
  } catch (err) {
    // The parser refuses what the validator lets through: nesting past 100 levels, element names
    // such as __proto__. Both are the client's document, not our fault.
    throw new DekiError('BAD_REQUEST_BODY', `XML: ${err instanceof Error ? err.message : 'parse error'}`);
  }
  const roots = Object.keys(parsed);
  // Two roots of the same name arrive as one key holding a list.
  if (roots.length !== 1 || Array.isArray(parsed[roots[0]!])) throw new DekiError('BAD_REQUEST_BODY', 'XML: a document has exactly one root element');
  const root = roots[0]!;
  const content = parsed[root];
  const value = typeof content === 'object' && content !== null && !Array.isArray(content) ? (content as Record<string, unknown>) : {};
  return { root, value };
}

/** Parses a JSON request body (an object in the shape of the JSON output). */
export function parseJsonBody(text: string): BodyDocument {
  if (text.trim() === '') throw new DekiError('BODY_REQUIRED');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // A RangeError here means nesting beyond the stack: still the client's malformed input.
    throw new DekiError('BAD_REQUEST_BODY', `JSON: ${err instanceof Error ? err.message : 'parse error'}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DekiError('BODY_NOT_DOCUMENT');
  return { root: undefined, value: value as Record<string, unknown> };
}

/**
 * What the content-type parsers hand to handlers: the text, unparsed. Handlers that want a document
 * call `requireDocument`, so parsing happens after the credential is checked and in one place.
 */
export interface RawBody {
  readonly format: 'xml' | 'json' | 'text';
  readonly text: string;
}

export function isRawBody(body: unknown): body is RawBody {
  return typeof body === 'object' && body !== null && 'format' in body && 'text' in body;
}

/** The body's text whatever its type (page contents), or '' when there is none. */
export function bodyText(body: unknown): string {
  return isRawBody(body) ? body.text : '';
}

/** The body as a document with the given root, or a 400 saying what was expected. */
export function requireDocument(body: unknown, root: string): Record<string, unknown> {
  if (!isRawBody(body) || body.text.trim() === '') throw new DekiError('BODY_REQUIRED');
  if (body.format === 'text') throw new DekiError('BODY_NOT_DOCUMENT');
  const doc = body.format === 'xml' ? parseXmlBody(body.text) : parseJsonBody(body.text);
  if (doc.root !== undefined && doc.root !== root) throw new DekiError('BODY_ROOT_WRONG', root);
  if (doc.root === undefined) {
    // `{"developer-token": {...}}` is accepted too: clients that keep the root name get what they mean.
    const keys = Object.keys(doc.value);
    const wrapped = doc.value[root];
    if (keys.length === 1 && typeof wrapped === 'object' && wrapped !== null && !Array.isArray(wrapped)) {
      return wrapped as Record<string, unknown>;
    }
  }
  return doc.value;
}

/**
 * A scalar field as a string: `undefined` when absent. Numbers and booleans from JSON become strings;
 * an element with attributes yields its `#text`. A list where one value is expected is a 400.
 */
export function readText(doc: Record<string, unknown>, key: string): string | undefined {
  const v = doc[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'object' && !Array.isArray(v)) {
    const t = (v as Record<string, unknown>)['#text'];
    return typeof t === 'string' || typeof t === 'number' || typeof t === 'boolean' ? String(t) : '';
  }
  throw new DekiError('BAD_REQUEST_BODY', `document: '${key}' must appear once`);
}

/** A nested object field (`permissions.user`), or `undefined`. */
export function readObject(doc: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const v = doc[key];
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  return undefined;
}
