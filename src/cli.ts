/**
 * The `gatehouse` command (SPEC 6): `serve`, `token create|list|show|revoke`,
 * `user create|list|update`, `sign`. Admin commands work on the data directory (or
 * GATEHOUSE_DATABASE_URL) directly, so they need no running server and no credential.
 */
import { Command, Option } from 'commander';
import { signServerToken, type SignatureFormat } from '../client/sign.js';
import { type Config, loadConfig } from './config.js';
import { DekiError } from './errors.js';
import { openSite, type OpenedSite } from './open.js';
import { buildApp } from './server.js';
import { assertTokenAllowed, createToken } from './tokens/create.js';
import { readCreateInput } from './tokens/input.js';
import { deleteToken, findTokenListing, listTokens, type TokenListing } from './tokens/store.js';
import { hashPassword } from './crypto/password.js';
import { readUserPatch, validPassword } from './users/input.js';
import { ADMIN_ID, findUserById, findUserByName, insertUser, listUsers, updateUser } from './users/store.js';
import { endUserSessions } from './auth/session.js';
import type { UserRow } from './store/schema.js';

interface SiteFlags {
  dataDir?: string;
  databaseUrl?: string;
}

function siteConfig(flags: SiteFlags, overrides: Partial<Config> = {}): Config {
  return loadConfig(process.env, { ...(flags.dataDir ? { dataDir: flags.dataDir } : {}), logLevel: 'silent', ...overrides });
}

/** Runs an admin command against the site's store, then closes it. */
async function withSite<T>(flags: SiteFlags, fn: (site: OpenedSite) => Promise<T>): Promise<T> {
  const site = await openSite(siteConfig(flags), { databaseUrl: flags.databaseUrl ?? process.env.GATEHOUSE_DATABASE_URL, role: 'tool' });
  try {
    return await fn(site);
  } finally {
    await site.store.close();
  }
}

function siteOptions(cmd: Command): Command {
  return cmd
    .option('--data-dir <dir>', 'data directory (GATEHOUSE_DATA_DIR, default ./data)')
    .option('--database-url <url>', 'PostgreSQL URL (GATEHOUSE_DATABASE_URL)');
}

function print(json: boolean, value: unknown, text: () => string): void {
  process.stdout.write(json ? JSON.stringify(value, null, 2) + '\n' : text() + '\n');
}

function tokenSummary(t: TokenListing) {
  return {
    id: t.id,
    type: t.type,
    name: t.name,
    key: t.key,
    host: t.host,
    restrictedByUserId: t.restricted_user_id,
    restrictedByUsername: t.restricted_username,
    jwtIssued: t.jwt_user_id !== null,
    jwtUserId: t.jwt_user_id,
    created: new Date(t.created_at).toISOString(),
    createdBy: t.created_by_username,
  };
}

function userSummary(u: UserRow) {
  return { id: u.id, username: u.username, email: u.email, fullname: u.fullname, status: u.status, seat: u.seat === 1, role: u.role };
}

async function userByRef(site: OpenedSite, ref: string): Promise<UserRow> {
  const user = /^\d+$/.test(ref) ? await findUserById(site.ctx.db, Number(ref)) : await findUserByName(site.ctx.db, ref.replace(/^=/, ''));
  if (!user) throw new DekiError('USER_NOT_FOUND');
  return user;
}

function userDocFromFlags(o: { username?: string; email?: string; fullname?: string; status?: string; seat?: string; role?: string }) {
  const doc: Record<string, unknown> = {};
  if (o.username !== undefined) doc.username = o.username;
  if (o.email !== undefined) doc.email = o.email;
  if (o.fullname !== undefined) doc.fullname = o.fullname;
  if (o.status !== undefined) doc.status = o.status;
  if (o.seat !== undefined) doc['license.seat'] = o.seat;
  if (o.role !== undefined) doc['permissions.user'] = { role: o.role };
  return doc;
}

const program = new Command('gatehouse').description('Self-hosted API token server, wire-compatible with CXone Expert').showHelpAfterError();

program
  .command('serve')
  .description('start the server (SQLite in the data directory unless GATEHOUSE_DATABASE_URL is set)')
  .option('--host <host>', 'listen address (HOST, default 127.0.0.1)')
  .option('--port <port>', 'listen port (PORT, default 8080)')
  .option('--site-url <url>', 'public URL of the site (GATEHOUSE_SITE_URL)')
  .option('--data-dir <dir>', 'data directory (GATEHOUSE_DATA_DIR, default ./data)')
  .option('--database-url <url>', 'PostgreSQL URL (GATEHOUSE_DATABASE_URL)')
  .action(async (o: { host?: string; port?: string; siteUrl?: string; dataDir?: string; databaseUrl?: string }) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...(o.host ? { HOST: o.host } : {}), ...(o.port ? { PORT: o.port } : {}), ...(o.siteUrl ? { GATEHOUSE_SITE_URL: o.siteUrl } : {}) };
    if (o.dataDir) env.GATEHOUSE_DATA_DIR = o.dataDir;
    const config = loadConfig(env);
    const { app, generatedAdminPassword } = await buildApp(config, { databaseUrl: o.databaseUrl ?? process.env.GATEHOUSE_DATABASE_URL });
    const address = await app.listen({ host: config.host, port: config.port });
    process.stdout.write(`Gatehouse listening on ${address} (site URL ${config.siteUrl}, data in ${config.dataDir})\n`);
    if (generatedAdminPassword) {
      process.stdout.write(`Bootstrap admin created: username 'admin', password '${generatedAdminPassword}' (shown once; set GATEHOUSE_ADMIN_PASSWORD to choose it)\n`);
    }
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => void app.close().then(() => process.exit(0)));
    }
  });

const token = program.command('token').description('manage developer tokens');

siteOptions(token.command('create'))
  .description('create a token; prints its key, and its secret and JWT this one time')
  .addOption(new Option('--type <type>', 'token type').choices(['server', 'browser', 'oauth']).default('server'))
  .requiredOption('--name <name>', 'a name that says which integration uses it')
  .option('--host <patterns>', 'allowed hostname patterns, comma-separated (browser, oauth)')
  .option('--restricted-user <id>', 'restrict a server token to this user id (also issues a JWT for them)')
  .option('--jwt', 'issue a long-term JWT (server tokens)')
  .option('--as <user>', 'the admin recorded as creator (id or name)', String(ADMIN_ID))
  .option('--json', 'print JSON')
  .action(async (o: SiteFlags & { type: string; name: string; host?: string; restrictedUser?: string; jwt?: boolean; as: string; json?: boolean }) =>
    withSite(o, async (site) => {
      await assertTokenAllowed(site.ctx, true);
      const creator = await userByRef(site, o.as);
      const doc: Record<string, unknown> = { '@type': o.type, name: o.name };
      if (o.host !== undefined) doc.host = o.host;
      if (o.restrictedUser !== undefined) doc['restricted-by-user-id'] = o.restrictedUser;
      if (o.jwt) doc['generate-jwt'] = 'true';
      const created = await createToken(site.ctx, await readCreateInput(site.ctx.db, doc), creator.id);
      const out = { id: created.token.id, type: created.token.type, name: created.token.name, key: created.token.key, secret: created.secret, jwt: created.jwt };
      print(!!o.json, out, () =>
        [`Token ${out.id} (${out.type}) created: ${out.name}`, `key:    ${out.key}`, out.secret ? `secret: ${out.secret}` : '', out.jwt ? `jwt:    ${out.jwt}` : '', out.secret || out.jwt ? 'The secret and JWT are not shown again: store them now.' : '']
          .filter(Boolean)
          .join('\n'),
      );
    }),
  );

siteOptions(token.command('list'))
  .description('list tokens (never their secrets)')
  .option('--json', 'print JSON')
  .action(async (o: SiteFlags & { json?: boolean }) =>
    withSite(o, async (site) => {
      const tokens = (await listTokens(site.ctx.db)).map(tokenSummary);
      print(!!o.json, tokens, () =>
        tokens.length === 0 ? 'No tokens.' : tokens.map((t) => `${t.id}\t${t.type}\t${t.key.slice(0, 8)}…\t${t.jwtIssued ? 'JWT' : '-'}\t${t.name}`).join('\n'),
      );
    }),
  );

siteOptions(token.command('show <id>'))
  .description('show one token (never its secret)')
  .option('--json', 'print JSON')
  .action(async (id: string, o: SiteFlags & { json?: boolean }) =>
    withSite(o, async (site) => {
      const t = /^\d+$/.test(id) ? await findTokenListing(site.ctx.db, Number(id)) : undefined;
      if (!t) throw new DekiError('TOKEN_NOT_FOUND');
      const s = tokenSummary(t);
      print(!!o.json, s, () => Object.entries(s).map(([k, v]) => `${k}: ${v ?? ''}`).join('\n'));
    }),
  );

siteOptions(token.command('revoke <id>'))
  .description('delete a token: its signatures and JWT stop working at once')
  .action(async (id: string, o: SiteFlags) =>
    withSite(o, async (site) => {
      if (!/^\d+$/.test(id) || !(await deleteToken(site.ctx.db, Number(id)))) throw new DekiError('TOKEN_NOT_FOUND');
      process.stdout.write(`Token ${id} revoked.\n`);
    }),
  );

const user = program.command('user').description('manage users');
const userFlags = (cmd: Command) =>
  cmd
    .option('--email <email>', 'email address')
    .option('--fullname <name>', 'full name')
    .addOption(new Option('--role <role>', 'role').choices(['None', 'Viewer', 'Author', 'Editor', 'Admin']))
    .addOption(new Option('--seat <bool>', 'licence seat').choices(['true', 'false']))
    .addOption(new Option('--status <status>', 'status').choices(['active', 'inactive']))
    .option('--password <password>', 'set the password (8 characters or more)')
    .option('--json', 'print JSON');

type UserFlags = SiteFlags & { email?: string; fullname?: string; role?: string; seat?: string; status?: string; password?: string; json?: boolean };

userFlags(siteOptions(user.command('create <username>')))
  .description('create a user')
  .action(async (username: string, o: UserFlags) =>
    withSite(o, async (site) => {
      const patch = readUserPatch(userDocFromFlags({ ...o, username }));
      if (await findUserByName(site.ctx.db, patch.username!)) throw new DekiError('USERNAME_TAKEN', patch.username!);
      const row = await insertUser(site.ctx.db, {
        username: patch.username!,
        username_key: patch.username_key!,
        email: patch.email ?? '',
        fullname: patch.fullname ?? '',
        status: patch.status ?? 'active',
        seat: patch.seat ?? 0,
        role: patch.role ?? 'None',
        password_hash: o.password ? await hashPassword(validPassword(o.password)) : null,
        created_at: Date.now(),
      });
      print(!!o.json, userSummary(row), () => `User ${row.id} created: ${row.username}`);
    }),
  );

siteOptions(user.command('list'))
  .description('list users')
  .option('--filter <text>', 'only usernames containing this')
  .option('--json', 'print JSON')
  .action(async (o: SiteFlags & { filter?: string; json?: boolean }) =>
    withSite(o, async (site) => {
      const { users } = await listUsers(site.ctx.db, { usernamefilter: o.filter, limit: 1000, offset: 0 });
      const rows = users.map(userSummary);
      print(!!o.json, rows, () => rows.map((u) => `${u.id}\t${u.username}\t${u.status}\t${u.seat ? 'seated' : 'unseated'}\t${u.role}`).join('\n'));
    }),
  );

userFlags(siteOptions(user.command('update <user>')))
  .description('change a user (by id or username)')
  .option('--username <name>', 'rename')
  .action(async (ref: string, o: UserFlags & { username?: string }) =>
    withSite(o, async (site) => {
      const target = await userByRef(site, ref);
      const patch = readUserPatch(userDocFromFlags(o));
      if (o.password) patch.password_hash = await hashPassword(validPassword(o.password));
      const row = Object.keys(patch).length > 0 ? await updateUser(site.ctx.db, target.id, patch) : target;
      if (row.status !== 'active' || o.password) await endUserSessions(site.ctx, row.id);
      print(!!o.json, userSummary(row), () => `User ${row.id} updated: ${row.username} (${row.status}, ${row.seat ? 'seated' : 'unseated'}, ${row.role})`);
    }),
  );

program
  .command('sign')
  .description('print an X-Deki-Token value for a server token')
  .requiredOption('--key <key>', 'token key')
  .requiredOption('--secret <secret>', 'token secret')
  .option('--user <user>', "user id, or '=' and a username", '2')
  .option('--epoch <seconds>', 'Unix time to sign (default now)')
  .addOption(new Option('--format <format>', 'signature format').choices(['tkn', 'legacy', 'int', 'userless']).default('tkn'))
  .action((o: { key: string; secret: string; user: string; epoch?: string; format: SignatureFormat }) => {
    process.stdout.write(signServerToken({ key: o.key, secret: o.secret, user: o.user, format: o.format, epoch: o.epoch ? Number(o.epoch) : undefined }) + '\n');
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`gatehouse: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
