/**
 * Loads what a view shows, again whenever `deps` change or `reload()` is called, aborting a stale
 * request. A lost admin session goes to `onSessionLost`, like the other views.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, describe } from './messages';

export type Loaded<T> = { state: 'loading' } | { state: 'failed'; message: string } | { state: 'ready'; value: T; at: number };

export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[], onSessionLost: () => void): [Loaded<T>, () => void] {
  const [result, setResult] = useState<Loaded<T>>({ state: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    load(controller.signal)
      .then((value) => setResult({ state: 'ready', value, at: Date.now() }))
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        if (err instanceof ApiError && err.code === 'ADMIN_REQUIRED') return onSessionLost();
        setResult({ state: 'failed', message: describe(err) });
      });
    return () => controller.abort();
  }, [...deps, attempt, onSessionLost]);
  return [result, useCallback(() => setAttempt((n) => n + 1), [])];
}
