// The agent knows who is writing, in the customer's language: applyToken's userName is the customer token's `name`
// claim and its locale the token's `locale` claim (a visitor's: the widget's language, given when the visitor is
// created), in AICC's form; without them, the customer id and AICC_LOCALE, as before.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { AICC_PATHS } from '../../src/aicc/api.js';
import { aiccLocale } from '../../src/delivery/identity.js';
import { CUSTOMER_TOKEN_SECRET, customerToken } from '../support/gateway.js';
import { startRig, type Rig } from '../support/rig.js';
import { waitFor } from '../support/streams.js';

/** A customer token as ../support/gateway.ts's customerToken mints it (the default CUSTOMER_TOKEN_AUDIENCE), with more claims. */
function tokenWith(customerId: string, claims: Record<string, unknown>): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(customerId).setAudience('aicc-gateway')
    .setIssuedAt(now).setExpirationTime(now + 600)
    .sign(new TextEncoder().encode(CUSTOMER_TOKEN_SECRET));
}

const applied = (rig: Rig, userId: string) =>
  rig.sim.requests.filter((r) => r.path === AICC_PATHS.applyToken && (r.body as { userId?: string }).userId === userId).map((r) => r.body as { userName: string; locale: string });

async function firstMessage(rig: Rig, token: string, userId: string): Promise<{ userName: string; locale: string }> {
  const sent = await rig.gw.request('POST', '/v1/messages', { clientMessageId: 'first', kind: 'text', text: '你好' }, { authorization: `Bearer ${token}` });
  assert.equal(sent.status, 202);
  await waitFor(() => applied(rig, userId).length > 0, 'applyToken');
  return applied(rig, userId)[0]!;
}

describe("the customer's name and language at AICC", () => {
  it("passes the token's name and locale claims to applyToken; the customer id and AICC_LOCALE without them", async () => {
    const rig = await startRig({ push: 'pushMsg' }, { AICC_LOCALE: 'en' });
    try {
      const named = await firstMessage(rig, await tokenWith('acme-cust-1001', { name: '  王小明 ', locale: 'zh-CN' }), 'acme-cust-1001');
      assert.deepEqual([named.userName, named.locale], ['王小明', 'zh_CN']);
      const plain = await firstMessage(rig, await customerToken('acme-cust-1002'), 'acme-cust-1002');
      assert.deepEqual([plain.userName, plain.locale], ['acme-cust-1002', 'en']);
      // A claim AICC could not take is ignored rather than passed on.
      const odd = await firstMessage(rig, await tokenWith('acme-cust-1003', { name: 'x'.repeat(65), locale: 'Chinese please' }), 'acme-cust-1003');
      assert.deepEqual([odd.userName, odd.locale], ['acme-cust-1003', 'en']);
    } finally {
      await rig.close();
    }
  });

  it("gives a visitor the widget's language: POST /v1/visitors {locale} puts it in the token, and refreshing keeps it", async () => {
    const rig = await startRig({ push: 'pushMsg' }, { AICC_LOCALE: 'en', VISITOR_RATE_LIMIT: '1000' });
    try {
      const visitor = await rig.gw.request('POST', '/v1/visitors', { locale: 'zh-CN' });
      assert.equal(visitor.status, 201);
      const refreshed = await rig.gw.request('POST', '/v1/visitors/refresh', undefined, { authorization: `Bearer ${visitor.body.token}` });
      const first = await firstMessage(rig, refreshed.body.token, visitor.body.visitorId);
      assert.deepEqual([first.userName, first.locale], [visitor.body.visitorId, 'zh_CN']);
      assert.equal((await rig.gw.request('POST', '/v1/visitors')).status, 201, 'a body is optional');
    } finally {
      await rig.close();
    }
  });

  it('reads language tags in AICC\'s form', () => {
    const cases: [unknown, string | undefined][] = [['zh-CN', 'zh_CN'], ['zh_cn', 'zh_CN'], ['EN', 'en'], ['en-US', 'en_US'], ['', undefined], ['中文', undefined], [42, undefined]];
    for (const [given, expected] of cases) assert.equal(aiccLocale(given), expected, String(given));
  });
});
