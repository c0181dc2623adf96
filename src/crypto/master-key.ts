/**
 * The master keys: from `GATEHOUSE_MASTER_KEY` (base64 of 32 bytes each, comma-separated,
 * newest first), else `<data-dir>/master.key` (one base64 key per line, newest first), created on
 * first start with mode 0600. The newest key encrypts; every key listed can still decrypt what it
 * wrote and derive the JWT keys of tokens issued under it, so rotation never breaks a JWT.
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
  /** All keys, newest first. */
  all(): readonly MasterKey[];
}

export function toKey(base64: string, origin: string): MasterKey {
  const bytes = Buffer.from(base64.trim(), 'base64');
  if (bytes.length !== 32) throw new TypeError(`${origin} must hold base64 of exactly 32 bytes per key`);
  return { id: createHash('sha256').update(bytes).digest('hex').slice(0, 8), bytes };
}

export function keyRing(keys: MasterKey[]): MasterKeyRing {
  const map = new Map(keys.map((k) => [k.id, k]));
  return { current: keys[0]!, byId: (id) => map.get(id), all: () => keys };
}

export function newKeyBase64(): string {
  return randomBytes(32).toString('base64');
}

export function keyFile(dataDir: string): string {
  return path.join(dataDir, 'master.key');
}

function readKeyFile(file: string): MasterKey[] {
  const lines = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length === 0) throw new TypeError(`${file} holds no key`);
  return lines.map((l) => toKey(l, file));
}

/** Writes the key file atomically (temporary file, then rename), mode 0600. */
export function writeKeyFile(file: string, keys: string[]): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, keys.join('\n') + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/**
 * A ring over the key file that follows it: when `gatehouse keys rotate` adds a key while the server
 * runs, an unknown key id makes the ring re-read the file, and the newest key is picked up within
 * a few seconds for new secrets.
 */
function fileRing(file: string, now: () => number): MasterKeyRing {
  let ring = keyRing(readKeyFile(file));
  let checkedAt = now();
  let mtime = fs.statSync(file).mtimeMs;
  const refresh = (force: boolean) => {
    const at = now();
    if (!force && at - checkedAt < 5000) return;
    checkedAt = at;
    try {
      const m = fs.statSync(file).mtimeMs;
      if (force || m !== mtime) {
        ring = keyRing(readKeyFile(file));
        mtime = m;
      }
    } catch {
      // A file being replaced or unreadable for a moment: keep the keys we have.
    }
  };
  return {
    get current() {
      refresh(false);
      return ring.current;
    },
    byId(id) {
      const key = ring.byId(id);
      if (key) return key;
      refresh(true);
      return ring.byId(id);
    },
    all: () => ring.all(),
  };
}

/** Loads the configured keys, or reads (creating it if needed) the key file in the data directory. */
export function loadMasterKeys(configured: string[], dataDir: string, now: () => number = Date.now): MasterKeyRing {
  if (configured.length > 0) return keyRing(configured.map((k) => toKey(k, 'GATEHOUSE_MASTER_KEY')));
  const file = keyFile(dataDir);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    // 'wx' fails if another process created it first; then we read theirs below.
    try {
      fs.writeFileSync(file, newKeyBase64() + '\n', { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  fs.chmodSync(file, 0o600);
  return fileRing(file, now);
}
