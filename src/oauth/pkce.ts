/**
 * PKCE (RFC 7636), S256 only: `plain` would send the verifier's equal over the front channel.
 * A code issued with a challenge needs the matching verifier; a verifier for a code issued without
 * one is refused too, so PKCE can't be stripped from the front channel (RFC 9700 §2.1.1).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { DekiError } from '../errors.js';

const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

/** Validates the authorize request's PKCE parameters; returns the challenge or null. */
export function readChallenge(challenge: string | undefined, method: string | undefined): string | null {
  if (challenge === undefined) {
    if (method !== undefined) throw new DekiError('OAUTH_PARAM_MISSING', 'code_challenge');
    return null;
  }
  // RFC 7636 §4.3: an absent method means `plain`, which we refuse.
  if (method !== 'S256') throw new DekiError('OAUTH_PKCE_METHOD_UNSUPPORTED');
  if (!CHALLENGE.test(challenge)) throw new DekiError('OAUTH_PKCE_CHALLENGE_INVALID');
  return challenge;
}

/** Checks the token request's `code_verifier` against the code's challenge. */
export function checkVerifier(challenge: string | null, verifier: string | undefined): void {
  if (challenge === null) {
    if (verifier !== undefined) throw new DekiError('OAUTH_PKCE_VERIFIER_UNEXPECTED');
    return;
  }
  if (verifier === undefined || !VERIFIER.test(verifier)) throw new DekiError('OAUTH_PKCE_VERIFIER_INVALID');
  const computed = createHash('sha256').update(verifier, 'ascii').digest();
  const expected = Buffer.from(challenge, 'base64url');
  if (expected.length !== computed.length || !timingSafeEqual(expected, computed)) throw new DekiError('OAUTH_PKCE_VERIFIER_INVALID');
}
