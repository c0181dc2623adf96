/** A database failure in one line, in the driver's own words (PostgreSQL's never include a password). */
export function describeDatabaseError(err: unknown): string {
  const e = err as { code?: string; message?: string; errors?: { message?: string }[] };
  // A refused connection to "localhost" is an AggregateError with an empty message and one error per address.
  const message = e.message || e.errors?.map((x) => x.message).find(Boolean) || 'failed';
  return e.code ? `${message} (${e.code})` : message;
}
