// The gateway wired to the AICC simulator (each the other's peer), and a customer with the SDK: the pieces of
// the end-to-end tests.

import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { createClient, type GatewayClient, type MessageEntry as MessageFrame } from '../../src/client/index.js';
import { createSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { APPS, customerToken, freePort, startGateway, type InProcessGateway } from './gateway.js';
import { waitFor } from './streams.js';

const AICC = { appKey: 'gw-at-aicc', appSecret: 'gw-at-aicc-secret', channelId: '202105284494222653' };

export interface Rig {
  gw: InProcessGateway;
  sim: Simulator;
  close(): Promise<void>;
}

export async function startRig(simOptions: SimulatorOptions, gatewayEnv: Record<string, string> = {}): Promise<Rig> {
  const port = await freePort();
  const sim = await createSimulator({
    appKey: AICC.appKey, appSecret: AICC.appSecret, channelId: AICC.channelId,
    gatewayUrl: `http://127.0.0.1:${port}`, gatewayAppKey: 'app1', gatewayAppSecret: APPS.app1,
    stepMs: 60, queueLength: 3, pollTimeoutMs: 300, pushRetryBaseMs: 20,
    ...simOptions,
  });
  const gw = await startGateway({
    PORT: String(port), AICC_BASE_URL: sim.url, AICC_APP_KEY: AICC.appKey, AICC_APP_SECRET: AICC.appSecret,
    AICC_CHANNEL_ID: AICC.channelId, QUEUE_POLL_MS: '25', AICC_TIMEOUT_MS: '2000', ...gatewayEnv,
  });
  return {
    gw, sim,
    async close() {
      await gw.close();
      await sim.close();
    },
  };
}

/** A customer with the SDK connected, recording everything it hears. */
export async function customer(rig: Rig, id: string) {
  const token = await customerToken(id);
  const client: GatewayClient = createClient({ url: rig.gw.url, token, WebSocket: WebSocket as never });
  const heard = { messages: [] as MessageFrame[], phases: [] as string[], queue: [] as number[], typing: 0 };
  client.on('message', (frame) => heard.messages.push(frame));
  client.on('state', ({ state }) => heard.phases.push(state.phase));
  client.on('typing', () => heard.typing++);
  client.on('queue', ({ position }) => heard.queue.push(position ?? -1));
  await waitFor(() => client.connectionState === 'connected', 'the SDK connects');
  const http = (method: string, path: string, body?: unknown) =>
    rig.gw.request(method, path, body, { authorization: `Bearer ${token}` });
  return { token, client, heard, http };
}

export const statusOf = (heard: { messages: MessageFrame[] }, seq: number) =>
  heard.messages.filter((m) => m.message.controlType === 'STATUS' && m.message.refSeq === seq).map((m) => m.message.status);

export async function scriptedConversation(rig: Rig, id: string) {
  const { heard, http, client } = await customer(rig, id);
  const sent = await http('POST', '/v1/messages', { clientMessageId: 'hello-1', kind: 'text', text: 'Hello there' });
  assert.equal(sent.status, 202);
  assert.equal(sent.body.status, 'pending');
  await waitFor(() => statusOf(heard, sent.body.seq).includes('sent'), 'the first message is sent (CONNECT first)');
  await waitFor(() => heard.messages.some((m) => m.message.sourceType === 'ROBOT'), 'the bot greets');
  const transfer = await http('POST', '/v1/transfer', { clientMessageId: 'human-1' });
  assert.equal(transfer.status, 202);
  await waitFor(() => heard.phases.includes('ended'), 'the agent hangs up', 30_000);

  // Every event the simulator emitted arrived once, in order (typing is not stored).
  const fromAicc = heard.messages.filter((m) => !['CUSTOMER', 'GATEWAY'].includes(m.message.sourceType));
  const emitted = rig.sim.downlinks(id).filter((d) => d.controlType !== 'INPUT');
  assert.deepEqual(
    fromAicc.map((m) => [m.message.controlType, m.message.content]),
    emitted.map((d) => [String(d.controlType).toUpperCase(), d.content]),
  );
  const seqs = heard.messages.map((m) => m.seq);
  assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), 'seqs 1..n, each once');
  assert.deepEqual(dedupeRuns(heard.phases).slice(-3), ['queuing', 'agent', 'ended']);
  assert.ok(heard.queue.length >= 1, 'queue positions were streamed');
  assert.ok(heard.queue.every((p, i) => i === 0 || p <= heard.queue[i - 1]!), `positions fall: ${heard.queue}`);
  assert.ok(heard.queue.every((p) => p >= 0 && p <= 3));
  // The agent's typing is an invented downlink (no Huawei page shows one): only when the simulator plays it.
  if (rig.sim.settings.inventedAgentEvents) assert.ok(heard.typing >= 1, 'the agent typing was delivered');
  const kinds = fromAicc.map((m) => `${m.message.controlType}/${m.message.mediaType}`);
  for (const kind of ['CHAT/IMAGE', 'CHAT/LOCATE', 'READ/null', 'DISCONNECT/null']) assert.ok(kinds.includes(kind), kind);
  const agentLine = fromAicc.find((m) => m.message.sourceType === 'AGENT' && m.message.mediaType === 'TEXT');
  assert.ok(agentLine, 'the agent wrote');
  // The conversation ended: the survey.
  const survey = await http('GET', '/v1/survey');
  assert.equal(survey.body.enabled, true);
  assert.equal(survey.body.levels.length, 5);
  assert.deepEqual(survey.body.questions, ['CSAT', 'FCR', 'NPS']);
  assert.equal((await http('POST', '/v1/survey', { evaluation: 5, comment: 'Quick and kind', npsScore: 9, resolved: true })).status, 200);
  // As cec_07_2226 types them: strings.
  const saved = rig.sim.satisfactions.at(-1)!.satisfication;
  assert.deepEqual([saved.evaluation, saved.npsScore, saved.fcrValue], ['5', '9', '1']);
  client.close();
  return heard;
}

function dedupeRuns(list: string[]): string[] {
  return list.filter((v, i) => i === 0 || v !== list[i - 1]);
}

