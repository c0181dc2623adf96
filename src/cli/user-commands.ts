/** `gatehouse user create|list|update`: users, straight on the site's store. */
import { type Command, Option } from 'commander';
import { endUserSessions } from '../auth/session.js';
import { hashPassword } from '../crypto/password.js';
import { auditFromCli } from '../audit/entry.js';
import { DekiError } from '../errors.js';
import type { UserRow } from '../store/schema.js';
import { readUserPatch, userChanges, validPassword } from '../users/input.js';
import { countAdmins, findUserByName, insertUser, isAdmin, listUsers, updateUser } from '../users/store.js';
import { print, type SiteFlags, siteOptions, userByRef, withSite } from './site.js';

function userSummary(u: UserRow) {
  return { id: u.id, username: u.username, email: u.email, fullname: u.fullname, status: u.status, seat: u.seat === 1, role: u.role };
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

type UserFlags = SiteFlags & { email?: string; fullname?: string; role?: string; seat?: string; status?: string; password?: string; json?: boolean };

export function addUserCommands(program: Command): void {
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

  userFlags(siteOptions(user.command('create <username>')))
    .description('create a user')
    .action(async (username: string, o: UserFlags) =>
      withSite(o, async (site) => {
        const patch = readUserPatch(userDocFromFlags({ ...o, username }));
        if (await findUserByName(site.ctx.db, patch.username!)) throw new DekiError('USERNAME_TAKEN', patch.username!);
        const row = await insertUser(
          site.ctx.changes,
          {
            username: patch.username!,
            username_key: patch.username_key!,
            email: patch.email ?? '',
            fullname: patch.fullname ?? '',
            status: patch.status ?? 'active',
            seat: patch.seat ?? 0,
            role: patch.role ?? 'None',
            password_hash: o.password ? await hashPassword(validPassword(o.password)) : null,
            created_at: site.ctx.config.now(),
          },
          (row) => auditFromCli('user.create', { type: 'user', id: row.id }, userChanges(patch)),
        );
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
        const audit = [auditFromCli(patch.status === 'inactive' ? 'user.deactivate' : 'user.update', { type: 'user', id: target.id }, userChanges(patch))];
        // As the API does: never leave the site without an admin who could undo this.
        if (isAdmin(target) && !isAdmin({ ...target, ...patch } as UserRow) && (await countAdmins(site.ctx.db)) <= 1)
          throw new DekiError('BOOTSTRAP_ADMIN_LOCKOUT');
        const endSessions = ({ ...target, ...patch } as UserRow).status !== 'active' || !!o.password;
        const changed = Object.keys(patch).length > 0;
        const row = changed ? await updateUser(site.ctx.changes, target.id, patch, audit, endSessions) : target;
        if (!changed && endSessions) await endUserSessions(site.ctx, row.id);
        print(!!o.json, userSummary(row), () => `User ${row.id} updated: ${row.username} (${row.status}, ${row.seat ? 'seated' : 'unseated'}, ${row.role})`);
      }),
    );
}
