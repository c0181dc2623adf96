/**
 * An insert that Kysely builds and compiles once per dialect, then runs with each row's values:
 * for the inserts on the write path of every token creation (the token, its audit entry), where
 * building and compiling the same query again, and the garbage it leaves, cost more than SQLite's
 * own work. The columns are fixed when it is made; a column a row leaves out is sent as null.
 */
import { type CompiledQuery, type Insertable, type Kysely, type Selectable, type Transaction } from 'kysely';
import { type Dialect, dialectOf } from './dialect.js';
import type { Database } from './schema.js';

type Table = keyof Database;

export interface PreparedInsert<T extends Table> {
  /** Inserts `row` and returns the stored row (every column, as `returningAll()` would). */
  (db: Kysely<Database> | Transaction<Database>, row: Insertable<Database[T]>): Promise<Selectable<Database[T]>>;
}

export function preparedInsert<T extends Table>(table: T, columns: readonly (keyof Insertable<Database[T]> & string)[]): PreparedInsert<T> {
  const compiled = new Map<Dialect, CompiledQuery>();
  const compile = (db: Kysely<Database>) => {
    const blank = Object.fromEntries(columns.map((c) => [c, null]));
    // Every value is a parameter, in the order of `columns`: checked once, so a change in how Kysely compiles fails loudly.
    const query = db
      .insertInto(table)
      .values(blank as never)
      .returningAll()
      .compile();
    if (query.parameters.length !== columns.length) throw new Error(`prepared insert into ${table}: expected ${columns.length} parameters`);
    return query;
  };
  return async (db, row) => {
    const dialect = dialectOf(db);
    let query = compiled.get(dialect);
    if (!query) compiled.set(dialect, (query = compile(db)));
    const values = row as Record<string, unknown>;
    const result = await db.executeQuery<Selectable<Database[T]>>({ ...query, parameters: columns.map((c) => values[c] ?? null) });
    return result.rows[0]!;
  };
}
