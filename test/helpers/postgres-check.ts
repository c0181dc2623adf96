/**
 * Whether the PostgreSQL pass of the suite can run: exit 0 if so; exit 1 printing why not (a skip,
 * outside CI); exit 2 in CI, where a missing PostgreSQL is a failure.
 */
import { postgresSkipReason } from './postgres.js';

try {
  const reason = await postgresSkipReason();
  if (reason) {
    process.stdout.write(reason);
    process.exitCode = 1;
  }
} catch (err) {
  process.stdout.write(err instanceof Error ? err.message : String(err));
  process.exitCode = 2;
}
