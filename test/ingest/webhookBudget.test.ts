// A signed webhook request is judged by its time before it spends anything: a captured request replayed an hour
// later (or AICC's own old retry) is charged to the caller's address, never to the access key's push budget, which
// AICC's next new push needs. Then, on a whole gateway: 30 replays of an hour-old request leave AICC's next push
// its budget.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { createAccessTokens } from '../../src/aicc/accessTokens.js';
import { createAuthV2Verifier } from '../../src/aicc/authV2.js';
import { LocalEngine } from '../../src/engine/local/index.js';
import { installAnswers } from '../../src/http/answers.js';
import { installJsonBody } from '../../src/http/jsonBody.js';
import type { RateLimiter } from '../../src/engine/limits.js';
import { pushRoutes } from '../../src/ingest/pushRoutes.js';
import { createLogger } from '../../src/logger.js';
import { downLinkMsg, pushBody, PUSH_KEY } from '../support/fixtures.js';
import { Client, PUSH_ACCESS_KEY, startGateway, tempDir, type InProcessGateway } from '../support/gateway.js';
import { signWebhook } from '../support/webhook.js';

const HOUR_MS = 3_600_000;

describe('the webhook charges a push to the access key only once its signature time is in the window', () => {
  let app: FastifyInstance;
  let engine: LocalEngine;
  let client: Client;
  const charged: string[] = [];
  const recording: RateLimiter = { take: async (key) => (charged.push(key), { allowed: true, retryAfterSeconds: 0 }) };

  before(async () => {
    engine = await LocalEngine.open({ dataDir: tempDir(), durability: 'relaxed', busyTimeoutMs: 1000, log: createLogger('silent') });
    app = Fastify();
    installAnswers(app);
    installJsonBody(app);
    await app.register(pushRoutes, {
      engine,
      tokens: createAccessTokens({ apps: new Map(), key: new Uint8Array(32) }),
      verifier: createAuthV2Verifier({ pushKeys: new Map([[PUSH_ACCESS_KEY, PUSH_KEY]]) }),
      timestampSkewMs: 300_000,
      messageMaxChars: 1000,
      rateLimiter: recording,
    });
    client = new Client(await app.listen({ host: '127.0.0.1', port: 0 }));
  });
  after(async () => {
    await app.close();
    await engine.close();
  });

  it('replays of an hour-old request are refused and charged to the address, not the key', async () => {
    charged.length = 0;
    const captured = pushBody([downLinkMsg({ to: 'budget-replay' })], Date.now() - HOUR_MS);
    for (let i = 0; i < 30; i++) {
      const res = await signWebhook(client, captured, { timestampMs: Date.now() - HOUR_MS });
      assert.equal(res.status, 401);
      assert.equal(res.body.resultCode, '4');
    }
    assert.deepEqual(new Set(charged), new Set(['address:127.0.0.1']));
    assert.equal(charged.length, 30);
  });

  it('a fresh push is charged to the key; an old retry of it (stored) passes, charged to the address', async () => {
    charged.length = 0;
    const body = pushBody([downLinkMsg({ to: 'budget-retry' })]);
    assert.equal((await signWebhook(client, body)).status, 200);
    const retry = await signWebhook(client, body, { timestampMs: Date.now() - HOUR_MS });
    assert.deepEqual([retry.status, retry.body.resultCode], [200, '0']);
    assert.deepEqual(charged, [`access:${PUSH_ACCESS_KEY}`, 'address:127.0.0.1']);
    assert.equal((await engine.readSince('budget-retry', 0, 10)).length, 1);
  });
});

describe('on a gateway: replays do not starve AICC', () => {
  let gw: InProcessGateway;
  before(async () => {
    gw = await startGateway({ PUSH_RATE_LIMIT: '5' });
  });
  after(() => gw.close());

  it("AICC's next push is stored after 30 replays of an hour-old request", async () => {
    const captured = pushBody([downLinkMsg({ to: 'budget-gw' })], Date.now() - HOUR_MS);
    const replays = await Promise.all(
      Array.from({ length: 30 }, () => signWebhook(gw, captured, { timestampMs: Date.now() - HOUR_MS })),
    );
    for (const res of replays) assert.ok([401, 429].includes(res.status), JSON.stringify(res.body));
    const next = await signWebhook(gw, pushBody([downLinkMsg({ to: 'budget-gw' })]));
    assert.deepEqual([next.status, next.body.resultCode], [200, '0']);
  });
});
