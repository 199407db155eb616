// The customer token's fast check (src/delivery/hs256.ts) decides as jose's jwtVerify does, claim by claim, and
// leaves to jose every token it is not sure of; and the gateway's verify gives the same answers through either.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { jwtVerify } from 'jose';
import { createCustomerTokens } from '../../src/delivery/identity.js';
import { checkClaims, hmacKeys, hs256Signed, plainHs256 } from '../../src/delivery/hs256.js';

const SECRET = new TextEncoder().encode('unit-secret-0123456789abcdef0123456789');
const OTHER = new TextEncoder().encode('another-secret-0123456789abcdef012345');
const now = Math.floor(Date.now() / 1000);
const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function sign(header: unknown, claims: unknown, key = SECRET): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

/** jose's verdict: 'ok', or the error's code and claim. */
async function jose(token: string, audience: string | undefined): Promise<string> {
  try {
    await jwtVerify(token, SECRET, { algorithms: ['HS256'], requiredClaims: ['exp', 'sub'], ...(audience !== undefined ? { audience } : {}) });
    return 'ok';
  } catch (err) {
    const { code, claim } = err as { code?: string; claim?: string };
    return claim ? `${code} ${claim}` : String(code);
  }
}

/** The fast path's verdict in the same form; undefined when it leaves the token to jose. */
function fast(token: string, audience: string | undefined): string | undefined {
  const plain = plainHs256(token);
  if (!plain) return undefined;
  if (!hs256Signed(plain, hmacKeys()(SECRET))) return 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED';
  try {
    checkClaims(plain.claims, audience);
    return 'ok';
  } catch (err) {
    const { code, claim } = err as { code: string; claim: string };
    return `${code} ${claim}`;
  }
}

const HS = { alg: 'HS256', typ: 'JWT' };
const base = { sub: 'c-1', aud: 'aicc-gateway', exp: now + 600 };

describe('the HS256 fast check', () => {
  const claimSets: [string, Record<string, unknown>][] = [
    ['valid', base],
    ['valid, with iat, nbf now and extra claims', { ...base, iat: now, nbf: now, name: 'Ann', locale: 'zh-CN' }],
    ['expired', { ...base, exp: now - 1 }],
    ['expiring this second', { ...base, exp: now }],
    ['exp a string', { ...base, exp: String(now + 600) }],
    ['no exp', { sub: 'c-1', aud: 'aicc-gateway' }],
    ['no sub', { aud: 'aicc-gateway', exp: now + 600 }],
    ['no aud', { sub: 'c-1', exp: now + 600 }],
    ['another aud', { ...base, aud: 'someone-else' }],
    ['aud an array naming ours', { ...base, aud: ['x', 'aicc-gateway'] }],
    ['aud an array not naming ours', { ...base, aud: ['x', 'y'] }],
    ['aud a number', { ...base, aud: 7 }],
    ['nbf in the future', { ...base, nbf: now + 60 }],
    ['nbf a string', { ...base, nbf: 'soon' }],
    ['iat a string', { ...base, iat: 'today' }],
    ['iat in the future (not checked)', { ...base, iat: now + 3600 }],
  ];
  for (const [name, claims] of claimSets) {
    for (const audience of ['aicc-gateway', undefined]) {
      it(`${name}, audience ${audience ?? 'not asked'}: the same verdict as jose`, async () => {
        const token = sign(HS, claims);
        assert.equal(fast(token, audience), await jose(token, audience));
      });
    }
  }

  it('refuses a signature of another key, as jose does', async () => {
    const token = sign(HS, base, OTHER);
    assert.equal(fast(token, 'aicc-gateway'), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    assert.equal(await jose(token, 'aicc-gateway'), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  });

  it('leaves to jose what it is not sure of: other algorithms, crit, b64, odd shapes and payloads', () => {
    const valid = sign(HS, base);
    const [h, p, s] = valid.split('.') as [string, string, string];
    const leftToJose = [
      sign({ alg: 'HS512' }, base),
      sign({ alg: 'none' }, base),
      sign({ alg: 'HS256', crit: ['exp'] }, base),
      sign({ alg: 'HS256', b64: false, crit: ['b64'] }, base),
      sign(['HS256'], base),
      sign(HS, [base]),
      sign(HS, 'not json'),
      `${h}.${p}`,
      `${h}.${p}.${s}.${s}`,
      `${h}.${p}.${s}x`,
      `${h}.${p}.${s.slice(0, 42)}+`,
      `${h}.${p}=.${s}`,
      `${h}x.${p}.${s}`,
      `${h}.${b64('\xff')}.${s}`,
    ];
    for (const token of leftToJose) assert.equal(fast(token, 'aicc-gateway'), undefined, token);
    assert.equal(fast(valid, 'aicc-gateway'), 'ok');
    assert.equal(fast(sign({ alg: 'HS256', kid: 'k1' }, base), 'aicc-gateway'), 'ok');
  });

  it('gives the gateway\'s verify the answers it gave through jose, and a 401 for a sub that is not a string', async () => {
    const tokens = createCustomerTokens({ customerSecret: new TextDecoder().decode(SECRET), audience: 'aicc-gateway', requireAudience: true, visitorKey: OTHER, visitorTtlSeconds: 600 });
    const answer = (token: string) => tokens.verify(token).then((identity) => `ok ${identity.customerId} ${identity.expiresAtMs}`, (err: Error) => err.message);
    assert.equal(await answer(sign(HS, base)), `ok c-1 ${base.exp * 1000}`);
    assert.equal(await answer(sign(HS, { ...base, exp: now - 5 })), 'the customer token has expired');
    assert.equal(await answer(sign(HS, { sub: 'c-1', exp: now + 600 })), 'the customer token names no aud: mint it with aud "aicc-gateway" (CUSTOMER_TOKEN_AUDIENCE), or set CUSTOMER_TOKEN_REQUIRE_AUDIENCE=off');
    assert.equal(await answer(sign(HS, { ...base, aud: 'other' })), 'the customer token\'s aud must be "aicc-gateway" (CUSTOMER_TOKEN_AUDIENCE)');
    assert.equal(await answer(sign(HS, base, OTHER)), 'the customer token is not valid');
    assert.equal(await answer(sign({ alg: 'HS512' }, base)), 'the customer token is not valid');
    assert.equal(await answer(sign(HS, { ...base, sub: 42 })), 'the customer token is not valid');
    assert.equal(await answer('a.b'), 'the customer token is not a JWT');
  });
});
