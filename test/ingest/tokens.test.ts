// tokenByAkSk over real HTTP: the documented answer, X-Token-Expire, wrong credentials, expiry, restarts.

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { APPS, startGateway, type InProcessGateway } from '../support/gateway.js';
import { createAccessTokens } from '../../src/aicc/accessTokens.js';
import { GatewayError } from '../../src/errors.js';

const TOKEN_PATH = '/apigovernance/api/oauth/tokenByAkSk';
let gw: InProcessGateway;

before(async () => {
  gw = await startGateway({ TOKEN_TTL_MAX: '1800' });
});
after(() => gw.close());

const apply = (body: unknown, headers: Record<string, string> = {}) => gw.request('POST', TOKEN_PATH, body, headers);
const pushWith = (token: string, appKey = 'app1') =>
  gw.push(pushBody([downLinkMsg()]), { 'x-app-key': appKey, authorization: `Bearer ${token}` });

describe('tokenByAkSk', () => {
  it('answers with the documented fields', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await apply({ app_key: 'app1', app_secret: APPS.app1 }, { 'X-Token-Expire': '600' });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body).sort(), ['AccessToken', 'AppKey', 'ApplyType', 'CreateTime', 'Expires', 'Scope', 'UserID']);
    assert.equal(res.body.ApplyType, 'Bearer');
    assert.equal(res.body.AppKey, 'app1');
    assert.equal(res.body.UserID, 'Anonymous');
    assert.equal(res.body.Expires, '600');
    assert.match(res.body.CreateTime, /^\d{10}$/);
    assert.ok(Number(res.body.CreateTime) >= before);
    assert.equal((await pushWith(res.body.AccessToken)).status, 200);
  });

  it('defaults the lifetime to 600 s and caps it at TOKEN_TTL_MAX', async () => {
    const byDefault = await apply({ app_key: 'app1', app_secret: APPS.app1 });
    assert.equal(byDefault.body.Expires, '600');
    const capped = await apply({ app_key: 'app1', app_secret: APPS.app1 }, { 'X-Token-Expire': '7200' });
    assert.equal(capped.body.Expires, '1800');
  });

  it('refuses an X-Token-Expire that is not a positive whole number', async () => {
    for (const value of ['0', '-5', 'soon', '1.5']) {
      const res = await apply({ app_key: 'app1', app_secret: APPS.app1 }, { 'X-Token-Expire': value });
      assert.equal(res.status, 400, value);
      assert.match(res.body.resultDesc, /X-Token-Expire/);
    }
  });

  it('refuses wrong credentials with 401 and the same words whichever part was wrong', async () => {
    const answers = await Promise.all([
      apply({ app_key: 'app1', app_secret: 'wrong' }),
      apply({ app_key: 'nobody', app_secret: APPS.app1 }),
      apply({ app_key: 'app1', app_secret: APPS.app2 }),
    ]);
    for (const res of answers) {
      assert.equal(res.status, 401);
      assert.notEqual(res.body.resultCode, '0');
      assert.equal(res.body.resultDesc, answers[0]!.body.resultDesc);
      assert.equal(res.body.AccessToken, undefined);
    }
  });

  it('refuses a request without credentials with 400 naming the field', async () => {
    const res = await apply({ app_key: 'app1' });
    assert.equal(res.status, 400);
    assert.match(res.body.resultDesc, /app_secret: is required/);
  });

  it('issues tokens that stop working when they expire', async () => {
    const res = await apply({ app_key: 'app1', app_secret: APPS.app1 }, { 'X-Token-Expire': '1' });
    assert.equal((await pushWith(res.body.AccessToken)).status, 200);
    // JWT expiry has whole-second resolution: after 2.1 s the token is past its `exp` for certain.
    await sleep(2100);
    const late = await pushWith(res.body.AccessToken);
    assert.equal(late.status, 401);
    assert.match(late.body.resultDesc, /expired/);
  });

  it('refuses a token used for another app, and a token whose app was removed', async () => {
    assert.equal((await pushWith(await gw.token('app2'), 'app1')).status, 401);
    const secret = 'a-shared-secret-of-at-least-32-characters';
    const before = await startGateway({ TOKEN_SECRET: secret });
    const token = await before.token('app2');
    await before.close();
    const after = await startGateway({ TOKEN_SECRET: secret, AICC_APPS: `app1:${APPS.app1}` }, before.dataDir);
    try {
      const res = await after.push(pushBody([downLinkMsg()]), { 'x-app-key': 'app2', authorization: `Bearer ${token}` });
      assert.equal(res.status, 401);
      assert.match(res.body.resultDesc, /not issued to this x-app-key/);
    } finally {
      await after.close();
    }
  });

  it('keeps tokens valid across a restart of the gateway', async () => {
    const first = await startGateway();
    const token = await first.token('app1');
    await first.close();
    const second = await startGateway({}, first.dataDir);
    try {
      const res = await second.push(pushBody([downLinkMsg()]), { 'x-app-key': 'app1', authorization: `Bearer ${token}` });
      assert.equal(res.status, 200);
    } finally {
      await second.close();
    }
  });

  it('accepts tokens from another node that shares TOKEN_SECRET', async () => {
    const secret = 'a-shared-secret-of-at-least-32-characters';
    const [a, b] = await Promise.all([startGateway({ TOKEN_SECRET: secret }), startGateway({ TOKEN_SECRET: secret })]);
    try {
      const token = await a.token('app1');
      assert.equal((await b.push(pushBody([downLinkMsg()]), { 'x-app-key': 'app1', authorization: `Bearer ${token}` })).status, 200);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('the AccessToken verdict cache', () => {
  const apps = new Map([['app1', 'secret-1'], ['app2', 'secret-2']]);
  const tokens = createAccessTokens({ apps, key: new TextEncoder().encode('a-shared-secret-of-at-least-32-characters') });
  const refused = (err: unknown) => err instanceof GatewayError && err.code === 'UNAUTHORIZED';

  it('still checks x-app-key for a token it has already accepted', async () => {
    const { AccessToken } = await tokens.issue('app1', 'secret-1', 600);
    await tokens.verify(AccessToken, 'app1');
    await tokens.verify(AccessToken, 'app1');
    await assert.rejects(tokens.verify(AccessToken, 'app2'), refused);
    await tokens.verify(AccessToken, 'app1');
    // One character changed is another token: it misses the cache and fails its signature.
    const forged = AccessToken.slice(0, -2) + (AccessToken.endsWith('AA') ? 'BB' : 'AA');
    await assert.rejects(tokens.verify(forged, 'app1'), refused);
  });

  it('stops accepting a cached token once it expires', async () => {
    const { AccessToken } = await tokens.issue('app2', 'secret-2', 1);
    await tokens.verify(AccessToken, 'app2');
    // JWT expiry has whole-second resolution: after 2.1 s the token is past its `exp` for certain.
    await sleep(2100);
    await assert.rejects(tokens.verify(AccessToken, 'app2'), refused);
  });
});
