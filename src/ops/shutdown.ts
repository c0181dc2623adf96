/**
 * Graceful shutdown on SIGTERM and SIGINT: readiness answers 503 at once, so a load balancer stops
 * sending; after the drain time the listener closes (new connections are refused); requests in
 * flight finish; usage is flushed; the change feed and the store close; the process exits 0. Past
 * the timeout it exits 1, and a second signal exits at once.
 */
import os from 'node:os';
import type { BuiltApp } from '../server.js';

export interface ShutdownOptions {
  drainMs: number;
  timeoutMs: number;
  /** One line per step, for the operator. */
  say: (line: string) => void;
  exit: (code: number) => void;
}

/** Runs the shutdown sequence once; resolves when everything is closed. */
export async function shutDown(built: BuiltApp, opts: Pick<ShutdownOptions, 'drainMs' | 'say'>): Promise<void> {
  built.readiness.drain();
  if (opts.drainMs > 0) {
    opts.say(`shutting down: readiness answers 503; new connections are still served for ${opts.drainMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, opts.drainMs));
  }
  opts.say('shutting down: refusing new connections, finishing requests in flight, flushing usage');
  // Fastify closes the listener, waits for requests in flight, then runs the onClose hooks:
  // the usage flush, then the feed and the store (server.ts).
  await built.app.close();
}

/** Installs the signal handlers for `gatehouse serve`. */
export function handleSignals(built: BuiltApp, opts: ShutdownOptions): void {
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) {
        opts.say(`${signal} again: exiting now`);
        return opts.exit(128 + os.constants.signals[signal]);
      }
      stopping = true;
      opts.say(`${signal}: shutting down (at most ${opts.timeoutMs} ms)`);
      const timer = setTimeout(() => {
        opts.say(`shutdown took longer than GATEHOUSE_SHUTDOWN_TIMEOUT_MS (${opts.timeoutMs} ms): exiting`);
        opts.exit(1);
      }, opts.timeoutMs);
      shutDown(built, opts).then(
        () => {
          clearTimeout(timer);
          opts.say('shut down cleanly');
          opts.exit(0);
        },
        (err: unknown) => {
          clearTimeout(timer);
          opts.say(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
          opts.exit(1);
        },
      );
    });
  }
}
