/** `users`, `users/{id}`: read, list, create and change users. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { bodyText, requireDocument } from '../dream/body.js';
import { el } from '../dream/document.js';
import { parsePathId } from '../dream/path-id.js';
import { sendDocument } from '../dream/reply.js';
import { DekiError } from '../errors.js';
import { auditFrom } from '../audit/entry.js';
import { endUserSessions } from '../auth/session.js';
import { type Principal, actsAsAdmin } from '../auth/principal.js';
import type { Stages } from '../auth/stages.js';
import { hashPassword } from '../crypto/password.js';
import type { UserRow, UserUpdate } from '../store/schema.js';
import { toUserDocument } from './document.js';
import { userExtras } from './extras.js';
import { readUserPatch, userChanges, validPassword } from './input.js';
import { ANONYMOUS_ID, countAdmins, findUserById, findUserByName, insertUser, isAdmin, listUsers, updateUserIfUnchanged, updateUserThen } from './store.js';

type IdParams = { Params: { id: string } };
type Query = Record<string, string | undefined>;

function queryInt(q: Query, name: string, fallback: number, max: number): number {
  const raw = q[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) > max) throw new DekiError('BAD_QUERY', name, `use a whole number from 0 to ${max}`);
  return Number(raw);
}

export async function findUserByPathId(ctx: AppContext, request: FastifyRequest, raw: string): Promise<UserRow> {
  const id = parsePathId(raw, ['current']);
  const user = id.kind === 'keyword' ? request.principal.user : id.kind === 'id' ? await findUserById(ctx.db, id.id) : await findUserByName(ctx.db, id.name);
  if (!user) throw new DekiError('USER_NOT_FOUND');
  return user;
}

function canSeeEmail(principal: Principal, user: UserRow): boolean {
  const viewer = principal.user;
  return actsAsAdmin(principal) || (viewer.id === user.id && viewer.id !== ANONYMOUS_ID);
}

/** The user document as an admin sees it: with email, open sessions and the tokens that depend on the user. */
async function adminUserDocument(ctx: AppContext, user: UserRow) {
  const extras = (await userExtras(ctx.db, [user.id], ctx.config.now())).get(user.id);
  return toUserDocument(user, ctx.config.siteUrl, true, extras);
}

/** What a PUT asks for, read from the request once however many times the change is decided. */
interface UserPut {
  patch(): UserUpdate;
  passwordHash(): Promise<string | undefined>;
}

function userPut(request: FastifyRequest<{ Querystring: Query }>): UserPut {
  let patch: UserUpdate | undefined;
  let hashed: Promise<string> | undefined;
  const password = request.query.accountpassword;
  return {
    patch: () => ({ ...(patch ??= bodyText(request.body).trim() === '' ? {} : readUserPatch(requireDocument(request.body, 'user'))) }),
    passwordHash: () => (password === undefined ? Promise.resolve(undefined) : (hashed ??= hashPassword(validPassword(password)))),
  };
}

/** The PUT on `target`; with `asCached`, undefined when `target` is no longer what the database has. */
async function changeUser(ctx: AppContext, request: FastifyRequest<{ Querystring: Query }>, put: UserPut, target: UserRow, asCached: boolean) {
  if (target.id === ANONYMOUS_ID) throw new DekiError('ANONYMOUS_IMMUTABLE');
  const patch = put.patch();
  if (patch.username_key && patch.username_key !== target.username_key) {
    const holder = await findUserByName(ctx.db, patch.username_key);
    if (holder && holder.id !== target.id) throw new DekiError('USERNAME_TAKEN', patch.username ?? '');
  }
  const passwordHash = await put.passwordHash();
  if (passwordHash !== undefined) patch.password_hash = passwordHash;
  const after = { ...target, ...patch } as UserRow;
  // Never let a change leave the site with no admin who could undo it.
  if (isAdmin(target) && !isAdmin(after) && (await countAdmins(ctx.db)) <= 1) throw new DekiError('BOOTSTRAP_ADMIN_LOCKOUT');
  const audit = [
    Object.keys(userChanges(patch)).length > 0
      ? auditFrom(
          request,
          patch.status === 'inactive' && target.status !== 'inactive' ? 'user.deactivate' : 'user.update',
          { type: 'user', id: target.id },
          userChanges(patch),
        )
      : undefined,
    passwordHash !== undefined ? auditFrom(request, 'user.password', { type: 'user', id: target.id }) : undefined,
  ];
  const endSessions = after.status !== 'active' || passwordHash !== undefined;
  const document = (user: UserRow) => adminUserDocument(ctx, user);
  if (Object.keys(patch).length === 0) {
    if (asCached) return undefined; // nothing to write on condition: answer from the database's row
    if (endSessions) await endUserSessions(ctx, target.id);
    return document(target);
  }
  if (!asCached) return updateUserThen(ctx.changes, target.id, patch, audit, endSessions, document);
  return (await updateUserIfUnchanged(ctx.changes, target.id, target, patch, audit, endSessions, document))?.answer;
}

export function userRoutes(ctx: AppContext, stages: Stages) {
  return async (app: FastifyInstance) => {
    const admin = { preHandler: [stages.requireAdmin] };

    app.get<IdParams>('/users/:id', async (request, reply) => {
      const user = await findUserByPathId(ctx, request, request.params.id);
      const viewer = request.principal.user;
      if (viewer.id === ANONYMOUS_ID && user.id !== ANONYMOUS_ID) throw new DekiError('USER_FORBIDDEN');
      // Not for `users/current`: integrations call it on every check of who they are, and the extras
      // cost two queries (one over every token); an admin's own extras are at users/{id}.
      const extras = actsAsAdmin(request.principal) && user.id !== ANONYMOUS_ID && request.params.id !== 'current';
      if (extras) return sendDocument(request, reply, await adminUserDocument(ctx, user));
      return sendDocument(request, reply, toUserDocument(user, ctx.config.siteUrl, canSeeEmail(request.principal, user)));
    });

    app.get<{ Querystring: Query }>('/users', admin, async (request, reply) => {
      const q = request.query;
      const limit = queryInt(q, 'limit', 100, 1000);
      const offset = queryInt(q, 'offset', 0, 1_000_000_000);
      const [{ users, total }, admins] = await Promise.all([
        listUsers(ctx.db, { usernamefilter: q.usernamefilter?.slice(0, 255), limit, offset }),
        countAdmins(ctx.db),
      ]);
      const extras = await userExtras(
        ctx.db,
        users.map((u) => u.id),
        ctx.config.now(),
      );
      // `admins`: active seated admins on the site, so a client can say before asking that the last one cannot be demoted.
      const attrs = { count: String(users.length), querycount: String(total), admins: String(admins), href: `${ctx.config.siteUrl}/@api/deki/users` };
      const doc = el(
        'users',
        attrs,
        users.map((u) => toUserDocument(u, ctx.config.siteUrl, true, extras.get(u.id))),
      );
      return sendDocument(request, reply, doc);
    });

    app.post<{ Querystring: Query }>('/users', admin, async (request, reply) => {
      const patch = readUserPatch(requireDocument(request.body, 'user'));
      if (!patch.username || !patch.username_key) throw new DekiError('USERNAME_REQUIRED');
      if (await findUserByName(ctx.db, patch.username)) throw new DekiError('USERNAME_TAKEN', patch.username);
      const password = request.query.accountpassword;
      const user = await insertUser(
        ctx.changes,
        {
          username: patch.username,
          username_key: patch.username_key,
          email: patch.email ?? '',
          fullname: patch.fullname ?? '',
          status: patch.status ?? 'active',
          seat: patch.seat ?? 0,
          role: patch.role ?? 'None',
          password_hash: password !== undefined ? await hashPassword(validPassword(password)) : null,
          created_at: ctx.config.now(),
        },
        (row) => auditFrom(request, 'user.create', { type: 'user', id: row.id }, userChanges(patch)),
      );
      return sendDocument(request, reply, toUserDocument(user, ctx.config.siteUrl, true));
    });

    app.put<IdParams & { Querystring: Query }>('/users/:id', admin, async (request, reply) => {
      // A user this node has cached is changed without reading it first, on condition that what the
      // change decides by is still so (`updateUserIfUnchanged`); if not, it is read and decided
      // again. Not an admin: whether the change would leave no admin is counted in the database.
      const id = parsePathId(request.params.id, ['current']);
      const cached = id.kind === 'id' ? ctx.cache.cachedUserById(id.id) : undefined;
      const put = userPut(request);
      if (cached && !isAdmin(cached)) {
        const doc = await changeUser(ctx, request, put, cached, true);
        if (doc !== undefined) return sendDocument(request, reply, doc);
      }
      const target = await findUserByPathId(ctx, request, request.params.id);
      return sendDocument(request, reply, (await changeUser(ctx, request, put, target, false))!);
    });
  };
}
