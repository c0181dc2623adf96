/**
 * Server token signatures, `X-Deki-Token`. Four formats are in use by real clients:
 *
 *   tkn_{key}_{epoch}_{user}_{hash}   HMAC message `{key}_{epoch}_{user}`   (current)
 *   int_{key}_{epoch}_{user}_{hash}   HMAC message `{key}{epoch}{user}`     (martian JS SDK)
 *   {key}_{epoch}_{user}_{hash}       HMAC message `{key}{epoch}{user}`     (PHP client, LibreTexts)
 *   {key}_{epoch}_{hash}              HMAC message `{key}{epoch}`           (oldest; Anonymous)
 *
 * The HMAC key is the secret string's UTF-8 bytes; the hash is hex in either case. Usernames may
 * contain `_`, so key, epoch and hash are split off and the user is whatever remains.
 */
import { type KeyObject, createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import type { AppContext } from '../context.js';
import { DekiError } from '../errors.js';
import type { TokenRow, UserRow } from '../store/schema.js';
import { openSecret } from '../tokens/secret.js';
import { normalUsername } from '../users/input.js';
import type { Principal } from './principal.js';

export interface ParsedSignature {
  readonly key: string;
  readonly epoch: number;
  /** As sent: a decimal id, `=` and a (possibly percent-encoded) name, or undefined for the userless form. */
  readonly user: string | undefined;
  readonly hash: string;
  /** The exact string the client signed. */
  readonly message: string;
}

const HASH = /^[0-9a-fA-F]{64}$/;
const EPOCH = /^\d{1,12}$/;

/** Splits a signature into its parts, or throws `SIGNATURE_INVALID`. Never anything else. */
export function parseSignature(value: string): ParsedSignature {
  const prefix = value.startsWith('tkn_') ? 'tkn' : value.startsWith('int_') ? 'int' : undefined;
  const parts = (prefix ? value.slice(4) : value).split('_');
  if (parts.length < 3 || (prefix && parts.length < 4)) throw new DekiError('SIGNATURE_INVALID');
  const key = parts[0]!;
  const epoch = parts[1]!;
  const hash = parts[parts.length - 1]!;
  const user = parts.length === 3 ? undefined : parts.slice(2, -1).join('_');
  if (key === '' || !EPOCH.test(epoch) || !HASH.test(hash) || user === '') throw new DekiError('SIGNATURE_INVALID');
  const message = prefix === 'tkn' ? `${key}_${epoch}_${user}` : `${key}${epoch}${user ?? ''}`;
  return { key, epoch: Number(epoch), user, hash: hash.toLowerCase(), message };
}

/** The token's HMAC key, made once per token and node from its decrypted secret. */
function hmacKey(ctx: AppContext, token: TokenRow): KeyObject {
  return ctx.cache.derived(token, 'hmac-key', () => {
    const secret = ctx.cache.derived(token, 'secret', () => openSecret(ctx.keys, token.key, token.secret_enc!));
    return createSecretKey(Buffer.from(secret, 'utf8'));
  });
}

function hmacMatches(key: KeyObject, message: string, hash: string): boolean {
  return timingSafeEqual(createHmac('sha256', key).update(message, 'utf8').digest(), Buffer.from(hash, 'hex'));
}

/**
 * Whom a signature names, read once per signature string (it is remembered with the proof):
 * Anonymous (the userless form), a user id, a `=name` decoded and normalised, or nothing valid.
 */
type Signer =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'id'; readonly id: number }
  | { readonly kind: 'name'; readonly name: string; readonly key: string }
  | { readonly kind: 'invalid' };

const ANONYMOUS_SIGNER: Signer = { kind: 'anonymous' };
const INVALID_SIGNER: Signer = { kind: 'invalid' };

function readSigner(user: string | undefined): Signer {
  if (user === undefined) return ANONYMOUS_SIGNER;
  if (/^\d{1,15}$/.test(user)) return { kind: 'id', id: Number(user) };
  if (!user.startsWith('=')) return INVALID_SIGNER;
  let name: string;
  try {
    name = normalUsername(decodeURIComponent(user.slice(1)));
  } catch {
    return INVALID_SIGNER;
  }
  return name === '' ? INVALID_SIGNER : { kind: 'name', name, key: name.toLowerCase() };
}

/** What a verified signature string leaves to check on each request. */
interface VerifiedSignature {
  readonly epoch: number;
  readonly signer: Signer;
}

/** Parse → token by key → HMAC (constant time); the outcome is remembered for the same string. */
async function verifyParts(ctx: AppContext, value: string, now: number): Promise<{ token: TokenRow; parts: VerifiedSignature }> {
  const parts = parseSignature(value);
  // Keys are issued in lower case; a client that upper-cased one still means it (the HMAC covers what was sent).
  const token = await ctx.cache.tokenByKey(parts.key.toLowerCase());
  if (!token || token.type !== 'server' || token.secret_enc === null) throw new DekiError('SIGNATURE_INVALID');
  if (!hmacMatches(hmacKey(ctx, token), parts.message, parts.hash)) throw new DekiError('SIGNATURE_INVALID').about(token.id);
  const verified: VerifiedSignature = { epoch: parts.epoch, signer: readSigner(parts.user) };
  ctx.cache.rememberSignature(value, token, verified, (parts.epoch + ctx.config.signatureWindowSeconds) * 1000, now);
  return { token, parts: verified };
}

export interface SignatureResult {
  readonly token: TokenRow;
  /** The signed user, or undefined when the named user does not exist (the request runs as Anonymous). */
  readonly user: UserRow | undefined;
  /** The username the signature named with `=`, decoded and normalised; lets `users/authenticate` create that user. */
  readonly requestedName: string | undefined;
}

/** The signed user from the cache without waiting when it is there, else read through it. */
function signedUser(ctx: AppContext, signer: Signer): UserRow | undefined | Promise<UserRow | undefined> {
  switch (signer.kind) {
    case 'anonymous':
      return ctx.anonymous;
    case 'id':
      return ctx.cache.cachedUserById(signer.id) ?? ctx.cache.userById(signer.id);
    case 'name':
      return ctx.cache.cachedUserByKey(signer.key) ?? ctx.cache.userByName(signer.name);
    case 'invalid':
      throw new DekiError('SIGNATURE_INVALID');
  }
}

/**
 * Checks a server signature in order: parse → token by key → HMAC (constant time) → epoch
 * window → token not expired → signed user → restriction → user active. `users/authenticate` uses
 * the result to create a user the signature names for the first time.
 */
export async function checkServerSignature(ctx: AppContext, value: string): Promise<SignatureResult> {
  return checkSignature(ctx, value);
}

/** Verifies a server signature and returns the principal it proves: the signed user, or Anonymous when `=name` names nobody yet. */
export async function verifyServerSignature(ctx: AppContext, value: string): Promise<Principal> {
  const pending = checkSignature(ctx, value);
  const { token, user } = pending instanceof Promise ? await pending : pending;
  return { user: user ?? ctx.anonymous, credential: { kind: 'server-signature', tokenId: token.id } };
}

/** The checks, without waiting when this node verified the string already and has the signed user cached. */
function checkSignature(ctx: AppContext, value: string): SignatureResult | Promise<SignatureResult> {
  const now = ctx.config.now();
  // A string this node already verified against the unchanged token skips parsing and the HMAC.
  const known = ctx.cache.recallSignature<VerifiedSignature>(value);
  if (!known) return verifyParts(ctx, value, now).then((verified) => checkVerified(ctx, verified.token, verified.parts, now));
  return checkVerified(ctx, known.token, known.parts, now);
}

function checkVerified(ctx: AppContext, token: TokenRow, sig: VerifiedSignature, now: number): SignatureResult | Promise<SignatureResult> {
  if (Math.abs(now / 1000 - sig.epoch) > ctx.config.signatureWindowSeconds) throw new DekiError('SIGNATURE_EXPIRED').about(token.id);
  if (token.expires_at !== null && token.expires_at <= now) throw new DekiError('TOKEN_EXPIRED').about(token.id);
  const found = signedUser(ctx, sig.signer);
  return found instanceof Promise ? found.then((row) => checkSigned(token, sig.signer, row)) : checkSigned(token, sig.signer, found);
}

function checkSigned(token: TokenRow, signer: Signer, row: UserRow | undefined): SignatureResult {
  if (token.restricted_user_id !== null && row?.id !== token.restricted_user_id) throw new DekiError('SIGNATURE_RESTRICTED').about(token.id);
  if (row && row.status !== 'active') throw new DekiError('USER_INVALID').about(token.id);
  return { token, user: row, requestedName: row || signer.kind !== 'name' ? undefined : signer.name };
}
