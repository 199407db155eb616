// What operators rely on at the door: limits (429 with Retry-After, connections per customer), origins, security
// headers, direct TLS, the OpenAPI document. /metrics and `npm run status` are in test/ops/.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Agent, request } from 'undici';
import WebSocket from 'ws';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { customerToken, startGateway, tempDir } from '../support/gateway.js';
import { connectSse, connectWs, waitFor } from '../support/streams.js';

describe('limits', () => {
  it('answers pushes over PUSH_RATE_LIMIT per app key with 429 and Retry-After', async () => {
    const gw = await startGateway({ PUSH_RATE_LIMIT: '3' });
    try {
      const headers = { 'x-app-key': 'app1', authorization: `Bearer ${await gw.token('app1')}` };
      const answers = [];
      for (let i = 0; i < 10; i++) answers.push(await gw.push(pushBody([downLinkMsg({ to: 'limited' })]), headers));
      const limited = answers.filter((a) => a.status === 429);
      assert.ok(limited.length >= 1, 'some pushes were limited');
      assert.ok(answers.every((a) => a.status === 200 || a.status === 429));
      assert.equal(limited[0]!.body.resultCode, '8');
      assert.ok(Number(limited[0]!.headers.get('retry-after')) >= 1);
      // Another app has its own allowance.
      const other = await gw.push(pushBody([downLinkMsg({ to: 'limited' })]), { 'x-app-key': 'app2', authorization: `Bearer ${await gw.token('app2')}` });
      assert.equal(other.status, 200);
    } finally {
      await gw.close();
    }
  });

  it('limits customer requests and token requests per client address', async () => {
    const gw = await startGateway({ CLIENT_RATE_LIMIT: '5', TOKEN_RATE_LIMIT: '3' });
    try {
      const token = await customerToken('busy');
      const statuses = [];
      for (let i = 0; i < 12; i++) statuses.push((await gw.request('GET', '/v1/conversation', undefined, { authorization: `Bearer ${token}` })).status);
      assert.ok(statuses.includes(429) && statuses.includes(200), String(statuses));
      const tokenStatuses = [];
      for (let i = 0; i < 5; i++) {
        tokenStatuses.push((await gw.request('POST', '/apigovernance/api/oauth/tokenByAkSk', { app_key: 'app1', app_secret: 'nope' })).status);
      }
      assert.deepEqual(tokenStatuses.slice(0, 3), [401, 401, 401]);
      assert.equal(tokenStatuses[4], 429);
    } finally {
      await gw.close();
    }
  });

  it('allows at most MAX_CONNECTIONS_PER_CUSTOMER streams per customer', async () => {
    const gw = await startGateway({ MAX_CONNECTIONS_PER_CUSTOMER: '2' });
    try {
      const token = await customerToken('many-tabs');
      const [a, b] = [await connectWs(gw.url, token), await connectWs(gw.url, token)];
      await waitFor(() => a.frames.length > 0 && b.frames.length > 0, 'two streams');
      const third = await connectWs(gw.url, token);
      assert.equal((await third.closed).code, 4009);
      const sse = await connectSse(gw.url, { authorization: `Bearer ${token}` });
      assert.equal(sse.status, 429);
      a.close();
      await a.closed;
      await waitFor(() => gw.gateway.streams.size === 1, 'one stream left');
      const again = await connectWs(gw.url, token);
      await waitFor(() => again.frames.some((f) => f.type === 'hello'), 'a new stream once one closed');
      again.close();
      b.close();
    } finally {
      await gw.close();
    }
  });

  it('refuses a message longer than MESSAGE_MAX_CHARS, naming it', async () => {
    const gw = await startGateway({ MESSAGE_MAX_CHARS: '100' });
    try {
      const res = await gw.push(pushBody([downLinkMsg({ content: 'x'.repeat(101) })]));
      assert.equal(res.status, 400);
      assert.match(res.body.resultDesc, /messages\[0\]\.content: longer than MESSAGE_MAX_CHARS/);
    } finally {
      await gw.close();
    }
  });
});

describe('origins and headers', () => {
  it('refuses pages of other origins on /v1 and on the stream; allows the listed and the gateway\'s own', async () => {
    const gw = await startGateway({ ALLOWED_ORIGINS: 'https://shop.example.com' });
    try {
      const token = await customerToken('origin-test');
      const auth = { authorization: `Bearer ${token}` };
      assert.equal((await gw.request('GET', '/v1/conversation', undefined, { ...auth, origin: 'https://evil.example' })).status, 403);
      assert.equal((await gw.request('GET', '/v1/conversation', undefined, { ...auth, origin: 'https://shop.example.com' })).status, 200);
      assert.equal((await gw.request('GET', '/v1/conversation', undefined, { ...auth, origin: gw.url })).status, 200);
      const evil = new WebSocket(`${gw.url.replace('http', 'ws')}/v1/stream?token=${token}`, { origin: 'https://evil.example' });
      const code = await new Promise<number>((resolve) => evil.once('close', resolve));
      assert.equal(code, 4003);
    } finally {
      await gw.close();
    }
  });

  it('sends security headers on every answer', async () => {
    const gw = await startGateway();
    try {
      for (const path of ['/healthz', '/nowhere']) {
        const res = await gw.request('GET', path);
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
        assert.equal(res.headers.get('strict-transport-security'), null, 'HSTS only over TLS');
      }
    } finally {
      await gw.close();
    }
  });

  it('serves directly over TLS with TLS_CERT and TLS_KEY', async () => {
    const dir = tempDir('aicc-tls-');
    const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    const gw = await startGateway({ TLS_CERT: cert, TLS_KEY: key });
    try {
      assert.match(gw.url, /^https:/);
      const res = await request(`${gw.url}/healthz`, { dispatcher: new Agent({ connect: { rejectUnauthorized: false } }) });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['strict-transport-security'], 'max-age=31536000');
      assert.deepEqual(await res.body.json(), { status: 'ok' });
    } finally {
      await gw.close();
    }
  });
});

describe('OpenAPI', () => {
  it('describes the endpoints from their schemas at /docs/json, and serves /docs', async () => {
    const gw = await startGateway();
    try {
      const doc = (await gw.request('GET', '/docs/json')).body;
      assert.match(doc.openapi, /^3\./);
      const push = doc.paths['/apiaccess/ccmessaging/pushMsg'].post;
      const schema = push.requestBody.content['application/json'].schema;
      assert.ok(schema.properties.messages.items.properties.controlType, 'DownLinkMsg comes from the TypeBox schema');
      assert.ok(doc.paths['/apigovernance/api/oauth/tokenByAkSk']);
      assert.ok(doc.paths['/v1/messages']);
      assert.equal(doc.paths['/metrics'], undefined);
      const page = await fetch(`${gw.url}/docs`, { redirect: 'follow' });
      assert.equal(page.status, 200);
      assert.match(await page.text(), /swagger/i);
    } finally {
      await gw.close();
    }
  });
});
