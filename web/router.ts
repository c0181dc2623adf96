/**
 * The dashboard's few addresses, and navigation between them. Every move replaces the history
 * entry: Back then leaves the page as a whole, so the "API Token created" guard's `beforeunload`
 * covers it too, instead of an in-page route change that would drop the dialog.
 */
import { useEffect, useState } from 'preact/hooks';

export const TOKENS_PATH = '/dashboard/integrations/api-tokens';
export const AUDIT_PATH = `${TOKENS_PATH}/audit`;
export const USERS_PATH = `${TOKENS_PATH}/users`;

export const userPath = (id: number) => `${USERS_PATH}/${id}`;
export const tokenPath = (id: number) => `${TOKENS_PATH}/${id}`;

/** The users view's address for a search and page. */
export function usersPath(search: string, page: number): string {
  const q = new URLSearchParams();
  if (search) q.set('q', search);
  if (page > 1) q.set('page', String(page));
  return q.size ? `${USERS_PATH}?${q}` : USERS_PATH;
}
export const SIGN_IN_PATH = '/dashboard/sign-in';

const CHANGE = 'gatehouse:navigate';

export function navigate(to: string): void {
  history.replaceState(null, '', to);
  window.dispatchEvent(new Event(CHANGE));
}

/**
 * A link's click, handled in the page: a plain left click moves without a reload. A click with a
 * modifier (new tab, new window) is left to the browser, which opens the real address.
 */
export function followLink(event: MouseEvent): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.currentTarget as HTMLAnchorElement;
  event.preventDefault();
  navigate(link.pathname + link.search);
}

/** The current path and query, re-rendering on navigation. */
export function useLocation(): URL {
  const [href, setHref] = useState(location.href);
  useEffect(() => {
    const update = () => setHref(location.href);
    window.addEventListener(CHANGE, update);
    window.addEventListener('popstate', update);
    return () => {
      window.removeEventListener(CHANGE, update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return new URL(href);
}

/** What the audit log view shows, as its address holds it. */
export interface AuditView {
  action?: string | undefined;
  actor?: string | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
  page?: number | undefined;
}

/** The audit log's address for these filters (the filters live in the address, so a reload or a link keeps them). */
export function auditPath(view: AuditView): string {
  const q = new URLSearchParams();
  if (view.action) q.set('action', view.action);
  if (view.actor) q.set('actor', view.actor);
  if (view.targetType && view.targetId) {
    q.set('target.type', view.targetType);
    q.set('target.id', view.targetId);
  }
  if (view.page && view.page > 1) q.set('page', String(view.page));
  const query = q.toString();
  return query ? `${AUDIT_PATH}?${query}` : AUDIT_PATH;
}

export function readAuditView(url: URL): AuditView {
  const q = url.searchParams;
  const page = Number(q.get('page') ?? '1');
  return {
    action: q.get('action') ?? '',
    actor: q.get('actor') ?? '',
    targetType: q.get('target.type') ?? undefined,
    targetId: q.get('target.id') ?? undefined,
    page: Number.isInteger(page) && page >= 1 ? page : 1,
  };
}

/** Where to go after signing in: a dashboard path from `?return=`, never another site. */
export function returnTarget(url: URL): string {
  const target = url.searchParams.get('return') ?? '';
  return target.startsWith('/dashboard/') && !target.startsWith(SIGN_IN_PATH) ? target : TOKENS_PATH;
}

export function signInPath(from: URL): string {
  return `${SIGN_IN_PATH}?return=${encodeURIComponent(from.pathname + from.search)}`;
}
