// Forged credentials: AccessTokens on pushMsg, customer JWTs (incl. `alg: none`) on the customer endpoints and
// streams, auth-v2 signatures on the webhook. Every one refused, nothing stored. Prints `# hostile input (credentials): …`.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { signAuthV2 } from '../../src/aicc/authV2.js';
import { downLinkMsg, pushBody, PUSH_KEY } from '../support/fixtures.js';
import { CUSTOMER_TOKEN_SECRET, PUSH_ACCESS_KEY, customerToken } from '../support/gateway.js';
import {
  ACCESS_TOKEN_KEY, VISITOR_TOKEN_KEY, TOKEN_SECRET, PUSH_PATH, WEBHOOK_PATH, auth, gw, tally, send, pushRaw,
  within, property, now, useHostileGateway, reportTally, type Obj, RUNS,
} from '../support/hostile.js';
import { connectSse, connectWs } from '../support/streams.js';

useHostileGateway();
reportTally('credentials');

let run = 0;

const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const unsigned = (header: Obj, payload: Obj, signature = '') => `${b64url(header)}.${b64url(payload)}.${signature}`;
const sign = (payload: Obj, secret: string | Uint8Array, alg = 'HS256') =>
  new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT' }).sign(typeof secret === 'string' ? new TextEncoder().encode(secret) : secret);

/** Variants of a real token: cut short, one character changed in each part, parts swapped or dropped. */
function spoiled(token: string): string[] {
  const [h, p, s] = token.split('.') as [string, string, string];
  const flip = (part: string, at: number) => part.slice(0, at) + (part[at] === 'A' ? 'B' : 'A') + part.slice(at + 1);
  return [
    token.slice(0, -1), token.slice(0, token.length >> 1), token.slice(0, h.length), `${h}.${p}`, `${h}.${p}.`,
    `${flip(h, 3)}.${p}.${s}`, `${h}.${flip(p, 5)}.${s}`, `${h}.${p}.${flip(s, 7)}`, `${h}.${p}.${s}.${s}`,
    `${h}.${p}.${s.toUpperCase()}`, `${p}.${h}.${s}`, `${h}..${s}`, `..`, token + 'x', token.replace(/\./g, ''),
  ];
}

/** `alg: none` in every spelling, with no signature and with a real one left on. */
function algNone(payload: Obj, realSignature: string): string[] {
  return ['none', 'None', 'NONE', 'nOnE'].flatMap((alg) => [
    unsigned({ alg, typ: 'JWT' }, payload), unsigned({ alg }, payload, realSignature), unsigned({ alg: 'HS256' }, payload),
  ]);
}

describe('credentials', () => {
  it('pushMsg: forged, truncated, expired, alg none, another secret, another app or audience: 401, nothing stored', async () => {
    const to = `CRED.${++run}`;
    const raw = JSON.stringify(pushBody([downLinkMsg({ to })]));
    const real = await gw.token('app1');
    const claims = { scope: 'pushMsg', sub: 'app1', aud: 'aicc-gateway:pushMsg', iat: now(), exp: now() + 600 };
    const visitor = (await gw.request('POST', '/v1/visitors')).body as { visitorId: string; token: string };
    const cases: [string, string, string][] = [
      ...algNone(claims, real.split('.')[2]!).map((t): [string, string, string] => ['alg none', 'app1', t]),
      ...spoiled(real).map((t): [string, string, string] => ['spoiled', 'app1', t]),
      ['another secret', 'app1', await sign(claims, 'not-the-gateway-secret-0123456789abcdef')],
      ['expired', 'app1', await sign({ ...claims, iat: now() - 700, exp: now() - 60 }, ACCESS_TOKEN_KEY)],
      ['not yet valid', 'app1', await sign({ ...claims, nbf: now() + 600 }, ACCESS_TOKEN_KEY)],
      ['no audience', 'app1', await sign({ ...claims, aud: undefined }, ACCESS_TOKEN_KEY)],
      ['visitor audience', 'app1', await sign({ ...claims, aud: 'aicc-gateway:visitor' }, ACCESS_TOKEN_KEY)],
      ['HS512 with the right secret', 'app1', await sign(claims, ACCESS_TOKEN_KEY, 'HS512')],
      ['an app not configured', 'app9', await sign({ ...claims, sub: 'app9' }, ACCESS_TOKEN_KEY)],
      ['app2 token for app1', 'app1', await gw.token('app2')],
      ['app1 token for app2', 'app2', real],
      ['a visitor token', visitor.visitorId, visitor.token],
      ['a customer token', 'app1', await customerToken('app1')],
      ['an empty sub', '', await sign({ ...claims, sub: '' }, ACCESS_TOKEN_KEY)],
      ['signed with the visitor key', 'app1', await sign(claims, VISITOR_TOKEN_KEY)],
      ['signed with the bare TOKEN_SECRET', 'app1', await sign(claims, TOKEN_SECRET)],
    ];
    for (const [name, appKey, token] of cases) {
      const answer = await send('POST', PUSH_PATH, raw, { 'content-type': 'application/json', 'x-app-key': appKey, authorization: `Bearer ${token}` });
      assert.equal(answer.status, 401, `${name} (${token}): ${answer.text}`);
      assert.equal(answer.body.resultCode, '3');
    }
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[\x21-\x7e]{1,400}$/), fc.constantFrom('app1', 'app2', 'x'), async (token, appKey) => {
        const answer = await send('POST', PUSH_PATH, raw, { 'content-type': 'application/json', 'x-app-key': appKey, authorization: `Bearer ${token}` });
        assert.equal(answer.status, 401, answer.text);
      }),
      { ...property, numRuns: Math.min(RUNS, 100) },
    );
    assert.equal((await gw.gateway.engine.readSince(to, 0, 10)).length, 0);
    // The real token still works: the refusals above were about the tokens, not the push.
    assert.equal((await send('POST', PUSH_PATH, raw, { 'content-type': 'application/json', 'x-app-key': 'app1', authorization: `Bearer ${real}` })).status, 200);
  });

  it('customer tokens: forged ones get 401 on /v1/messages and SSE, and close 4001 on the WebSocket', async () => {
    const victim = `victim.${++run}`;
    assert.equal((await pushRaw(JSON.stringify(pushBody([downLinkMsg({ to: victim, content: 'private' })])))).status, 200);
    const real = await customerToken(victim);
    const claims = { sub: victim, iat: now(), exp: now() + 600 };
    const cases: [string, string][] = [
      ...algNone(claims, real.split('.')[2]!).map((t): [string, string] => ['alg none', t]),
      ...spoiled(real).map((t): [string, string] => ['spoiled', t]),
      ['another secret', await customerToken(victim, 600, 'someone-elses-secret-0123456789abcdef')],
      ['expired', await customerToken(victim, -60)],
      ['no exp', await sign({ sub: victim }, CUSTOMER_TOKEN_SECRET)],
      ['no sub', await sign({ exp: now() + 600 }, CUSTOMER_TOKEN_SECRET)],
      ['blank sub', await sign({ ...claims, sub: '   ' }, CUSTOMER_TOKEN_SECRET)],
      ['sub over 128', await sign({ ...claims, sub: 'v'.repeat(129) }, CUSTOMER_TOKEN_SECRET)],
      ['visitor audience signed with the customer secret', await sign({ ...claims, aud: 'aicc-gateway:visitor' }, CUSTOMER_TOKEN_SECRET)],
      ['HS512 with the customer secret', await sign(claims, CUSTOMER_TOKEN_SECRET, 'HS512')],
      ['a pushMsg AccessToken', await gw.token('app1')],
      ['pushMsg audience signed with the gateway secret', await sign({ ...claims, aud: 'aicc-gateway:pushMsg' }, ACCESS_TOKEN_KEY)],
      ['visitor audience signed with the AccessToken key', await sign({ ...claims, aud: 'aicc-gateway:visitor' }, ACCESS_TOKEN_KEY)],
      ['garbage', 'not-a-jwt'],
    ];
    for (const [name, token] of cases) {
      const history = await send('GET', `/v1/messages?token=${encodeURIComponent(token)}`, undefined, {});
      assert.equal(history.status, 401, `${name} (${token}): ${history.text}`);
      assert.equal(history.body.resultCode, '3');
      assert.doesNotMatch(history.text, /private/);
      const byHeader = await send('GET', '/v1/messages', undefined, { authorization: `Bearer ${token}` });
      assert.equal(byHeader.status, 401, `${name} by header`);
      tally.tried += 2;
      const sse = await connectSse(gw.url, { authorization: `Bearer ${token}` });
      assert.equal(sse.status, 401, `${name} on SSE`);
      const ws = await connectWs(gw.url, token);
      const closed = await within(ws.closed, `${name}: the WebSocket is closed`);
      assert.equal(closed.code, 4001, `${name} on WebSocket: ${closed.reason}`);
      assert.equal(ws.messages().length, 0);
      tally.refused += 2;
    }
    const allowed = await send('GET', '/v1/messages', undefined, { authorization: `Bearer ${real}` });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.body.messages[0].message.content, 'private');
  });

  it('webhook: forged, truncated, replayed or misplaced auth-v2 signatures: 401, nothing stored', async () => {
    const to = `WH.${++run}`;
    const raw = JSON.stringify(pushBody([downLinkMsg({ to, messageCode: 'wh' })]));
    const headers = { 'content-type': 'application/json' };
    const signed = (overrides: Partial<Parameters<typeof signAuthV2>[0]> = {}) =>
      signAuthV2({
        accessKey: PUSH_ACCESS_KEY, pushKey: PUSH_KEY, method: 'POST', path: WEBHOOK_PATH, headers,
        signedHeaders: ['content-type'], body: raw, timestampMs: Date.now(), ...overrides,
      });
    const good = signed();
    const parts = good.split('/');
    const signature = parts[4]!;
    const flipped = signature.slice(0, 10) + (signature[10] === 'a' ? 'b' : 'a') + signature.slice(11);
    const cases: [string, string, string, number][] = [
      ['one hex digit changed', [...parts.slice(0, 4), flipped].join('/'), raw, 401],
      ['signature cut short', good.slice(0, -1), raw, 401],
      ['signature cut in half', good.slice(0, good.length - 32), raw, 401],
      ['no signature', parts.slice(0, 4).join('/'), raw, 401],
      ['empty signature', `${parts.slice(0, 4).join('/')}/`, raw, 401],
      ['upper-case hex', [...parts.slice(0, 4), signature.toUpperCase()].join('/'), raw, 401],
      ['signature of another body', signed({ body: raw.replace('hello', 'HELLO') }), raw, 401],
      ['body changed after signing', good, raw.replace('hello', 'HELLO'), 401],
      ['another push key', signed({ pushKey: PUSH_KEY.replace('A', 'B') }), raw, 401],
      ['an unknown access key', signed({ accessKey: 'ak-unknown' }), raw, 401],
      ['timestamp changed after signing', [parts[0], parts[1], String(Number(parts[2]) + 1), parts[3], signature].join('/'), raw, 401],
      ['signed headers changed after signing', [parts[0], parts[1], parts[2], '', signature].join('/'), raw, 401],
      ['signed for another path', signed({ path: '/webhooks/v1/other' }), raw, 401],
      ['signed for another method', signed({ method: 'PUT' }), raw, 401],
      ['auth-v2 only', 'auth-v2', raw, 401],
      ['a Bearer token', `Bearer ${await gw.token('app1')}`, raw, 401],
      ['alg none JWT', `Bearer ${unsigned({ alg: 'none' }, { sub: PUSH_ACCESS_KEY })}`, raw, 401],
      ['very long', `auth-v2/${'a'.repeat(8000)}/${parts[2]}/content-type/${signature}`, raw, 401],
      ['extra segments', `${good}/${signature}`, raw, 401],
    ];
    for (const [name, authorization, body, status] of cases) {
      const answer = await send('POST', WEBHOOK_PATH, body, { ...headers, authorization });
      assert.equal(answer.status, status, `${name}: ${answer.text}`);
      assert.notEqual(answer.body.resultCode, '0');
    }
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.stringMatching(/^[\x20-\x7e]{1,300}$/), fc.stringMatching(/^auth-v2\/[a-z0-9]{1,8}\/[0-9]{10,16}\/[a-z;-]{0,20}\/[0-9a-f]{0,70}$/)), async (authorization) => {
        const answer = await send('POST', WEBHOOK_PATH, raw, { ...headers, authorization });
        assert.equal(answer.status, 401, `${authorization}: ${answer.text}`);
      }),
      { ...property, numRuns: Math.min(RUNS, 100) },
    );
    assert.equal((await gw.gateway.engine.readSince(to, 0, 10)).length, 0);
    const accepted = await send('POST', WEBHOOK_PATH, raw, { ...headers, authorization: signed() });
    assert.equal(accepted.status, 200, accepted.text);
  });
});
