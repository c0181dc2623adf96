/** Pages in the database. */
import type { Kysely } from 'kysely';
import type { Database, PageRow } from '../store/schema.js';

export function findPageById(db: Kysely<Database>, id: number): Promise<PageRow | undefined> {
  return db.selectFrom('pages').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findPageByPath(db: Kysely<Database>, path: string): Promise<PageRow | undefined> {
  return db.selectFrom('pages').selectAll().where('path', '=', path).executeTakeFirst();
}

export interface PageWrite {
  path: string;
  title: string;
  body: string;
  restriction: 'public' | 'private';
  userId: number;
  now: number;
}

/** Creates the page at `path`, or replaces its content when it exists. */
export async function savePage(db: Kysely<Database>, w: PageWrite): Promise<PageRow> {
  const existing = await findPageByPath(db, w.path);
  if (existing) {
    return db
      .updateTable('pages')
      .set({ title: w.title, body: w.body, restriction: w.restriction, modified_at: w.now, modified_by: w.userId })
      .where('id', '=', existing.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  return db
    .insertInto('pages')
    .values({
      path: w.path,
      title: w.title,
      body: w.body,
      restriction: w.restriction,
      created_at: w.now,
      created_by: w.userId,
      modified_at: w.now,
      modified_by: w.userId,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}
