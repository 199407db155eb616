// The AccessTokens that tokenByAkSk issues and pushMsg checks. A token is a JWT (HS256) naming the app it was
// issued to, so it needs no lookup, survives a restart (its key is derived from the gateway's secret, see
// src/secrets/, which every node of a cluster shares) and stops working when it expires.

import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { GatewayError } from '../errors.js';
import { constantTimeEqual } from '../secrets/compare.js';
import type { IssuedTokenAnswer } from './api.js';

const AUDIENCE = 'aicc-gateway:pushMsg';
const VERIFIED_CACHE_SIZE = 1024;

export interface AccessTokens {
  /** Checks app credentials in constant time; throws UNAUTHORIZED without saying which part was wrong. */
  issue(appKey: string, appSecret: string, ttlSeconds: number): Promise<IssuedTokenAnswer>;
  /** Checks a bearer token and that it was issued to `appKey`; throws UNAUTHORIZED otherwise. */
  verify(token: string, appKey: string): Promise<void>;
  /**
   * Whether `verify` would accept this token for `appKey` at once, from what it has already checked (AICC's token
   * on every push after the first): the caller may then skip the promise. False says nothing: call `verify`.
   */
  alreadyVerified(token: string, appKey: string): boolean;
}

export function createAccessTokens(options: { apps: ReadonlyMap<string, string>; key: Uint8Array }): AccessTokens {
  const { apps, key } = options;
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
      const nowMs = Date.now();
      const now = Math.floor(nowMs / 1000);
      // JWT times are whole seconds: rounding the expiry up means a token lives at least the seconds asked for,
      // never less (a 1 s token issued at x.999 would otherwise be dead 1 ms later).
      const exp = Math.ceil(nowMs / 1000 + ttlSeconds);
      const token = await new SignJWT({ scope: 'pushMsg' })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(appKey)
        .setAudience(AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(exp)
        .setJti(randomBytes(9).toString('base64url'))
        .sign(key);
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

    alreadyVerified(token, appKey) {
      const known = verified.get(token);
      return known !== undefined && known.expiresAtMs > Date.now() && known.appKey === appKey && apps.has(appKey);
    },

    async verify(token, appKey) {
      let known = verified.get(token);
      if (known && known.expiresAtMs <= Date.now()) known = undefined;
      if (known && known.appKey === appKey && apps.has(appKey)) return;
      if (!known) {
        try {
          const { payload } = await jwtVerify(token, key, { audience: AUDIENCE, algorithms: ['HS256'] });
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
