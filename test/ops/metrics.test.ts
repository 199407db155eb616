// What an operator reads of a running gateway (src/ops): /metrics after a scripted conversation, and
// `aicc-gateway status` reading the same.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { scriptedConversation, startRig } from '../support/rig.js';

const run = promisify(execFile);

describe('observability', () => {
  it('counts a scripted conversation in /metrics, and npm run status shows it', async () => {
    const rig = await startRig({ push: 'pushMsg', inventedAgentEvents: true }, { METRICS_TOKEN: 'metrics-secret-token' });
    try {
      await scriptedConversation(rig, 'metrics-1');
      await rig.sim.pushesSettled();
      const emitted = rig.sim.downlinks('metrics-1').filter((d) => d.controlType !== 'INPUT');
      await rig.gw.push(pushBody([downLinkMsg({ to: 'metrics-1', messageCode: 'dup-1' })]));
      await rig.gw.push(pushBody([downLinkMsg({ to: 'metrics-1', messageCode: 'dup-1' })]));
      await rig.gw.push(pushBody([downLinkMsg({ to: 'x'.repeat(200) })]));
      assert.equal((await rig.gw.request('GET', '/metrics')).status, 401);
      const text = (await rig.gw.request('GET', '/metrics', undefined, { authorization: 'Bearer metrics-secret-token' })).body as string;
      const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
      const chatTexts = emitted.filter((d) => d.controlType === 'CHAT' && d.mediaType === 'TEXT').length;
      const stored = value(/aicc_gateway_messages_total\{control_type="CHAT",media_type="TEXT",known="true"\} (\d+)/);
      assert.equal(stored, chatTexts + 1, 'CHAT/TEXT messages stored: the conversation\'s and one of the test\'s');
      assert.equal(value(/aicc_gateway_messages_total\{control_type="CHAT",media_type="IMAGE",known="true"\} (\d+)/), 1);
      assert.equal(value(/aicc_gateway_messages_total\{control_type="DISCONNECT",media_type="none",known="true"\} (\d+)/), 1);
      assert.equal(value(/aicc_gateway_duplicate_messages_total (\d+)/), 1);
      // Every stored event came in its own push, plus typing pushes (not in `emitted`) and the test's two.
      assert.ok(value(/aicc_gateway_pushes_total\{door="pushMsg"\} (\d+)/) >= emitted.length + 2);
      assert.equal(value(/aicc_gateway_refusals_total\{reason="TOO_LONG"\} (\d+)/), 1, 'a `to` over its length');
      assert.equal(value(/aicc_gateway_refusals_total\{reason="UNAUTHORIZED"\} (\d+)/), 1, 'the metrics read without token');
      assert.ok(value(/aicc_gateway_deliveries_total\{transport="websocket",mode="live"\} (\d+)/) >= emitted.length);
      assert.ok(value(/aicc_gateway_typing_events_total (\d+)/) >= 1);
      assert.equal(value(/aicc_gateway_uplink_messages_total\{result="sent"\} (\d+)/), 2, 'the text and the transfer');
      assert.ok(value(/aicc_gateway_push_to_delivery_seconds_count\{transport="websocket"\} (\d+)/) >= 1);
      assert.match(text, /aicc_gateway_connected_clients\{transport="websocket"\} \d+/);

      const status = await run(process.execPath, ['--import', 'tsx', 'src/status.ts', '--url', rig.gw.url, '--token', 'metrics-secret-token']);
      assert.match(status.stdout, /READY/);
      assert.match(status.stdout, /messages stored\s+\d+ \(.*CHAT \d+/);
      assert.match(status.stdout, /refusals\s+.*TOO_LONG 1/);
    } finally {
      await rig.close();
    }
  });
});
