/**
 * Indexes for listing at scale, as migration `0120_listing` in `store/migrations.ts`: every filter
 * and sort of `GET site/developer-tokens`, the filters of `GET site/audit`, the user search, and the
 * columns the background pruning deletes by. Text filters need a substring index: SQLite gets FTS5
 * trigram tables kept current by triggers; PostgreSQL gets pg_trgm GIN indexes when the extension
 * can be created (without it the same queries scan, correctly but slowly).
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './database.js';

const exec = (db: Kysely<unknown>, statement: ReturnType<typeof sql.raw>) => statement.execute(db);

/** An FTS5 trigram table over `columns` of `table`, filled now and kept current by triggers. */
async function sqliteSearchTable(db: Kysely<unknown>, table: string, columns: string[]): Promise<void> {
  const search = `${table}_search`;
  const cols = columns.join(', ');
  const values = (prefix: string) => columns.map((c) => `${prefix}.${c}`).join(', ');
  await exec(db, sql.raw(`create virtual table ${search} using fts5(${cols}, content='${table}', content_rowid='id', tokenize='trigram')`));
  await exec(db, sql.raw(`insert into ${search}(${search}) values ('rebuild')`));
  await exec(
    db,
    sql.raw(`create trigger ${search}_insert after insert on ${table} begin insert into ${search}(rowid, ${cols}) values (new.id, ${values('new')}); end`),
  );
  await exec(
    db,
    sql.raw(
      `create trigger ${search}_delete after delete on ${table} begin insert into ${search}(${search}, rowid, ${cols}) values ('delete', old.id, ${values('old')}); end`,
    ),
  );
  await exec(
    db,
    sql.raw(
      `create trigger ${search}_update after update of ${cols} on ${table} begin ` +
        `insert into ${search}(${search}, rowid, ${cols}) values ('delete', old.id, ${values('old')}); ` +
        `insert into ${search}(rowid, ${cols}) values (new.id, ${values('new')}); end`,
    ),
  );
}

/** pg_trgm GIN indexes, if the extension exists or may be created here; a plain site without it still works. */
async function postgresTrigramIndexes(db: Kysely<unknown>): Promise<void> {
  await exec(
    db,
    sql.raw(
      `do $$ begin create extension if not exists pg_trgm; exception when others then raise notice 'pg_trgm unavailable: text filters will scan'; end $$`,
    ),
  );
  await exec(
    db,
    sql.raw(`do $$ begin
      if exists (select 1 from pg_extension where extname = 'pg_trgm') then
        create index developer_tokens_name_trgm on developer_tokens using gin (lower(name) gin_trgm_ops);
        create index developer_tokens_host_trgm on developer_tokens using gin (lower(host) gin_trgm_ops);
        create index users_username_trgm on users using gin (username_key gin_trgm_ops);
        create index users_fullname_trgm on users using gin (lower(fullname) gin_trgm_ops);
      end if;
    end $$`),
  );
}

export function listingMigration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // Last use, copied here by the usage recorder, so the list can sort and filter by it with an index.
      await db.schema.alterTable('developer_tokens').addColumn('last_used_at', 'bigint').execute();
      await exec(db, sql.raw(`update developer_tokens set last_used_at = (select u.last_used_at from token_usage u where u.token_id = developer_tokens.id)`));
      const indexes = [
        'create index developer_tokens_name_sort on developer_tokens (lower(name), id)',
        'create index developer_tokens_created_sort on developer_tokens (created_at, id)',
        'create index developer_tokens_type_sort on developer_tokens (type, id)',
        // Never-used tokens sort first ascending and last descending, on both databases.
        dialect === 'postgres'
          ? 'create index developer_tokens_lastused_sort on developer_tokens (last_used_at asc nulls first, id)'
          : 'create index developer_tokens_lastused_sort on developer_tokens (last_used_at, id)',
        'create index developer_tokens_unused on developer_tokens ((coalesce(last_used_at, created_at)))',
        'create index developer_tokens_expires on developer_tokens (expires_at)',
        'create index developer_tokens_rolled_from on developer_tokens (rolled_from)',
        'create index developer_tokens_created_by on developer_tokens (created_by)',
        'create index audit_log_actor_id on audit_log (actor_id, id)',
        'create index audit_log_actor_name on audit_log (actor_name, id)',
        'create index audit_log_target on audit_log (target_type, target_id, id)',
        'create index audit_log_action on audit_log (action, id)',
        'create index token_usage_hourly_hour on token_usage_hourly (hour)',
        'create index token_usage_ips_last_seen on token_usage_ips (last_seen)',
      ];
      for (const statement of indexes) await exec(db, sql.raw(statement));
      if (dialect === 'sqlite') {
        await sqliteSearchTable(db, 'developer_tokens', ['name', 'host']);
        await sqliteSearchTable(db, 'users', ['username', 'fullname']);
      } else {
        await postgresTrigramIndexes(db);
      }
    },
  };
}
