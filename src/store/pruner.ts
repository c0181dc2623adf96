/**
 * Background pruning: each task deletes up to one batch of old rows and says how many it deleted;
 * the pruner repeats a task until a batch comes back short, yielding between batches so requests
 * are never queued behind a long delete. It runs a minute after start, then every hour.
 */
export interface PruneTask {
  /** What the figures returned by `sweep` call it. */
  name: string;
  /** Deletes at most `limit` rows; returns how many it deleted. */
  batch(limit: number): Promise<number>;
}

export interface PrunerOptions {
  batchSize: number;
  firstMs: number;
  intervalMs: number;
  onError: (err: unknown, task: string) => void;
}

/** Lets queued requests run between batches of background work. */
export const yieldToRequests = () => new Promise<void>((resolve) => setImmediate(resolve));

export class Pruner {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<Record<string, number>> | undefined;
  private stopped = false;

  constructor(
    private readonly tasks: readonly PruneTask[],
    private readonly opts: PrunerOptions,
  ) {}

  start(): void {
    const schedule = (ms: number) => {
      this.timer = setTimeout(() => {
        void this.sweep().finally(() => !this.stopped && schedule(this.opts.intervalMs));
      }, ms);
      this.timer.unref();
    };
    schedule(this.opts.firstMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.sweeping;
  }

  /** Runs every task to the end now; returns the rows each deleted. Concurrent calls share one sweep. */
  sweep(): Promise<Record<string, number>> {
    this.sweeping ??= this.run().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async run(): Promise<Record<string, number>> {
    const deleted: Record<string, number> = {};
    for (const task of this.tasks) {
      let total = 0;
      try {
        for (let n = this.opts.batchSize; n === this.opts.batchSize && !this.stopped;) {
          n = await task.batch(this.opts.batchSize);
          total += n;
          await yieldToRequests();
        }
      } catch (err) {
        // A failed batch is retried at the next sweep; the rows only wait a little longer.
        this.opts.onError(err, task.name);
      }
      deleted[task.name] = total;
    }
    return deleted;
  }
}
