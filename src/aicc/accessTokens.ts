// The AccessTokens that tokenByAkSk issues and pushMsg checks. A token is a JWT (HS256) naming the app it was
// issued to, so it needs no lookup, survives a restart (the signing secret is kept in DATA_DIR, or set with
// TOKEN_SECRET so that every node of a cluster accepts every token) and stops working when it expires.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, jwtVerify } from 'jose';
import { GatewayError } from '../errors.js';
import type { IssuedTokenAnswer } from './api.js';

const AUDIENCE = 'aicc-gateway:pushMsg';
const SECRET_FILE = 'token-secret';
const VERIFIED_CACHE_SIZE = 1024;

export type IssuedToken = IssuedTokenAnswer;

export interface AccessTokens {
  /** Checks app credentials in constant time; throws UNAUTHORIZED without saying which part was wrong. */
  issue(appKey: string, appSecret: string, ttlSeconds: number): Promise<IssuedToken>;
  /** Checks a bearer token and that it was issued to `appKey`; throws UNAUTHORIZED otherwise. */
  verify(token: string, appKey: string): Promise<void>;
}

export function createAccessTokens(options: { apps: ReadonlyMap<string, string>; secret: Uint8Array }): AccessTokens {
  const { apps, secret } = options;
  // Compared against when the app key is unknown, so that a wrong key costs the same time as a wrong secret.
  const decoy = randomBytes(32).toString('hex');
  // AICC reuses one token for every push until it expires: verifying its signature once is enough. The map is
  // keyed by the whole token, so a forged token can only ever miss; it is bounded, oldest entries go first.
  // `appKey` is the x-app-key the token was last accepted with: the same key again needs no second comparison
  // (the subject is no secret: it is readable in the token itself).
  const verified = new Map<string, Verdict>();
  const remember = (token: string, entry: Verdict) => {
    if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
    verified.set(token, entry);
  };

  return {
    async issue(appKey, appSecret, ttlSeconds) {
      const expected = apps.get(appKey);
      const secretMatches = constantTimeEqual(appSecret, expected ?? decoy);
      if (expected === undefined || !secretMatches) {
        throw new GatewayError('UNAUTHORIZED', 'the app credentials were not accepted');
      }
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ scope: 'pushMsg' })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(appKey)
        .setAudience(AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(now + ttlSeconds)
        .setJti(randomBytes(9).toString('base64url'))
        .sign(secret);
      return {
        AccessToken: token,
        ApplyType: 'Bearer',
        CreateTime: String(now),
        Expires: String(ttlSeconds),
        Scope: 'pushMsg',
        AppKey: appKey,
        UserID: 'Anonymous',
      };
    },

    async verify(token, appKey) {
      let known = verified.get(token);
      if (known && known.expiresAtMs <= Date.now()) known = undefined;
      if (known && known.appKey === appKey && apps.has(appKey)) return;
      if (!known) {
        try {
          const { payload } = await jwtVerify(token, secret, { audience: AUDIENCE, algorithms: ['HS256'] });
          known = { subject: payload.sub, expiresAtMs: (payload.exp ?? 0) * 1000, appKey: undefined };
          remember(token, known);
        } catch {
          throw new GatewayError('UNAUTHORIZED', 'the access token is invalid or has expired; apply for a new one');
        }
      }
      // An app removed from AICC_APPS loses its tokens at once, and a token only speaks for its own app.
      if (known.subject === undefined || !constantTimeEqual(known.subject, appKey) || !apps.has(appKey)) {
        throw new GatewayError('UNAUTHORIZED', 'the access token was not issued to this x-app-key');
      }
      known.appKey = appKey;
    },
  };
}

type Verdict = { subject: string | undefined; expiresAtMs: number; appKey: string | undefined };

/** Compares two strings in time that depends on neither's content (both are hashed to equal lengths first). */
export function constantTimeEqual(a: string, b: string): boolean {
  const digestA = createHash('sha256').update(a).digest();
  const digestB = createHash('sha256').update(b).digest();
  return timingSafeEqual(digestA, digestB);
}

/** The signing secret: TOKEN_SECRET when set, else one generated on first start and kept (mode 0600). */
export function loadTokenSecret(dataDir: string, configured: string | undefined): Uint8Array {
  if (configured) return new TextEncoder().encode(configured);
  const path = join(dataDir, SECRET_FILE);
  try {
    return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64url');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const secret = randomBytes(32);
  // 'wx' fails if another process wrote the file meanwhile; then that one's secret is the one to use.
  try {
    writeFileSync(path, secret.toString('base64url'), { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64url');
  }
}
