/**
 * Server signatures made ahead of time. A real client signs each request with the current second,
 * so in any one second every request of one token carries the same value; we make one
 * per token per second for the whole run before it starts, so signing (client work) is never
 * measured as server time, and the server still sees a new value every second, as in production.
 */
import { signServerToken } from '../../client/sign.js';
import type { ServerToken } from './gatehouse-api.js';

/** The user the signatures act as: `=admin`, the documented form (a lookup by name). */
export const SIGNED_USER = '=admin';

export interface SignaturePool {
  /** The signature of token `i` (modulo the pool) for the current second. */
  at(i: number): string;
  /** Every token's signature for the given second (made now; for wrk's pool file). */
  forSecond(epoch: number): string[];
}

export function makeSignaturePool(tokens: ServerToken[], seconds: number): SignaturePool {
  // Start a little in the past so a run that begins late in a second is still covered.
  const first = Math.floor(Date.now() / 1000) - 2;
  const bySecond: string[][] = [];
  for (let s = 0; s < seconds + 4; s++) {
    bySecond.push(tokens.map((t) => signServerToken({ key: t.key, secret: t.secret, user: SIGNED_USER, epoch: first + s })));
  }
  return {
    at(i) {
      const s = Math.min(bySecond.length - 1, Math.max(0, Math.floor(Date.now() / 1000) - first));
      const row = bySecond[s]!;
      return row[i % row.length]!;
    },
    forSecond: (epoch) => tokens.map((t) => signServerToken({ key: t.key, secret: t.secret, user: SIGNED_USER, epoch })),
  };
}
