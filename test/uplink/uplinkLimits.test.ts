// The customer's way up, under pressure, against the AICC simulator on loopback: a retry that changes the
// message, a flood of frames on one WebSocket, and many sends at once for one customer while AICC rotates its
// ccmessaging-token.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AiccClient } from '../../src/aicc/aiccClient.js';
import { loadConfig } from '../../src/config.js';
import { AiccSessions } from '../../src/aicc/sessions.js';
import { createLogger } from '../../src/logger.js';
import { AiccCalls } from '../../src/uplink/calls.js';
import { customerToken } from '../support/gateway.js';
import { startRig, type Rig } from '../support/rig.js';
import { connectWs, waitFor, type Frame } from '../support/streams.js';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Reads until `done` holds (the store is read asynchronously, so waitFor's sync condition does not fit). */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function storedBy(rig: Rig, customerId: string) {
  const entries = await rig.gw.gateway.engine.readSince(customerId, 0, 10_000);
  return {
    texts: entries.filter((e) => e.message.sourceType === 'CUSTOMER').map((e) => e.message.content),
    statuses: entries.filter((e) => e.message.controlType === 'STATUS').map((e) => e.message.status),
  };
}

describe('a retry that changes the message', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig({ push: 'pushMsg' });
  });
  after(() => rig.close());

  it('is refused with 409 over HTTP and an error frame over the WebSocket; the stored text is what AICC got', async () => {
    const customerId = 'retry-changed';
    const token = await customerToken(customerId);
    const first = await rig.gw.request('POST', '/v1/messages', { clientMessageId: 'm-1', kind: 'text', text: 'Pay 10 EUR' }, bearer(token));
    assert.equal(first.status, 202);
    await waitFor(() => rig.sim.sends.some((s) => s.request.content === 'Pay 10 EUR'), 'the first send reaches AICC');

    const changed = await rig.gw.request('POST', '/v1/messages', { clientMessageId: 'm-1', kind: 'text', text: 'Pay 1000 EUR' }, bearer(token));
    assert.equal(changed.status, 409, JSON.stringify(changed.body));
    assert.equal(changed.body.resultCode, '17');
    assert.match(changed.body.resultDesc, /clientMessageId/);
    const ws = await connectWs(rig.gw.url, token);
    ws.socket.send(JSON.stringify({ type: 'send', clientMessageId: 'm-1', kind: 'text', text: 'Pay 5000 EUR' }));
    ws.socket.send(JSON.stringify({ type: 'transfer', clientMessageId: 'm-1' }));
    await waitFor(() => ws.frames.filter((f) => f.type === 'error' && f.clientMessageId === 'm-1').length === 2, 'both refused');

    // The same body again is a plain retry: the stored message, not sent twice.
    const same = await rig.gw.request('POST', '/v1/messages', { clientMessageId: 'm-1', kind: 'text', text: 'Pay 10 EUR' }, bearer(token));
    assert.equal(same.status, 202);
    assert.equal(same.body.duplicate, true);
    assert.equal(same.body.seq, first.body.seq);
    ws.close();

    await waitFor(() => rig.sim.sends.filter((s) => s.request.from === customerId && s.request.controlType === 'CHAT').length >= 1, 'sent');
    const upstream = rig.sim.sends.filter((s) => s.request.from === customerId && s.request.controlType !== 'CONNECT');
    assert.deepEqual(upstream.map((s) => s.request.content), ['Pay 10 EUR'], 'AICC only ever got the stored text');
    assert.deepEqual((await storedBy(rig, customerId)).texts, ['Pay 10 EUR']);
  });
});

describe('a flood of frames on one WebSocket', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig({ push: 'pushMsg' }, { CLIENT_RATE_LIMIT: '20' });
  });
  after(() => rig.close());

  it('meets the client\'s rate limit: error frames beyond it, nothing stored for them, and the connection stays', async () => {
    const customerId = 'flooder';
    const ws = await connectWs(rig.gw.url, await customerToken(customerId));
    const total = 200;
    for (let i = 0; i < total; i++) {
      const kind = i % 10;
      const frame = kind === 8 ? { type: 'typing' } : kind === 9 ? { type: 'read', seq: 1 } : { type: 'send', clientMessageId: `f-${i}`, kind: 'text', text: `flood ${i}` };
      ws.socket.send(JSON.stringify(frame));
    }
    const sends = (f: Frame) => typeof f.clientMessageId === 'string' && f.clientMessageId.startsWith('f-');
    const sendFrames = total - total / 5;
    await waitFor(() => ws.frames.filter(sends).length === sendFrames, 'every send frame is answered');
    const acks = ws.frames.filter((f) => f.type === 'ack');
    const refused = ws.frames.filter((f) => f.type === 'error');
    assert.ok(refused.length > 0, `limit 20 a second, ${total} frames: ${acks.length} acks`);
    assert.ok(refused.every((f) => /too many/.test(f.reason)), JSON.stringify(refused[0]));
    assert.ok(acks.length <= 40, `${acks.length} sends got through a limit of 20 a second`);
    assert.equal(ws.socket.readyState, ws.socket.OPEN);
    // What was refused was not stored; what was accepted was.
    await waitFor(() => rig.sim.sends.filter((s) => s.request.from === customerId && s.request.controlType === 'CHAT').length === acks.length, 'accepted ones sent');
    assert.equal((await eventually(() => storedBy(rig, customerId), (s) => s.statuses.length === acks.length, 'statuses')).texts.length, acks.length);
    // The connection still answers once the window has passed.
    await waitFor(() => {
      ws.socket.send(JSON.stringify({ type: 'send', clientMessageId: `later-${ws.frames.length}`, kind: 'text', text: 'later' }));
      return ws.frames.some((f) => f.type === 'ack' && String(f.clientMessageId).startsWith('later-'));
    }, 'a send is accepted again', 10_000);
    ws.close();
  });
});

describe('many sends at once for one customer while AICC rotates its token', () => {
  let rig: Rig;
  before(async () => {
    // A new ccmessaging-token every second send, and the old one refused at once: any two calls side by side fail.
    rig = await startRig({ push: 'pushMsg', rotateTokenEvery: 2, tokenGraceMs: 0 });
  });
  after(() => rig.close());

  it('sends every one: calls for one customer take turns, each with the newest token', async () => {
    const customerId = 'rotating';
    const token = await customerToken(customerId);
    const total = 60;
    const answers = await Promise.all(
      Array.from({ length: total }, (_, i) =>
        rig.gw.request('POST', '/v1/messages', { clientMessageId: `r-${i}`, kind: 'text', text: `message ${i}` }, bearer(token)),
      ),
    );
    assert.ok(answers.every((a) => a.status === 202));
    const stored = await eventually(() => storedBy(rig, customerId), (s) => s.statuses.length === total, 'every message has its status');
    assert.deepEqual([...new Set(stored.statuses)], ['sent'], `${stored.statuses.filter((s) => s === 'failed').length} failed`);
  });
});

describe('per-customer memory that only grew', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig({ push: 'pushMsg' });
  });
  after(() => rig.close());

  function aiccClient(): AiccClient {
    const { appKey, appSecret, channelId } = rig.sim.settings;
    const config = loadConfig({ AICC_BASE_URL: rig.sim.url, AICC_APP_KEY: appKey, AICC_APP_SECRET: appSecret, AICC_CHANNEL_ID: channelId });
    return new AiccClient({ ...config.aicc!, log: createLogger('silent') });
  }

  it('typing throttles: at most 10,000 customers remembered, however many type', async () => {
    const engine = rig.gw.gateway.engine;
    const aicc = aiccClient();
    const calls = new AiccCalls({ engine, aicc, sessions: new AiccSessions(aicc, engine), log: createLogger('silent') });
    try {
      for (let i = 0; i < 25_000; i++) calls.typing(`typist-${i}`);
      assert.ok(calls.typingTracked <= 10_000, `${calls.typingTracked} remembered`);
    } finally {
      await aicc.close();
    }
  });
});
