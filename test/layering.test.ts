/**
 * The store knows nothing of the features above it: no file in `src/store/` imports audit, OAuth,
 * tokens, usage or the HTTP layer (features register their migrations in
 * `src/feature-migrations.ts` and build their audit rows themselves). And no module keeps its state
 * in a module-level WeakMap or Map registry that a caller cannot see.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const storeDir = path.join(root, 'src', 'store');

test('src/store imports no feature', () => {
  const offending: string[] = [];
  for (const name of fs.readdirSync(storeDir).filter((n) => n.endsWith('.ts'))) {
    const text = fs.readFileSync(path.join(storeDir, name), 'utf8');
    for (const m of text.matchAll(/from '\.\.\/(audit|oauth|tokens|usage|auth|dream|web|cli|pages|ops)\//g)) offending.push(`${name}: ${m[0]}`);
  }
  assert.deepEqual(offending, []);
});

test('the change log keeps no registry of database handles', () => {
  const text = fs.readFileSync(path.join(storeDir, 'changes.ts'), 'utf8');
  assert.doesNotMatch(text, /^const \w+ = new (Weak)?Map/m);
});
