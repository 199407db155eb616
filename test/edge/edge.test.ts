// The customer edge as an attacker tries it, over real HTTP on loopback: percent-encoded paths against the
// limits and CORS, tokens minted for another audience, the router's own refusals, and ids that differ from a
// real one only by invisible characters.

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { ConfigError, loadConfig } from '../../src/config.js';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { CUSTOMER_TOKEN_SECRET, customerToken, startGateway, type InProcessGateway } from '../support/gateway.js';

let counter = 0;
const newCustomer = () => `edge-${process.pid}-${++counter}`;

function signed(claims: { sub: string; aud?: string | string[] }, secret = CUSTOMER_TOKEN_SECRET): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(claims.sub).setIssuedAt(now).setExpirationTime(now + 600);
  if (claims.aud !== undefined) jwt = jwt.setAudience(claims.aud);
  return jwt.sign(new TextEncoder().encode(secret));
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function isAnswer(body: unknown): boolean {
  const keys = Object.keys(body as object).sort();
  return keys.length === 3 && keys[0] === 'code' && keys[1] === 'resultCode' && keys[2] === 'resultDesc';
}

describe('percent-encoded paths: limits and CORS decide on the routed path', () => {
  let gw: InProcessGateway;
  before(async () => {
    gw = await startGateway({ ALLOWED_ORIGINS: 'https://shop.example', CLIENT_RATE_LIMIT: '5', TOKEN_RATE_LIMIT: '5' });
  });
  after(() => gw.close());

  it('refuses a page of another origin whatever the spelling of /v1', async () => {
    const token = await customerToken(newCustomer());
    for (const path of ['/v1/conversation', '/%761/conversation', '/%76%31/conversation', '/v1/%63onversation']) {
      const res = await gw.request('GET', path, undefined, { ...bearer(token), origin: 'https://evil.example' });
      assert.equal(res.status, 403, `${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.resultCode, '9');
    }
  });

  it('counts /%761/… against CLIENT_RATE_LIMIT like /v1/…', async () => {
    const token = await customerToken(newCustomer());
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => gw.request('GET', '/%761/conversation', undefined, bearer(token))),
    );
    const limited = answers.filter((a) => a.status === 429);
    assert.ok(limited.length > 0, `100 requests, limit 5 a second: ${answers.map((a) => a.status).join(',')}`);
    assert.ok(limited.every((a) => a.body.resultCode === '8' && a.headers.get('retry-after')));
  });

  it('counts an encoded tokenByAkSk against TOKEN_RATE_LIMIT: guessing secrets meets 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await gw.request('POST', '/apigovernance/api/oauth/%74okenByAkSk', { app_key: 'app1', app_secret: `guess-${i}` });
      statuses.push(res.status);
    }
    assert.deepEqual([...new Set(statuses.slice(0, 5))], [401], statuses.join(','));
    assert.ok(statuses.slice(5).every((s) => s === 429), `limit 5 a minute: ${statuses.join(',')}`);
  });
});

describe('customer tokens for another audience', () => {
  let gw: InProcessGateway;
  let strict: InProcessGateway;
  before(async () => {
    // Off: tokens without aud are accepted (deployments upgraded from before it was required).
    gw = await startGateway({ CUSTOMER_TOKEN_REQUIRE_AUDIENCE: 'off' });
    strict = await startGateway({ CUSTOMER_TOKEN_REQUIRE_AUDIENCE: 'on', CUSTOMER_TOKEN_AUDIENCE: 'chat.shop.example' });
  });
  after(async () => {
    await gw.close();
    await strict.close();
  });

  it('refuses a token that names another audience, keeps those that name ours or none', async () => {
    const sub = newCustomer();
    const cases: [string | string[] | undefined, number][] = [
      ['another-service', 401],
      [['another-service', 'billing'], 401],
      ['aicc-gateway', 200],
      [['another-service', 'aicc-gateway'], 200],
      [undefined, 200],
    ];
    for (const [aud, status] of cases) {
      const res = await gw.request('GET', '/v1/conversation', undefined, bearer(await signed({ sub, ...(aud ? { aud } : {}) })));
      assert.equal(res.status, status, `aud ${JSON.stringify(aud)}: ${JSON.stringify(res.body)}`);
      if (status === 401) assert.match(res.body.resultDesc, /aud/);
    }
  });

  it('with CUSTOMER_TOKEN_REQUIRE_AUDIENCE=on, refuses tokens without aud, on HTTP and on the stream', async () => {
    const sub = newCustomer();
    const none = await signed({ sub });
    assert.equal((await strict.request('GET', '/v1/conversation', undefined, bearer(none))).status, 401);
    assert.equal((await strict.request('GET', '/v1/conversation', undefined, bearer(await signed({ sub, aud: 'aicc-gateway' })))).status, 401);
    const sse = await strict.request('GET', `/v1/stream?token=${none}`, undefined, { accept: 'text/event-stream' });
    assert.equal(sse.status, 401);
    const ours = await signed({ sub, aud: 'chat.shop.example' });
    assert.equal((await strict.request('GET', '/v1/conversation', undefined, bearer(ours))).status, 200);
    // Visitors' tokens carry the gateway's own visitor audience and keep working.
    const visitor = await strict.request('POST', '/v1/visitors');
    assert.equal((await strict.request('GET', '/v1/conversation', undefined, bearer(visitor.body.token))).status, 200);
  });

  it('refuses to start when CUSTOMER_TOKEN_SECRET equals TOKEN_SECRET', () => {
    const secret = 'one-secret-for-everything-0123456789abcdef';
    assert.throws(
      () => loadConfig({ CUSTOMER_TOKEN_SECRET: secret, TOKEN_SECRET: secret }),
      (err: unknown) => err instanceof ConfigError && /CUSTOMER_TOKEN_SECRET must differ from TOKEN_SECRET/.test(err.message),
    );
    assert.equal(loadConfig({ CUSTOMER_TOKEN_SECRET: secret, TOKEN_SECRET: `${secret}-2` }).customerTokenRequireAudience, true);
  });
});

describe('ids that differ by invisible characters', () => {
  let gw: InProcessGateway;
  before(async () => {
    gw = await startGateway();
  });
  after(() => gw.close());

  const invisible = [' bob ', 'bob ', '\tbob', 'f\u0000x', 'bo\u200bb', '\ufeffbob', 'bob\u202e', 'a\nb', 'bob\u00a0'];

  it('refuses pushes to them with 400 naming messages[i].to, storing nothing of the push', async () => {
    for (const to of invisible) {
      const fine = newCustomer();
      const res = await gw.push(pushBody([downLinkMsg({ to: fine }), downLinkMsg({ to })]));
      assert.equal(res.status, 400, JSON.stringify(to));
      assert.equal(res.body.resultCode, '2');
      assert.match(res.body.resultDesc, /^messages\[1\]\.to: /);
      assert.equal((await gw.gateway.engine.conversation(to)).lastSeq, 0);
      assert.equal((await gw.gateway.engine.conversation(fine)).lastSeq, 0, 'all or nothing');
    }
  });

  it('refuses tokens whose sub is one, with 400 naming sub', async () => {
    for (const sub of invisible) {
      const res = await gw.request('GET', '/v1/messages', undefined, bearer(await customerToken(sub)));
      assert.equal(res.status, 400, JSON.stringify(sub));
      assert.match(res.body.resultDesc, /sub/);
    }
    // Ids that merely look unusual stay valid.
    for (const sub of ['bob', 'Bob Smith', 'user@example.com', '顧客-42', 'a/b:c']) {
      assert.equal((await gw.request('GET', '/v1/messages', undefined, bearer(await customerToken(sub)))).status, 200, sub);
    }
  });
});

describe('the router\'s own refusals', () => {
  let gw: InProcessGateway;
  before(async () => {
    gw = await startGateway();
  });
  after(() => gw.close());

  it('answers a malformed escape, an over-long segment and an unreadable request in the documented shape', async () => {
    const token = await customerToken(newCustomer());
    for (const path of ['/v1/media/%ZZ', '/v1/media/%E0%A4%A', `/v1/media/${'a'.repeat(5000)}`, '/%ZZ']) {
      const res = await gw.request('GET', path, undefined, bearer(token));
      assert.equal(res.status, 400, `${path.slice(0, 40)}: ${res.status}`);
      assert.ok(isAnswer(res.body), JSON.stringify(res.body));
      assert.equal(res.body.resultCode, '2');
    }
    const raw = await new Promise<string>((resolve, reject) => {
      const { port } = new URL(gw.url);
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('GET /v1 HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk) => (text += chunk));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    assert.match(raw, /^HTTP\/1\.1 400 /);
    assert.ok(isAnswer(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))), raw);
  });
});
