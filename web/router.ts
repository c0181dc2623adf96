/**
 * The dashboard's few addresses, and navigation between them. Every move replaces the history
 * entry: Back then leaves the page as a whole, so the "API Token created" guard's `beforeunload`
 * covers it too, instead of an in-page route change that would drop the dialog.
 */
import { useEffect, useState } from 'preact/hooks';

export const TOKENS_PATH = '/dashboard/integrations/api-tokens';
export const SIGN_IN_PATH = '/dashboard/sign-in';

const CHANGE = 'gatehouse:navigate';

export function navigate(to: string): void {
  history.replaceState(null, '', to);
  window.dispatchEvent(new Event(CHANGE));
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

/** Where to go after signing in: a dashboard path from `?return=`, never another site. */
export function returnTarget(url: URL): string {
  const target = url.searchParams.get('return') ?? '';
  return target.startsWith('/dashboard/') && !target.startsWith(SIGN_IN_PATH) ? target : TOKENS_PATH;
}

export function signInPath(from: URL): string {
  return `${SIGN_IN_PATH}?return=${encodeURIComponent(from.pathname + from.search)}`;
}
