/**
 * The master key (SPEC 6): from `GATEHOUSE_MASTER_KEY` (base64 of 32 bytes, newest first for
 * rotation), else `<data-dir>/master.key`, generated on first start with mode 0600.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface MasterKey {
  /** Short public id (hex of a hash), stored beside what the key protects so rotation can find it. */
  readonly id: string;
  readonly bytes: Buffer;
}

export interface MasterKeyRing {
  /** The key new secrets are written with. */
  readonly current: MasterKey;
  /** Every configured key, for reading what older keys wrote. */
  byId(id: string): MasterKey | undefined;
}

function toKey(base64: string, origin: string): MasterKey {
  const bytes = Buffer.from(base64.trim(), 'base64');
  if (bytes.length !== 32) throw new TypeError(`${origin} must be base64 of exactly 32 bytes`);
  return { id: createHash('sha256').update(bytes).digest('hex').slice(0, 8), bytes };
}

export function keyRing(keys: MasterKey[]): MasterKeyRing {
  const map = new Map(keys.map((k) => [k.id, k]));
  return { current: keys[0]!, byId: (id) => map.get(id) };
}

/** Loads the configured keys, or reads (creating it if needed) the key file in the data directory. */
export function loadMasterKeys(configured: string[], dataDir: string): MasterKeyRing {
  if (configured.length > 0) return keyRing(configured.map((k) => toKey(k, 'GATEHOUSE_MASTER_KEY')));
  const file = path.join(dataDir, 'master.key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    // 'wx' fails if another process created it first; then we read theirs below.
    try {
      fs.writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  fs.chmodSync(file, 0o600);
  return keyRing([toKey(fs.readFileSync(file, 'utf8'), file)]);
}
