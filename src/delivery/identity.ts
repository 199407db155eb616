// Who a customer is. Two kinds of token, both JWTs whose `sub` is the customer id AICC uses as `to`:
// verified customers' tokens, signed by the company's backend with CUSTOMER_TOKEN_SECRET, and anonymous
// visitors' tokens, which the gateway issues itself with its own visitor key (src/secrets/) and a visitor audience.
// A customer token must name our audience (unless CUSTOMER_TOKEN_REQUIRE_AUDIENCE=off, and then one that names an
// audience must still name ours): the company may sign other services' JWTs with the same secret.

import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { SignJWT, decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import { idProblem } from '../aicc/customerId.js';
import { GatewayError } from '../errors.js';
import { bearerToken } from '../http/bearer.js';
import { AICC_CUSTOMER_ID_MAX_LENGTH } from '../limits.js';
import { checkClaims, hmacKeys, hs256Signed, plainHs256 } from './hs256.js';

const VISITOR_AUDIENCE = 'aicc-gateway:visitor';

export interface CustomerIdentity {
  customerId: string;
  kind: 'verified' | 'visitor';
  /** The customer's name as the agent should see it: the token's `name` claim (1–64 characters), if any. */
  name?: string;
  /** The customer's language in AICC's form (`zh_CN`, `en`): the token's `locale` claim, if any. */
  locale?: string;
  /** When the token stops being valid (ms since epoch). */
  expiresAtMs: number;
}

export interface VisitorToken {
  visitorId: string;
  token: string;
  expiresAt: number;
}

export interface CustomerTokens {
  /** Throws UNAUTHORIZED for a missing, forged, expired or malformed token. */
  verify(token: string | undefined): Promise<CustomerIdentity>;
  /** A new anonymous visitor and its token (carrying the visitor's language, when the widget gave it). */
  issueVisitor(locale?: string, name?: string): Promise<VisitorToken>;
  /** A fresh token for the same visitor. */
  refreshVisitor(identity: CustomerIdentity): Promise<VisitorToken>;
}

export interface CustomerTokenOptions {
  customerSecret: string | undefined;
  /** The `aud` a customer token must name when it names one (CUSTOMER_TOKEN_AUDIENCE). */
  audience: string;
  /** Refuse customer tokens without `aud` too (CUSTOMER_TOKEN_REQUIRE_AUDIENCE=on). */
  requireAudience: boolean;
  visitorKey: Uint8Array;
  visitorTtlSeconds: number;
  /**
   * The gateway sends to AICC for its customers (AICC_BASE_URL): a customer id longer than AICC takes is refused
   * here, saying why, rather than accepted and then every message failing.
   */
  sendsToAicc?: boolean;
}

export function createCustomerTokens(options: CustomerTokenOptions): CustomerTokens {
  const customerKey = options.customerSecret ? new TextEncoder().encode(options.customerSecret) : undefined;
  const refuse = (why: string) => new GatewayError('UNAUTHORIZED', why);
  // Imported once: given the raw bytes, jose imports a WebCrypto key on every verify, which was a third of a
  // stream's set-up in a reconnect storm (bench/storm.ts under --cpu-prof).
  // The common token (HS256, a plain header) is checked with node:crypto (./hs256.ts), without WebCrypto's promise
  // job and thread-pool hop: 14 % of the node's time in a reconnect storm went there (bench/stormCpu.ts).
  const hmacKey = hmacKeys();
  const verifyKeys = new Map<Uint8Array, Promise<CryptoKey>>();
  const verifyKey = (secret: Uint8Array): Promise<CryptoKey> => {
    let key = verifyKeys.get(secret);
    if (!key) verifyKeys.set(secret, (key = crypto.subtle.importKey('raw', secret as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])));
    return key;
  };

  async function sign(visitorId: string, locale: string | undefined, name: string | undefined): Promise<VisitorToken> {
    const nowMs = Date.now();
    const now = Math.floor(nowMs / 1000);
    const exp = Math.ceil(nowMs / 1000 + options.visitorTtlSeconds); // at least the lifetime asked for (whole seconds)
    const token = await new SignJWT({ ...(locale ? { locale } : {}), ...(name ? { name } : {}) })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(visitorId)
      .setAudience(VISITOR_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .sign(options.visitorKey);
    return { visitorId, token, expiresAt: exp * 1000 };
  }

  return {
    async verify(token) {
      if (!token) throw refuse('a customer token is required');
      const plain = plainHs256(token);
      let audience: unknown;
      if (plain) {
        audience = plain.claims.aud;
      } else {
        try {
          audience = decodeJwt(token).aud;
        } catch {
          throw refuse('the customer token is not a JWT');
        }
      }
      // The (unverified) audience only picks the key to verify with; the signature decides.
      const isVisitor = audience === VISITOR_AUDIENCE;
      const expected = isVisitor ? VISITOR_AUDIENCE : audience !== undefined || options.requireAudience ? options.audience : undefined;
      const key = isVisitor ? options.visitorKey : customerKey;
      if (!key) throw refuse('customer tokens are not enabled on this gateway (CUSTOMER_TOKEN_SECRET)');
      let payload: JWTPayload;
      try {
        if (plain) {
          if (!hs256Signed(plain, hmacKey(key))) throw refuse('the customer token is not valid');
          checkClaims(plain.claims, expected);
          payload = plain.claims as JWTPayload;
        } else {
          ({ payload } = await jwtVerify(token, await verifyKey(key), {
            algorithms: ['HS256'],
            requiredClaims: ['exp', 'sub'],
            ...(expected !== undefined ? { audience: expected } : {}),
          }));
        }
      } catch (err) {
        if (err instanceof GatewayError) throw err;
        const { code, claim } = err as { code?: string; claim?: string };
        if (code === 'ERR_JWT_EXPIRED') throw refuse('the customer token has expired');
        if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && claim === 'aud' && audience === undefined) {
          throw refuse(`the customer token names no aud: mint it with aud "${expected}" (CUSTOMER_TOKEN_AUDIENCE), or set CUSTOMER_TOKEN_REQUIRE_AUDIENCE=off`);
        }
        if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && claim === 'aud') {
          throw refuse(`the customer token's aud must be "${expected}" (CUSTOMER_TOKEN_AUDIENCE)`);
        }
        throw refuse('the customer token is not valid');
      }
      // jose does not look at the claim's type; a number here would fail below as a TypeError (a 500), not a 401.
      if (typeof payload.sub !== 'string') throw refuse('the customer token is not valid');
      const customerId = payload.sub;
      // The same rule as a push's `to`: an id that differs by an invisible character would be another, unread log.
      // A blank or over-long sub makes the token unusable (401); an id a person cannot read is the caller's to fix.
      const problem = idProblem(customerId);
      if (problem?.shape) throw refuse(`the customer token's sub ${problem.why}`);
      if (problem) throw new GatewayError('INVALID_PARAMETER', `the customer token's sub ${problem.why}`);
      const length = [...customerId].length;
      if (options.sendsToAicc && length > AICC_CUSTOMER_ID_MAX_LENGTH) {
        throw new GatewayError(
          'INVALID_PARAMETER',
          `the customer token's sub is ${length} characters; AICC takes customer ids of 1 to ${AICC_CUSTOMER_ID_MAX_LENGTH} ` +
            '(send, doLeaveMessage, saveSatisfaction), so none of this customer\'s messages could be sent: mint the token with a shorter id',
        );
      }
      const name = customerName(payload.name);
      const locale = aiccLocale(payload.locale);
      return {
        customerId,
        kind: isVisitor ? 'visitor' : 'verified',
        expiresAtMs: payload.exp! * 1000,
        ...(name ? { name } : {}),
        ...(locale ? { locale } : {}),
      };
    },

    issueVisitor: (locale, name) => sign(`v_${randomBytes(12).toString('base64url')}`, aiccLocale(locale), customerName(name)),

    async refreshVisitor(identity) {
      if (identity.kind !== 'visitor') throw refuse('only visitor tokens are refreshed here; ask your site for a new token');
      return sign(identity.customerId, identity.locale, identity.name);
    },
  };
}

/** Longest `name` claim passed on to AICC as the customer's name (a longer one is ignored, not cut). */
const NAME_MAX_LENGTH = 64;

/** A customer's name as applyToken's userName takes it: trimmed, 1–NAME_MAX_LENGTH characters; else undefined. */
function customerName(value: unknown): string | undefined {
  const name = typeof value === 'string' ? value.trim() : '';
  return name && [...name].length <= NAME_MAX_LENGTH ? name : undefined;
}

/** A language tag in AICC's applyToken form ("zh-CN" → "zh_CN", "EN" → "en"); undefined for anything else. */
export function aiccLocale(value: unknown): string | undefined {
  if (typeof value !== 'string' || !/^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})?$/.test(value)) return undefined;
  const [language, region] = value.split(/[-_]/);
  return region ? `${language!.toLowerCase()}_${region.toUpperCase()}` : language!.toLowerCase();
}

/** The token of a request: `Authorization: Bearer …`, or `?token=` where headers cannot be set (WebSocket, EventSource). */
export function tokenOf(headers: Record<string, string | string[] | undefined>, query: unknown): string | undefined {
  const bearer = bearerToken(headers.authorization);
  if (bearer) return bearer;
  const fromQuery = (query as { token?: unknown } | undefined)?.token;
  return typeof fromQuery === 'string' && fromQuery ? fromQuery : undefined;
}

/**
 * The customer of each request, known before its body is read: `onRequest` (a hook of the plugin that needs it)
 * verifies the token from the headers or the query, so a request without a valid one is refused (401) with
 * nothing of its body read; the route then takes the identity with `of`.
 */
export function identifyBeforeBody(tokens: CustomerTokens): {
  onRequest(request: FastifyRequest): Promise<void>;
  of(request: FastifyRequest): CustomerIdentity;
} {
  const identities = new WeakMap<FastifyRequest, CustomerIdentity>();
  return {
    async onRequest(request) {
      identities.set(request, await tokens.verify(tokenOf(request.headers, request.query)));
    },
    of(request) {
      const identity = identities.get(request);
      if (!identity) throw new Error('identifyBeforeBody: onRequest did not run for this route');
      return identity;
    },
  };
}
