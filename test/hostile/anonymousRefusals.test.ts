// Anyone can post to the push doors. 150 forged posts (a bad webhook signature, a made-up AccessToken) must not
// push AICC's own refused push out of the operator page's "Refused pushes", nor count toward the refused-push
// series the shipped alert reads: they are kept apart, as "Unauthenticated posts" and caller="anonymous".

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JOURNAL_SIZES } from '../../src/ops/journal.js';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { startGateway, type InProcessGateway } from '../support/gateway.js';
import { signWebhook } from '../support/webhook.js';

const OPS_TOKEN = 'ops-token-for-anonymous-refusals';

describe('unauthenticated posts are kept apart from AICC\'s refused pushes', () => {
  let gw: InProcessGateway;
  before(async () => {
    gw = await startGateway({ OPS_TOKEN });
  });
  after(() => gw.close());

  it('keeps AICC\'s refusal listed and alerting after a flood of forged posts', async () => {
    // AICC's own push, refused for what it holds (a CHAT without mediaType).
    const token = await gw.token('app1');
    const invalid = await gw.push(pushBody([downLinkMsg({ to: 'anon-1', mediaType: null })]), { 'x-app-key': 'app1', authorization: `Bearer ${token}` });
    assert.equal(invalid.status, 400);

    let tried = 0;
    const forged = pushBody([downLinkMsg({ to: 'anon-1' })]);
    for (let i = 0; i < 75; i++) {
      const bySignature = await signWebhook(gw, forged, { headers: { authorization: `auth-v2/ak1/${Date.now()}/content-type/${'0'.repeat(64)}` } });
      const byToken = await gw.push(forged, { 'x-app-key': 'app1', authorization: 'Bearer forged' });
      assert.deepEqual([bySignature.status, byToken.status], [401, 401]);
      tried += 2;
    }
    assert.ok(tried > JOURNAL_SIZES.refused, 'more forged posts than the refused list holds');

    const state = (await gw.request('GET', '/ops/api/state', undefined, { authorization: `Bearer ${OPS_TOKEN}` })).body;
    assert.equal(state.refused.length, 1, 'only AICC\'s refusal is listed as a refused push');
    assert.match(state.refused[0].resultDesc, /mediaType/);
    assert.equal(state.refused[0].authenticated, true);
    assert.equal(state.anonymous.length, JOURNAL_SIZES.anonymous);
    assert.ok(state.anonymous.every((p: { authenticated: boolean; status: number }) => !p.authenticated && p.status === 401));
    assert.ok(state.pushes.every((p: { authenticated: boolean }) => p.authenticated), 'last pushes: AICC\'s only');

    const metrics = (await gw.request('GET', '/metrics')).body as string;
    const value = (labels: string) => Number(new RegExp(`^aicc_gateway_push_refusals_total\\{${labels}\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
    assert.equal(value('door="pushMsg",reason="INVALID_PARAMETER",caller="authenticated"'), 1);
    assert.equal(value('door="pushMsg",reason="UNAUTHORIZED",caller="anonymous"'), 75);
    assert.equal(value('door="webhook",reason="UNAUTHORIZED",caller="anonymous"'), 75);
    assert.equal(value('door="webhook",reason="UNAUTHORIZED",caller="authenticated"'), 0);
    console.log(`hostile input (anonymous pushes): ${tried} inputs tried, 0 stored, ${tried} refused, 0 server errors`);
  });
});
