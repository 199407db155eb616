// Three gateway processes on one Redis, talking to the AICC simulator: the node that holds a customer's AICC
// session (it applied for the token and CONNECTed) and watches its queue position is killed with SIGKILL. The
// customer's browser resumes on another node, queue positions keep coming (another node took the watcher's
// lease), the customer's next message goes to AICC from another node in the same conversation (no second
// CONNECT), and every message arrives once, in order. Once with AICC pushing, once in poll mode, where the
// conversation's poll loop moves to another node as well.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { APPS, baseEnv, customerToken, freePort, spawnGateway, tempDir, type ChildGateway } from '../support/gateway.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { waitFor, wsUrl } from '../support/streams.js';

const AICC = { appKey: 'gw-at-aicc', appSecret: 'gw-at-aicc-secret', channelId: '202105284494222653' };

/** The customer's browser: its stream, resumed with `since` on the next node when its node goes away. */
function browser(token: string, first: ChildGateway, next: ChildGateway) {
  const heard = { seqs: [] as number[], messages: [] as Record<string, any>[], queue: [] as number[], node: first };
  let socket: WebSocket;
  let stopped = false;
  const open = (node: ChildGateway) => {
    heard.node = node;
    socket = new WebSocket(wsUrl(node.url, token, heard.seqs.at(-1) ?? 0));
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.type === 'message') {
        heard.seqs.push(frame.seq);
        heard.messages.push(frame.message);
      }
      if (frame.type === 'queue') heard.queue.push(frame.position);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (!stopped) setTimeout(() => open(next), 50);
    });
  };
  open(first);
  return Object.assign(heard, {
    stop() {
      stopped = true;
      socket.terminate();
    },
  });
}

const jobStarted = (node: ChildGateway, job: string, customerId: string) =>
  node.logs.some((l) => l.msg === 'job started on this node' && l.job === job && l.customerId === customerId);

function failoverSuite(mode: 'pushMsg' | 'poll') {
  const CUSTOMER = `failover-${mode}-${process.pid}`;
  let redis: TestRedis;
  let sim: Simulator;
  let nodes: ChildGateway[];

  describe(`a customer whose node dies (${mode})`, () => {
    before(async () => {
      redis = await startRedis();
      // The simulator pushes to node 1, which stays up; the customer starts on node 3, the one to be killed.
      const port = await freePort();
      sim = await createSimulator({
        appKey: AICC.appKey, appSecret: AICC.appSecret, channelId: AICC.channelId,
        gatewayUrl: `http://127.0.0.1:${port}`, gatewayAppKey: 'app1', gatewayAppSecret: APPS.app1,
        // A long queue (40 places, 150 ms each): long enough to kill a node and see another take over.
        stepMs: 150, queueLength: 40, pollTimeoutMs: 300, pushRetryBaseMs: 20,
        ...(mode === 'poll' ? { push: 'poll' as const } : {}),
      });
      const env = (overrides: Record<string, string> = {}) => baseEnv(tempDir(), {
        REDIS_URL: redis.url, AICC_BASE_URL: sim.url, AICC_APP_KEY: AICC.appKey, AICC_APP_SECRET: AICC.appSecret,
        AICC_CHANNEL_ID: AICC.channelId, QUEUE_POLL_MS: '100', AICC_TIMEOUT_MS: '2000',
        ...(mode === 'poll' ? { AICC_DOWNLINK: 'poll' } : {}), ...overrides,
      });
      nodes = await Promise.all([spawnGateway(env({ PORT: String(port) })), spawnGateway(env()), spawnGateway(env())]);
    });

    after(async () => {
      await Promise.all((nodes ?? []).filter((n) => n.child.exitCode === null).map(async (node) => {
        node.child.kill('SIGTERM');
        await node.exited;
      }));
      await sim?.close();
      await redis?.stop();
    });

    it('carries on in the same AICC conversation on another node: queue positions, the next message, nothing lost', async () => {
      const [node1, node2, node3] = nodes as [ChildGateway, ChildGateway, ChildGateway];
      const token = await customerToken(CUSTOMER);
      const auth = { authorization: `Bearer ${token}` };
      const customer = browser(token, node3, node2);
      // Stopped whatever happens: a browser left reconnecting keeps the test process alive.
      after(() => customer.stop());
      const statusOf = (seq: number) =>
        customer.messages.filter((m) => m.controlType === 'STATUS' && m.refSeq === seq).map((m) => m.status);

      const hello = await node3.request('POST', '/v1/messages', { clientMessageId: 'hello', kind: 'text', text: 'Hello' }, auth);
      assert.equal(hello.status, 202);
      await waitFor(() => statusOf(hello.body.seq).includes('sent'), 'the first message sent (applyToken and CONNECT from node 3)');
      await waitFor(() => customer.messages.some((m) => m.sourceType === 'ROBOT'), 'the bot greets');
      const callId = sim.session(CUSTOMER)!.callId;

      assert.equal((await node3.request('POST', '/v1/transfer', { clientMessageId: 'human' }, auth)).status, 202);
      await waitFor(() => customer.queue.length >= 2, 'queue positions from node 3');
      // Its log line travels by another pipe than the positions: wait for it rather than race it.
      await waitFor(() => jobStarted(node3, 'queue', CUSTOMER), 'node 3, which stored the transfer, to watch the queue', 5000);
      assert.ok(!jobStarted(node1, 'queue', CUSTOMER) && !jobStarted(node2, 'queue', CUSTOMER), 'and no other node does');

      // Nothing in flight when the node dies: in poll mode AICC hands a message out once (isNeedRead), so one in a
      // poll answer to the dying node is gone with it. The queue steps that follow emit nothing for seconds.
      const fromAiccSoFar = () => customer.messages.filter((m) => !['CUSTOMER', 'GATEWAY'].includes(m.sourceType)).length;
      await waitFor(
        () => customer.messages.some((m) => m.content === 'Queuing...') &&
          fromAiccSoFar() === sim.downlinks(CUSTOMER).filter((d) => d.controlType !== 'INPUT').length,
        'everything AICC sent so far, stored and delivered',
      );
      const killedAt = Date.now();
      node3.child.kill('SIGKILL');
      await node3.exited;
      const heardBefore = customer.queue.length;
      await waitFor(() => customer.node === node2 && customer.queue.length > heardBefore, 'queue positions again, from another node', 20_000);
      console.log(`# node failover (${mode}): queue positions again ${Date.now() - killedAt} ms after the kill`);
      await waitFor(() => customer.queue.length >= heardBefore + 2, 'and they keep coming');
      assert.ok(jobStarted(node1, 'queue', CUSTOMER) || jobStarted(node2, 'queue', CUSTOMER), 'another node took the queue watcher over');
      assert.equal(sim.session(CUSTOMER)!.phase, 'queuing', 'still in the queue when the positions came back');

      const again = await node2.request('POST', '/v1/messages', { clientMessageId: 'still-there', kind: 'text', text: 'Still there?' }, auth);
      assert.equal(again.status, 202);
      await waitFor(() => statusOf(again.body.seq).includes('sent'), 'the next message sent from node 2');
      const sends = sim.sends.filter((s) => s.request.from === CUSTOMER);
      assert.equal(sends.filter((s) => s.request.controlType === 'CONNECT').length, 1, 'one CONNECT: the same conversation');
      assert.ok(sends.some((s) => s.request.controlType === 'CHAT' && s.request.content === 'Still there?'));
      assert.equal(sim.session(CUSTOMER)!.callId, callId, 'the same AICC call');

      await waitFor(() => customer.messages.some((m) => m.controlType === 'DISCONNECT'), 'the agent answers and hangs up', 30_000);
      const fromAicc = customer.messages.filter((m) => !['CUSTOMER', 'GATEWAY'].includes(m.sourceType));
      const emitted = sim.downlinks(CUSTOMER).filter((d) => d.controlType !== 'INPUT');
      assert.deepEqual(fromAicc.map((m) => [m.controlType, m.content]), emitted.map((d) => [String(d.controlType).toUpperCase(), d.content]));
      assert.deepEqual(customer.seqs, customer.seqs.map((_, i) => i + 1), 'every entry once, in order, across the move');
      assert.ok(customer.queue.every((p, i) => i === 0 || p <= customer.queue[i - 1]!), `positions only fall: ${customer.queue}`);
      if (mode === 'poll') {
        assert.ok(jobStarted(node3, 'poll', CUSTOMER), 'node 3 polled first');
        assert.ok(jobStarted(node1, 'poll', CUSTOMER) || jobStarted(node2, 'poll', CUSTOMER), 'another node polls since');
      }
      customer.stop();
    });
  });
}

failoverSuite('pushMsg');
failoverSuite('poll');
