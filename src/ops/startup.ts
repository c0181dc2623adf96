/**
 * Checks made before anything is written: the data directory can be used, and the database answers.
 * An unreachable database is waited for (it may be starting beside us), with backoff, saying so;
 * any other database failure (no such database, wrong password) stops at once, saying why.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Config } from '../config.js';
import { describeDatabaseError } from '../store/database-error.js';

/** Throws a one-line TypeError when the data directory cannot be created or written. */
export function checkDataDir(dir: string): void {
  let existing = dir;
  while (!fs.existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  const accepted = 'give a directory this user can write (it is created if missing)';
  if (!fs.statSync(existing).isDirectory()) {
    throw new TypeError(`GATEHOUSE_DATA_DIR '${dir}' cannot be used: ${existing} is not a directory; ${accepted}`);
  }
  try {
    fs.accessSync(existing, fs.constants.W_OK | fs.constants.X_OK);
  } catch (err) {
    throw new TypeError(`GATEHOUSE_DATA_DIR '${dir}' cannot be used: ${existing} is not writable (${(err as NodeJS.ErrnoException).code}); ${accepted}`);
  }
}

/** The data directory is needed for SQLite, and for the master-key file when GATEHOUSE_MASTER_KEY is unset. */
export function dataDirNeeded(config: Config): boolean {
  return config.databaseUrl === undefined || config.masterKeys.length === 0;
}

/** Errors that mean "not there yet": the server may be starting, restarting or behind a network blip. */
const TRANSIENT = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE', '57P03', '53300']);

function isTransient(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return TRANSIENT.has(String(e.code ?? '')) || /timeout|Connection terminated/i.test(e.message ?? '');
}

function where(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 5432}${u.pathname}`;
}

/**
 * Waits until PostgreSQL at `url` answers a query, retrying transient failures for up to `waitMs`.
 * `say` gets one line per retry; the thrown error's message is the line to print when it gives up.
 */
export async function waitForDatabase(url: string, waitMs: number, say: (line: string) => void): Promise<void> {
  const started = Date.now();
  let delay = 250;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000, query_timeout: 5000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (err) {
      const elapsed = Date.now() - started;
      if (!isTransient(err)) throw new Error(`database at ${where(url)} refused: ${describeDatabaseError(err)}; check GATEHOUSE_DATABASE_URL`);
      if (elapsed + delay > waitMs) {
        throw new Error(
          `database at ${where(url)} not reachable after ${(elapsed / 1000).toFixed(1)} s: ${describeDatabaseError(err)}; check that PostgreSQL runs there and GATEHOUSE_DATABASE_URL (GATEHOUSE_DATABASE_WAIT_MS sets how long to wait)`,
        );
      }
      say(
        `database at ${where(url)} not reachable (${describeDatabaseError(err)}); retrying in ${(delay / 1000).toFixed(1)} s, for up to ${((waitMs - elapsed) / 1000).toFixed(0)} s more`,
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 5000);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** Everything checked before a server or admin command opens the site. */
export async function checkBeforeOpening(config: Config, say: (line: string) => void): Promise<void> {
  if (dataDirNeeded(config)) checkDataDir(config.dataDir);
  if (config.databaseUrl) await waitForDatabase(config.databaseUrl, config.databaseWaitMs, say);
}
