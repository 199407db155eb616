// What the operator page lists of each push: its door, its counts and the customers it was for (the distinct `to`
// of its messages, the first five, in order), for a stored push and a refused one alike.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { startGateway, type InProcessGateway } from '../support/gateway.js';

const OPS_TOKEN = 'ops-token-for-the-push-journal';

type Listed = { door: string; status: number; messages: number; stored: number; duplicates: number; customers: string[]; authenticated: boolean };

describe('the operator page\'s record of a push', () => {
  let gw: InProcessGateway;
  before(async () => {
    gw = await startGateway({ OPS_TOKEN });
  });
  after(() => gw.close());

  const state = async () => (await gw.request('GET', '/ops/api/state', undefined, { authorization: `Bearer ${OPS_TOKEN}` })).body as {
    pushes: Listed[];
    refused: Listed[];
  };

  it('names the first five distinct customers of a push, in order, with its door and counts', async () => {
    const headers = { 'x-app-key': 'app1', authorization: `Bearer ${await gw.token('app1')}` };
    const to = ['j-1', 'j-2', 'j-1', 'j-3', 'j-4', 'j-2', 'j-5', 'j-6'];
    const stored = await gw.push(pushBody(to.map((id) => downLinkMsg({ to: id }))), headers);
    assert.equal(stored.status, 200);
    const [last] = (await state()).pushes;
    assert.deepEqual(
      { door: last!.door, status: last!.status, messages: last!.messages, stored: last!.stored, duplicates: last!.duplicates },
      { door: 'pushMsg', status: 200, messages: 8, stored: 8, duplicates: 0 },
    );
    assert.deepEqual(last!.customers, ['j-1', 'j-2', 'j-3', 'j-4', 'j-5']);

    const refused = await gw.push(pushBody([downLinkMsg({ to: 'j-7' }), downLinkMsg({ to: 'j-7', mediaType: null })]), headers);
    assert.equal(refused.status, 400);
    const [listed] = (await state()).refused;
    assert.deepEqual({ door: listed!.door, messages: listed!.messages, customers: listed!.customers }, { door: 'pushMsg', messages: 2, customers: ['j-7'] });
  });
});
