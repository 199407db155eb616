// The queue watcher asks AICC for the customer's place in the queue under the customer's own session, and so
// waits its turn behind the customer's other calls (aicc/serial.ts): AICC may answer any call with a newer
// ccmessaging-token, so a queryQueueInfo sent beside a send could carry a token the send's answer has just
// replaced. Real simulator, real AiccClient, a real SQLite engine; only the send is held back, by the test.

import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { AiccClient } from '../../src/aicc/aiccClient.js';
import { AiccSessions } from '../../src/aicc/sessions.js';
import { loadConfig } from '../../src/config.js';
import { localJobs } from '../../src/engine/jobs.js';
import { LocalEngine } from '../../src/engine/local/index.js';
import { QueueWatcher } from '../../src/ingest/queueWatcher.js';
import { createLogger } from '../../src/logger.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { tempDir } from '../support/gateway.js';
import { waitFor } from '../support/streams.js';

const log = createLogger('silent');
let sim: Simulator;
let engine: LocalEngine;
let aicc: AiccClient;

before(async () => {
  sim = await createSimulator({ appKey: 'sim-app', appSecret: 'sim-secret', channelId: 'sim-channel', stepMs: 60, queueLength: 3 });
  const config = loadConfig({ AICC_BASE_URL: sim.url, AICC_APP_KEY: 'sim-app', AICC_APP_SECRET: 'sim-secret', AICC_CHANNEL_ID: 'sim-channel' });
  aicc = new AiccClient({ ...config.aicc!, log });
  engine = await LocalEngine.open({ dataDir: tempDir(), durability: 'relaxed', busyTimeoutMs: 1000, log });
});

after(async () => {
  await aicc.close();
  await engine.close();
  await sim.close();
});

describe('the queue watcher and the customer\'s other calls', () => {
  it('asks for the queue position only once the customer\'s send under way has been answered', async () => {
    const customerId = 'queued-and-writing';
    const sessions = new AiccSessions(aicc, engine);
    const order: string[] = [];
    // What the watcher asks AICC, recorded when it is really sent (not when it is queued).
    const watchedAicc = Object.create(aicc, {
      queueInfo: { value: (session: Parameters<AiccClient['queueInfo']>[0]) => (order.push('queryQueueInfo sent'), aicc.queueInfo(session)) },
    }) as AiccClient;
    // The watcher's calls go through the same sessions; note when it asks for one.
    const call = sessions.call.bind(sessions);
    sessions.call = ((id, fn, options) => (order.push('watcher asks'), call(id, fn, options))) as AiccSessions['call'];

    await call(customerId, (s) => aicc.send(s, { controlType: 'TRANS2AGENT' }), { connect: true });
    let answerSend!: () => void;
    const sendHeld = new Promise<void>((resolve) => (answerSend = resolve));
    const send = call(customerId, async (s) => {
      order.push('send sent');
      await sendHeld;
      await aicc.send(s, { controlType: 'CHAT', mediaType: 'TEXT', content: 'are you there?', messageCode: 'm-1' });
      order.push('send answered');
    }, { connect: true });
    await waitFor(() => order.includes('send sent'), 'the send to be under way');

    const jobs = localJobs();
    const watcher = new QueueWatcher({ engine, aicc: watchedAicc, sessions, jobs, intervalMs: 60_000, log });
    jobs.runWith('queue', watcher);
    try {
      await jobs.want('queue', customerId);
      await waitFor(() => order.includes('watcher asks'), 'the watcher to ask for the queue position');
      // Let every ready callback run: a queryQueueInfo not held back would be sent now.
      for (let i = 0; i < 50; i++) await nextTurn();
      assert.equal(order.includes('queryQueueInfo sent'), false, `queryQueueInfo waited for the send: ${order.join(', ')}`);
      answerSend();
      await send;
      await waitFor(() => order.includes('queryQueueInfo sent'), 'the queue position to be asked for');
      assert.deepEqual(order, ['send sent', 'watcher asks', 'send answered', 'queryQueueInfo sent']);
    } finally {
      await jobs.close();
    }
  });
});
