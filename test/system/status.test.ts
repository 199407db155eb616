// `aicc-gateway status` checks a set-up end to end: which node answered (through a load balancer each run may
// reach another) and its engine, whether AICC reached us (pushes) and whether we reached AICC (calls).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { startGateway, type InProcessGateway } from '../support/gateway.js';
import { customer, startRig, statusOf, type Rig } from '../support/rig.js';
import { waitFor } from '../support/streams.js';

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;

/** Runs the command in a child process (asynchronously: the gateways it reads answer from this one). */
async function status(url: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'status', '--url', url], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, out };
}

let rig: Rig;
let unreachable: InProcessGateway;

before(async () => {
  rig = await startRig({ push: 'pushMsg' });
  // An AICC_BASE_URL where nothing listens: the customer's message cannot reach AICC.
  unreachable = await startGateway({ AICC_BASE_URL: 'http://127.0.0.1:9', AICC_APP_KEY: 'k', AICC_APP_SECRET: 's', AICC_CHANNEL_ID: '202105284494222653', AICC_TIMEOUT_MS: '500' });
});

after(async () => {
  await unreachable?.close();
  await rig?.close();
});

describe('aicc-gateway status', () => {
  it('names the node and its engine, and says whether AICC reached us and we reached AICC', async () => {
    const before = await status(rig.gw.url);
    assert.equal(before.code, 0, before.out);
    assert.match(before.out, new RegExp(`answered by +node ${hostname()}/${process.pid}, engine sqlite`));
    assert.match(before.out, /AICC reached us +not yet: no push has reached this node/);
    assert.match(before.out, /we reached AICC +not yet: no call since this node started/);

    // A customer writes: the gateway calls AICC (applyToken, CONNECT, send), and AICC pushes the bot's answer.
    const { http, heard, client } = await customer(rig, 'status-check');
    try {
      const sent = await http('POST', '/v1/messages', { clientMessageId: 'status-1', kind: 'text', text: 'Hello' });
      await waitFor(() => statusOf(heard, sent.body.seq).includes('sent'), 'AICC took the message');
      await waitFor(() => heard.messages.some((m) => m.message.sourceType === 'ROBOT'), 'AICC pushed the bot\'s answer');
    } finally {
      client.close();
    }
    const afterwards = await status(rig.gw.url);
    assert.match(afterwards.out, /AICC reached us +yes: \d+ pushes stored, the last at \d{4}-/);
    assert.match(afterwards.out, /we reached AICC +yes: AICC answered \(ok \d+\)/);
  });

  it('says we did not reach AICC when its address does not answer', async () => {
    const res = await unreachable.request('POST', '/v1/visitors');
    const sent = await unreachable.request('POST', '/v1/messages', { clientMessageId: 'status-2', kind: 'text', text: 'Hello' }, { authorization: `Bearer ${res.body.token}` });
    assert.equal(sent.status, 202);
    // The message's fate is stored once its tries are over: failed, since AICC never answered.
    for (;;) {
      const log = await unreachable.request('GET', '/v1/messages?since=0', undefined, { authorization: `Bearer ${res.body.token}` });
      if (log.body.messages.some((m: { message: { controlType: string } }) => m.message.controlType === 'STATUS')) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    const { out } = await status(unreachable.url);
    assert.match(out, /we reached AICC +no: AICC did not answer \(UNREACHABLE \d+\): check AICC_BASE_URL/);
  });

  it('says so for a receive-only gateway', async () => {
    const receiveOnly = await startGateway();
    try {
      assert.match((await status(receiveOnly.url)).out, /we reached AICC +off: receive-only/);
    } finally {
      await receiveOnly.close();
    }
  });
});
