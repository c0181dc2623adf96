/**
 * Long-term JWTs: issued once with a server token, HS512, signed with a key derived per
 * token from the master key. This is the only file that imports jose's errors.
 */
import { type KeyObject, createSecretKey } from 'node:crypto';
import { SignJWT, decodeJwt, decodeProtectedHeader, errors as jose, jwtVerify } from 'jose';
import type { AppContext } from '../context.js';
import { deriveJwtKey } from '../crypto/derive.js';
import { DekiError } from '../errors.js';
import type { TokenRow } from '../store/schema.js';
import { isSeatedActive } from '../users/store.js';
import type { Principal } from './principal.js';

const AUDIENCE = 'auth-service-Server';

/** The `iss` claim: the site URL with a trailing slash. */
function issuer(ctx: AppContext): string {
  return `${ctx.config.siteUrl}/`;
}

function signingKey(ctx: AppContext, token: TokenRow): KeyObject | undefined {
  const master = token.jwt_key_id ? ctx.keys.byId(token.jwt_key_id) : undefined;
  if (!master) return undefined;
  // Derived once per token and node; a KeyObject also spares jose importing the key on every request.
  return ctx.cache.derived(token, 'jwt-key', () => createSecretKey(deriveJwtKey(master, token.id, token.key)));
}

/** Mints the token's JWT. `token` must already carry `jwt_key_id` and `jwt_issued_at`. */
export async function issueJwt(ctx: AppContext, token: TokenRow): Promise<string> {
  const key = signingKey(ctx, token);
  if (!key || token.jwt_issued_at === null) throw new TypeError('issueJwt: token has no JWT fields');
  const iat = Math.floor(token.jwt_issued_at / 1000);
  const exp = new Date(iat * 1000);
  exp.setUTCFullYear(exp.getUTCFullYear() + 10); // ten calendar years, like Expert's AddYears(10)
  return new SignJWT({ sub: token.key, aud: AUDIENCE, exp: Math.floor(exp.getTime() / 1000), iss: issuer(ctx), iat, nbf: iat - 1 })
    .setProtectedHeader({ alg: 'HS512', kid: String(token.id), typ: 'JWT' })
    .sign(key);
}

/** A value in a Bearer header is taken for a JWT when it has a dot or starts like one (`eyJ`). */
export function looksLikeJwt(value: string): boolean {
  return value.includes('.') || value.startsWith('eyJ');
}

const B64URL = /^[A-Za-z0-9_-]+$/;

function parse(jwt: string): { alg: unknown; kid: string } {
  const parts = jwt.split('.');
  if (parts.length !== 3 || !B64URL.test(parts[0]!) || !B64URL.test(parts[1]!) || !/^[A-Za-z0-9_-]*$/.test(parts[2]!)) {
    throw new DekiError('JWT_UNPARSEABLE');
  }
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jwt);
    decodeJwt(jwt);
  } catch {
    throw new DekiError('JWT_UNPARSEABLE');
  }
  if (typeof header.kid !== 'string' || header.kid === '') throw new DekiError('JWT_UNPARSEABLE');
  return { alg: header.alg, kid: header.kid };
}

/**
 * Verifies a long-term JWT and returns the principal it proves, in order: parse → algorithm →
 * token by `kid` → signature and claims → token not expired → bound user active and seated.
 * A JWT this node already verified, with its user cached, is checked without waiting on anything.
 */
export async function verifyJwt(ctx: AppContext, jwt: string): Promise<Principal> {
  const now = ctx.config.now();
  const token = recalledJwt(ctx, jwt, now) ?? (await verifySignatureAndClaims(ctx, jwt));
  if (token.expires_at !== null && token.expires_at <= now) throw new DekiError('TOKEN_EXPIRED').about(token.id);
  const user = ctx.cache.cachedUserById(token.jwt_user_id!) ?? (await ctx.cache.userById(token.jwt_user_id!));
  if (!user || !isSeatedActive(user)) throw new DekiError('USER_INVALID').about(token.id);
  return { user, credential: { kind: 'jwt', tokenId: token.id } };
}

/**
 * A JWT string this node already verified against the unchanged token needs only its time window
 * checked again: HS512 verification through jose costs ~80 µs, most of an authenticated request
 * (bench/findings.md); the proof is dropped with the token on any change.
 */
function recalledJwt(ctx: AppContext, jwt: string, nowMs: number): TokenRow | undefined {
  const known = ctx.cache.recallJwt(jwt);
  if (!known) return undefined;
  const now = nowMs / 1000;
  if (now < known.nbf || now >= known.exp) throw new DekiError('JWT_INVALID').about(known.token.id);
  return known.token;
}

/** The cryptographic part, for a JWT string not verified on this node yet. */
async function verifySignatureAndClaims(ctx: AppContext, jwt: string): Promise<TokenRow> {
  const { alg, kid } = parse(jwt);
  if (alg !== 'HS512' || !/^[1-9]\d{0,15}$/.test(kid)) throw new DekiError('JWT_INVALID');
  const token = await ctx.cache.tokenById(Number(kid));
  const key = token && token.type === 'server' && token.jwt_user_id !== null ? signingKey(ctx, token) : undefined;
  if (!token || !key) throw new DekiError('JWT_INVALID');
  try {
    const { payload } = await jwtVerify(jwt, key, {
      algorithms: ['HS512'],
      audience: AUDIENCE,
      issuer: issuer(ctx),
      subject: token.key,
      requiredClaims: ['exp', 'iat', 'nbf'],
      currentDate: new Date(ctx.config.now()),
    });
    ctx.cache.rememberJwt(jwt, token, { nbf: payload.nbf!, exp: payload.exp! });
    return token;
  } catch (err) {
    // Every jose failure (signature, claim, expiry) is the same answer to the client.
    if (err instanceof jose.JOSEError) throw new DekiError('JWT_INVALID').about(token.id);
    throw err;
  }
}
