/**
 * The error registry (fastify's test/internals/errors.test.js): every code in
 * `src/errors.ts` is thrown somewhere in `src/`, no two codes share a message, every status has a
 * title, and `docs/errors.md` lists each code with its exact status and message, and nothing else.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DekiError, type ErrorCode, errors, statusTitle } from '../src/errors.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const codes = Object.keys(errors) as ErrorCode[];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

/** Rows of the markdown tables in docs/errors.md whose first cell is a code: code → [status, message]. */
function documentedRows(): Map<string, { status: string; message: string; count: number }> {
  const rows = new Map<string, { status: string; message: string; count: number }>();
  const text = fs.readFileSync(path.join(root, 'docs/errors.md'), 'utf8');
  for (const line of text.split('\n')) {
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    const code = /^`([A-Z][A-Z0-9_]*)`$/.exec(cells[0] ?? '')?.[1];
    if (!code) continue;
    const message = /^`(.*)`$/.exec(cells[2] ?? '')?.[1] ?? `(not in backticks: ${cells[2]})`;
    const seen = rows.get(code);
    rows.set(code, { status: cells[1] ?? '', message, count: (seen?.count ?? 0) + 1 });
  }
  return rows;
}

test('the registry is not empty and every entry is an error status with a message', () => {
  assert.ok(codes.length > 40);
  for (const code of codes) {
    const [status, message] = errors[code];
    assert.ok(status >= 400 && status <= 599, `${code}: ${status}`);
    assert.ok(message.trim() === message && message.length > 0, `${code}: message`);
    assert.notEqual(statusTitle(status), 'Error', `${code}: status ${status} has a title in errors.ts`);
  }
});

test('every code is thrown somewhere in src/', () => {
  const files = sourceFiles(path.join(root, 'src')).filter((f) => path.relative(root, f) !== path.join('src', 'errors.ts'));
  const source = files.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
  const unused = codes.filter((code) => !new RegExp(`['"\`]${code}['"\`]`).test(source));
  assert.deepEqual(unused, [], 'codes nobody throws: use them or remove them from src/errors.ts');
});

test('every code has its own message', () => {
  const byMessage = new Map<string, ErrorCode[]>();
  for (const code of codes) byMessage.set(errors[code][1], [...(byMessage.get(errors[code][1]) ?? []), code]);
  const shared = [...byMessage.values()].filter((c) => c.length > 1);
  assert.deepEqual(shared, []);
});

test('docs/errors.md lists every code once, with its status and exact message', () => {
  const rows = documentedRows();
  const missing = codes.filter((code) => !rows.has(code));
  assert.deepEqual(missing, [], 'codes missing from docs/errors.md');
  for (const code of codes) {
    const row = rows.get(code)!;
    assert.equal(row.count, 1, `${code} is listed once`);
    assert.equal(row.status, String(errors[code][0]), `${code}: status`);
    assert.equal(row.message, errors[code][1], `${code}: message`);
  }
});

test('docs/errors.md lists no code that the registry does not have', () => {
  const stale = [...documentedRows().keys()].filter((code) => !(code in errors));
  assert.deepEqual(stale, []);
});

test('a DekiError carries its code, status and message, with %s filled in order', () => {
  const err = new DekiError('USER_FIELD_INVALID', 'email', 'use an address such as ada@example.com');
  assert.equal(err.code, 'USER_FIELD_INVALID');
  assert.equal(err.status, 400);
  assert.equal(err.message, "user field 'email' is not valid: use an address such as ada@example.com");
  assert.equal(new DekiError('JWT_INVALID').message, 'invalid json web token');
});
