// The one id rule on every door: ids that look like another ("bob" with a Hangul filler, a blank Braille pattern, a
// variation selector, a no-break space inside, or a decomposed accent) are refused on a push's `to`, on the
// webhook, on a customer token's `sub`, and on a polled message, and nothing is stored for them.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { normalizeDownLinkMsg } from '../../src/aicc/downlink.js';
import { idProblem } from '../../src/aicc/customerId.js';
import { GatewayError } from '../../src/errors.js';
import { withPollDefaults } from '../../src/ingest/pollLoop.js';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { customerToken, startGateway, type InProcessGateway } from '../support/gateway.js';
import { signWebhook } from '../support/webhook.js';

/** Each displays as "bob" (or "bob smith", "josé") and is not. */
const LOOKALIKES = [
  'bob\u3164', '\u115fbob', 'b\u1160ob', 'bo\uffa0b', 'bob\u2800', '\u2800bob', 'bob\ufe0f', 'b\ufe00ob', 'bo\u034fb',
  'bob\u{e0041}', 'bob\u00a0smith', 'bob\u3000smith', 'bob\u2007smith', 'b\ue000ob', 'jose\u0301', 'bob\u17b4',
  'bob\u180b',
];
const FINE = ['bob', 'Bob Smith', 'josé', '顧客-42', 'user@example.com', 'a/b:c', 'Ωmega'];

describe('the id rule', () => {
  it('refuses every lookalike and takes ordinary ids', () => {
    for (const id of LOOKALIKES) assert.ok(idProblem(id), JSON.stringify(id));
    for (const id of FINE) assert.equal(idProblem(id), undefined, id);
  });

  it('refuses a polled message for such a customer (the poll door)', () => {
    for (const id of LOOKALIKES) {
      const polled = withPollDefaults(downLinkMsg({ to: 'whatever' }) as never, id, Date.now());
      assert.throws(() => normalizeDownLinkMsg(polled, 0), (err: GatewayError) => err.code === 'INVALID_PARAMETER' && /to: /.test(err.message));
    }
  });
});

describe('the id rule over HTTP', () => {
  let gw: InProcessGateway;
  before(async () => {
    gw = await startGateway();
  });
  after(() => gw.close());

  it('refuses pushes (pushMsg and webhook) to a lookalike with 400 naming messages[i].to, storing nothing', async () => {
    let tried = 0;
    for (const to of LOOKALIKES) {
      const body = pushBody([downLinkMsg({ to: 'fine-' + tried }), downLinkMsg({ to })]);
      for (const res of [await gw.push(body), await signWebhook(gw, body)]) {
        assert.equal(res.status, 400, JSON.stringify(to));
        assert.equal(res.body.resultCode, '2');
        assert.match(res.body.resultDesc, /^messages\[1\]\.to: /);
        tried++;
      }
      assert.equal((await gw.gateway.engine.conversation(to)).lastSeq, 0);
    }
    assert.equal(tried, LOOKALIKES.length * 2);
  });

  it('refuses customer tokens whose sub is a lookalike with 400 naming sub, and takes ordinary ones', async () => {
    for (const sub of LOOKALIKES) {
      const res = await gw.request('GET', '/v1/messages', undefined, { authorization: `Bearer ${await customerToken(sub)}` });
      assert.equal(res.status, 400, JSON.stringify(sub));
      assert.match(res.body.resultDesc, /sub/);
    }
    for (const sub of FINE) {
      const res = await gw.request('GET', '/v1/messages', undefined, { authorization: `Bearer ${await customerToken(sub)}` });
      assert.equal(res.status, 200, sub);
    }
  });
});
