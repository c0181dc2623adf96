/** `pages/{id}/contents` and `pages/{id}/info`: the resource that tokens unlock. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { bodyText } from '../dream/body.js';
import { el, textEl } from '../dream/document.js';
import { parsePathId } from '../dream/path-id.js';
import { rfc1123, sendDocument } from '../dream/reply.js';
import { DekiError } from '../errors.js';
import type { PageRow, UserRow } from '../store/schema.js';
import { isSeatedActive } from '../users/store.js';
import { findPageById, findPageByPath, savePage } from './store.js';

type PageParams = { Params: { id: string }; Querystring: Record<string, string | undefined> };

/** A page path from `=path`: no `..`, no empty or control-character segments, at most 1,000 characters. */
function validPath(name: string): string {
  const path = name.replace(/^\/+|\/+$/g, '');
  const segments = path.split('/');
  if (path.length > 1000 || /[\u0000-\u001f\u007f]/.test(path) || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new DekiError('PAGE_PATH_INVALID');
  }
  return path;
}

/** Where the id points: an existing page, or (for `=path` and `home`) the path a new page would take. */
async function locate(ctx: AppContext, raw: string): Promise<{ page: PageRow | undefined; path: string | undefined }> {
  const id = parsePathId(raw, ['home']);
  if (id.kind === 'id') return { page: await findPageById(ctx.db, id.id), path: undefined };
  const path = id.kind === 'keyword' ? '' : validPath(id.name);
  return { page: await findPageByPath(ctx.db, path), path };
}

function assertReadable(page: PageRow, user: UserRow): void {
  if (page.restriction === 'private' && !isSeatedActive(user)) throw new DekiError('PAGE_FORBIDDEN');
}

function canEdit(user: UserRow): boolean {
  return isSeatedActive(user) && (user.role === 'Author' || user.role === 'Editor' || user.role === 'Admin');
}

function pageInfo(ctx: AppContext, page: PageRow) {
  const site = ctx.config.siteUrl;
  return el('page', { id: String(page.id), href: `${site}/@api/deki/pages/${page.id}` }, [
    textEl('date.created', rfc1123(page.created_at)),
    textEl('date.modified', rfc1123(page.modified_at)),
    textEl('path', page.path),
    textEl('restriction', page.restriction),
    textEl('title', page.title),
    el('user.author', { id: String(page.created_by), href: `${site}/@api/deki/users/${page.created_by}` }),
    el('user.modified', { id: String(page.modified_by), href: `${site}/@api/deki/users/${page.modified_by}` }),
  ]);
}

export function pageRoutes(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    app.get<PageParams>('/pages/:id/contents', async (request, reply) => {
      const { page } = await locate(ctx, request.params.id);
      if (!page) throw new DekiError('PAGE_NOT_FOUND');
      assertReadable(page, request.principal.user);
      return sendDocument(request, reply, el('content', { type: 'text/html', title: page.title }, [textEl('body', page.body)]));
    });

    app.get<PageParams>('/pages/:id/info', async (request, reply) => {
      const { page } = await locate(ctx, request.params.id);
      if (!page) throw new DekiError('PAGE_NOT_FOUND');
      assertReadable(page, request.principal.user);
      return sendDocument(request, reply, pageInfo(ctx, page));
    });

    app.post<PageParams>('/pages/:id/contents', async (request, reply) => {
      const user = request.principal.user;
      if (!canEdit(user)) throw new DekiError('ROLE_REQUIRED');
      const { page, path } = await locate(ctx, request.params.id);
      if (!page && path === undefined) throw new DekiError('PAGE_NOT_FOUND');
      const restriction = request.query.restriction?.toLowerCase() ?? page?.restriction ?? 'public';
      if (restriction !== 'public' && restriction !== 'private') throw new DekiError('PAGE_RESTRICTION_INVALID');
      const targetPath = page?.path ?? path!;
      const body = bodyText(request.body);
      const title = request.query.title?.slice(0, 255) ?? page?.title ?? (targetPath.split('/').pop() || 'Home');
      const saved = await savePage(ctx.db, { path: targetPath, title, body, restriction, userId: user.id, now: ctx.config.now() });
      return sendDocument(request, reply, el('edit', { status: 'success' }, [pageInfo(ctx, saved)]));
    });
  };
}
