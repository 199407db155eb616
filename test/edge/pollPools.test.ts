// Poll mode: every active conversation holds one long poll at AICC. They run on connections of their own, at most
// POLL_MAX_CONCURRENT at once per node, so a customer's send never waits behind them: with more conversations
// long-polling than the calls' pool has connections (64), another customer's message still reaches AICC while
// every poll is held (the simulator holds them: nothing to answer). Beyond the bound, polls wait their turn.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AICC_PATHS } from '../../src/aicc/api.js';
import { customerToken } from '../support/gateway.js';
import { startRig, type Rig } from '../support/rig.js';
import { waitFor } from '../support/streams.js';

const CUSTOMERS = 80;
const MAX_POLLS = 70;
let rig: Rig;

before(async () => {
  // No scripted answer comes within the test (stepMs), and a poll is held until long after it (pollTimeoutMs).
  rig = await startRig(
    { push: 'poll', stepMs: 600_000, pollTimeoutMs: 600_000 },
    { AICC_DOWNLINK: 'poll', AICC_TIMEOUT_MS: '120000', POLL_MAX_CONCURRENT: String(MAX_POLLS) },
  );
});

after(async () => {
  // The simulator first: it answers the held polls (empty), so the gateway's close need not wait for them.
  await rig.sim.close();
  await rig.gw.close();
});

const polls = () => rig.sim.requests.filter((r) => r.path === AICC_PATHS.poll).length;
const sentTexts = () => new Set(rig.sim.sends.map((s) => s.request.content));

async function write(customerId: string, text: string): Promise<void> {
  const token = await customerToken(customerId);
  const res = await rig.gw.request('POST', '/v1/messages', { clientMessageId: `${customerId}-1`, kind: 'text', text }, {
    authorization: `Bearer ${token}`,
  });
  assert.equal(res.status, 202, JSON.stringify(res.body));
}

describe('poll mode: long polls and calls do not share connections', () => {
  it(`with ${MAX_POLLS} long polls held (more than the calls' 64 connections), another customer's message reaches AICC`, async () => {
    const ids = Array.from({ length: CUSTOMERS }, (_, i) => `poller-${i}`);
    for (let i = 0; i < ids.length; i += 10) await Promise.all(ids.slice(i, i + 10).map((id) => write(id, `hello from ${id}`)));
    await waitFor(() => ids.every((id) => sentTexts().has(`hello from ${id}`)), `the ${CUSTOMERS} first messages reach AICC`, 60_000);
    await waitFor(() => polls() >= MAX_POLLS, `${MAX_POLLS} long polls held at AICC`, 60_000);

    await write('late-customer', 'sent while every poll is held');
    await waitFor(() => sentTexts().has('sent while every poll is held'), 'the late message reaches AICC', 60_000);

    // No poll came back and none started beyond the bound: all MAX_POLLS were held the whole time, and the
    // other conversations wait for a place.
    assert.equal(polls(), MAX_POLLS);
  });
});
