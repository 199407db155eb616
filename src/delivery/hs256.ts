// The common customer token checked with node:crypto (HMAC-SHA256, compared in constant time) instead of jose's
// WebCrypto path, which costs a reconnect storm a promise job and a thread-pool hop per token: a compact JWS whose
// header is a plain `{"alg":"HS256"}` (with `typ`, `kid`, anything but `crit` and `b64`). Any other token is
// left to jose (`undefined`), so what is accepted and refused, and why, stays jose's.

import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

/** A token this module can check: its claims (read before the signature is checked: they pick the key). */
export interface PlainHs256 {
  claims: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The parts of a compact HS256 JWT with a plain header and a JSON-object payload; undefined for anything else. */
export function plainHs256(token: string): PlainHs256 | undefined {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first < 0 || second < 0 || token.indexOf('.', second + 1) >= 0) return undefined;
  const header = token.slice(0, first);
  const payload = token.slice(first + 1, second);
  const signature = token.slice(second + 1);
  // HMAC-SHA256's 32 bytes are 43 base64url characters; segments of a length base64 cannot have are jose's to refuse.
  if (signature.length !== 43 || !SEGMENT.test(signature) || !decodable(header) || !decodable(payload)) return undefined;
  const protectedHeader = jsonObject(header);
  if (!protectedHeader || protectedHeader.alg !== 'HS256' || 'crit' in protectedHeader || 'b64' in protectedHeader) return undefined;
  const claims = jsonObject(payload);
  if (!claims) return undefined;
  return { claims, signingInput: token.slice(0, second), signature: Buffer.from(signature, 'base64url') };
}

/** Whether the token's signature is `key`'s HMAC-SHA256 of its header and payload (compared in constant time). */
export function hs256Signed(token: PlainHs256, key: KeyObject): boolean {
  const expected = createHmac('sha256', key).update(token.signingInput).digest();
  return timingSafeEqual(expected, token.signature);
}

/** The secret as a KeyObject, made once per secret. */
export function hmacKeys(): (secret: Uint8Array) => KeyObject {
  const keys = new Map<Uint8Array, KeyObject>();
  return (secret) => {
    let key = keys.get(secret);
    if (!key) keys.set(secret, (key = createSecretKey(secret)));
    return key;
  };
}

/** A claim check failed: shaped as jose's errors (`code`, `claim`), so one handler reads either. */
export class ClaimFailed extends Error {
  constructor(
    readonly code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' | 'ERR_JWT_EXPIRED',
    readonly claim: string,
  ) {
    super(`the "${claim}" claim failed its check`);
  }
}

/**
 * The claim checks jose's jwtVerify makes with `requiredClaims: ['exp', 'sub']` and `audience` (when given), no
 * clock tolerance, in its order: presence (aud, sub, exp), the audience, `iat`'s and `nbf`'s type, `nbf` not in the
 * future, `exp` a number and not past.
 */
export function checkClaims(claims: Record<string, unknown>, audience: string | undefined, nowMs = Date.now()): void {
  for (const claim of audience !== undefined ? ['aud', 'sub', 'exp'] : ['sub', 'exp']) {
    if (!Object.hasOwn(claims, claim)) throw new ClaimFailed('ERR_JWT_CLAIM_VALIDATION_FAILED', claim);
  }
  if (audience !== undefined) {
    const aud = claims.aud;
    const names = typeof aud === 'string' ? aud === audience : Array.isArray(aud) && aud.includes(audience);
    if (!names) throw new ClaimFailed('ERR_JWT_CLAIM_VALIDATION_FAILED', 'aud');
  }
  const now = Math.floor(nowMs / 1000);
  if (claims.iat !== undefined && typeof claims.iat !== 'number') throw new ClaimFailed('ERR_JWT_CLAIM_VALIDATION_FAILED', 'iat');
  const nbf = claims.nbf;
  if (nbf !== undefined && typeof nbf !== 'number') throw new ClaimFailed('ERR_JWT_CLAIM_VALIDATION_FAILED', 'nbf');
  if (typeof nbf === 'number' && nbf > now) throw new ClaimFailed('ERR_JWT_CLAIM_VALIDATION_FAILED', 'nbf');
  const exp = claims.exp;
  if (typeof exp !== 'number') throw new ClaimFailed('ERR_JWT_CLAIM_VALIDATION_FAILED', 'exp');
  if (exp <= now) throw new ClaimFailed('ERR_JWT_EXPIRED', 'exp');
}

/** base64url without padding, of a length that decodes to whole bytes (not 1 more than a multiple of 4). */
function decodable(segment: string): boolean {
  return segment.length % 4 !== 1 && SEGMENT.test(segment);
}

function jsonObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(strictUtf8.decode(Buffer.from(segment, 'base64url')));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
