/**
 * Starts a real, listening Gatehouse for a test: its own temporary data directory, a known admin
 * password, and (optionally) a clock the test controls. When the run keeps logs
 * (`GATEHOUSE_TEST_LOG_DIR`, see log-capture.ts), the server logs at trace level to a file there.
 */
import type net from 'node:net';
import pino from 'pino';
import { type Config, loadConfig } from '../../src/config.js';
import { type BuiltApp, buildApp } from '../../src/server.js';
import { tempDir } from '../../scripts/lib/system.js';
import { nextLogFile } from './log-capture.js';
import { ON_POSTGRES, type TestDatabase, createTestDatabase } from './postgres.js';

export const ADMIN_PASSWORD = 'correct horse battery staple';

export interface TestServer {
  readonly url: string;
  readonly dataDir: string;
  /** Set when the server runs on PostgreSQL. */
  readonly databaseUrl: string | undefined;
  readonly built: BuiltApp;
  readonly config: Config;
  /** The file this server logs to, when its log is kept; else it logs nothing. */
  readonly logFile: string | undefined;
  /** The clock the server reads, in ms; tests may move it. */
  clock: { now: number | undefined };
  close(): Promise<void>;
}

export { freePort, tempDir } from '../../scripts/lib/system.js';

const databases = new Map<string, Promise<TestDatabase>>();

function databaseFor(dataDir: string): Promise<TestDatabase> {
  let db = databases.get(dataDir);
  if (!db) {
    if (databases.size === 0) {
      process.once('beforeExit', () => {
        void Promise.all([...databases.values()].map(async (d) => (await d).drop().catch(() => undefined)));
      });
    }
    databases.set(dataDir, (db = createTestDatabase()));
  }
  return db;
}

export interface StartOptions {
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  config?: Partial<Config>;
  databaseUrl?: string;
  /** Log to this file (at trace level unless `env` sets GATEHOUSE_LOG_LEVEL); default: a file in GATEHOUSE_TEST_LOG_DIR when set, else no log. */
  logFile?: string;
}

export async function startServer(opts: StartOptions = {}): Promise<TestServer> {
  // Port 0: the server binds a free port itself (no window where another process can take it), and
  // its site URL follows the bound port unless the test names one.
  const port = opts.config?.port ?? 0;
  const dataDir = opts.dataDir ?? tempDir();
  const clock: { now: number | undefined } = { now: undefined };
  const logFile = opts.logFile ?? nextLogFile('server');
  // Failure limits are off unless a test sets them: tests of other things send many bad credentials.
  const config = loadConfig(
    {
      GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      GATEHOUSE_AUTH_FAILURE_LIMIT: '100000',
      GATEHOUSE_SIGNIN_FAILURE_LIMIT: '100000',
      GATEHOUSE_LOG_LEVEL: logFile ? 'trace' : 'silent',
      ...opts.env,
    },
    { host: '127.0.0.1', port, dataDir, now: () => clock.now ?? Date.now(), ...opts.config },
  );
  // On the PostgreSQL run of the suite, each data directory gets a database of its own, so a
  // restart on the same directory (persistence tests) finds the same data.
  const database = opts.databaseUrl === undefined && ON_POSTGRES ? await databaseFor(dataDir) : undefined;
  // Synchronous writes: every line is on disk before the test that caused it ends.
  const logStream = logFile ? pino.destination({ dest: logFile, sync: true, mkdir: true }) : undefined;
  const built = await buildApp(config, { databaseUrl: opts.databaseUrl ?? database?.url, logStream });
  await built.listen();
  const bound = (built.app.server.address() as net.AddressInfo).port;
  return {
    url: `http://localhost:${bound}`,
    dataDir,
    databaseUrl: opts.databaseUrl ?? database?.url,
    built,
    config,
    logFile,
    clock,
    close: () => built.app.close(),
  };
}
