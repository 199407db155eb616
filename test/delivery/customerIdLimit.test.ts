// A customer id AICC would refuse is refused at the door, saying why: with AICC_BASE_URL set the gateway sends for
// its customers, and AICC's send, doLeaveMessage and saveSatisfaction take ids of 1 to 24 characters, so a token
// whose sub is longer (a 36-character UUID, an 80-character sub) is refused rather than accepted and then failing.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { customerToken, startGateway, type InProcessGateway } from '../support/gateway.js';

let sending: InProcessGateway;
let receiveOnly: InProcessGateway;

before(async () => {
  // AICC is never called here: the refusal comes before any call.
  sending = await startGateway({ AICC_BASE_URL: 'http://127.0.0.1:9', AICC_APP_KEY: 'k', AICC_APP_SECRET: 's', AICC_CHANNEL_ID: '202105284494222653' });
  receiveOnly = await startGateway();
});

after(async () => {
  await sending?.close();
  await receiveOnly?.close();
});

const asCustomer = async (gw: InProcessGateway, id: string) => gw.request('GET', '/v1/conversation', undefined, { authorization: `Bearer ${await customerToken(id)}` });

describe('customer ids AICC would refuse', () => {
  it('a sub of 24 characters is taken; of 25, or a 36-character UUID, refused with the reason', async () => {
    assert.equal((await asCustomer(sending, 'c'.repeat(24))).status, 200);
    for (const id of ['c'.repeat(25), '0f8fad5b-d9cb-469f-a165-70867728950e']) {
      const refused = await asCustomer(sending, id);
      assert.equal(refused.status, 400);
      assert.equal(refused.body.resultCode, '2');
      assert.match(refused.body.resultDesc, new RegExp(`sub is ${id.length} characters; AICC takes customer ids of 1 to 24`));
    }
  });

  it('the stream refuses it too, before anything is stored for that id', async () => {
    const res = await fetch(`${sending.url}/v1/stream?since=0`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${await customerToken('x'.repeat(80))}` } });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { resultDesc: string }).resultDesc, /AICC takes customer ids of 1 to 24/);
  });

  it('a receive-only gateway (no AICC_BASE_URL), which sends nothing to AICC, keeps taking longer ids', async () => {
    assert.equal((await asCustomer(receiveOnly, 'x'.repeat(80))).status, 200);
  });

  it('visitors get ids AICC takes', async () => {
    const visitor = await sending.request('POST', '/v1/visitors');
    assert.equal(visitor.status, 201);
    assert.ok([...visitor.body.visitorId].length <= 24);
    assert.equal((await sending.request('GET', '/v1/conversation', undefined, { authorization: `Bearer ${visitor.body.token}` })).status, 200);
  });
});
