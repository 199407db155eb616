// A customer's WebSocket frames while the Redis engine fails under them: Redis full (maxmemory), stalled past the
// command timeout, and away. Each frame type (send, typing, read, transfer) is answered with an `error` frame on
// the same connection, and the gateway stays up: its own stream still answers a ping, and a new request is
// served once Redis is back. Prints `# hostile input (frames, Redis failing): …`.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { customerToken, startGateway, type InProcessGateway } from '../support/gateway.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { connectWs, waitFor, type WsClient } from '../support/streams.js';

const FRAMES = [
  { type: 'send', clientMessageId: 'f-1', kind: 'text', text: 'hello' },
  { type: 'typing' },
  { type: 'read', seq: 1 },
  { type: 'transfer', clientMessageId: 'f-2' },
];

let redis: TestRedis;
let admin: Redis;
let gw: InProcessGateway;
let tried = 0;

before(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  gw = await startGateway({ REDIS_URL: redis.url });
});

after(async () => {
  console.log(`hostile input (frames, Redis failing): ${tried} frames tried, every one answered, the gateway stayed up`);
  admin.disconnect();
  await gw.close();
  await redis.stop();
});

/** Sends every frame type and waits for one `error` frame per frame, each naming a failure of the gateway's. */
async function sendEach(ws: WsClient): Promise<string[]> {
  const before = ws.frames.length;
  for (const frame of FRAMES) {
    ws.socket.send(JSON.stringify(frame));
    tried++;
  }
  const errors = () => ws.frames.slice(before).filter((f) => f.type === 'error');
  await waitFor(() => errors().length >= FRAMES.length, 'an error frame for each frame', 60_000);
  assert.equal(ws.socket.readyState, ws.socket.OPEN, 'the connection stays');
  for (const frame of errors()) assert.ok(['STORE_UNAVAILABLE', 'INTERNAL'].includes(frame.code), JSON.stringify(frame));
  return errors().map((f) => String(f.reason));
}

async function pingAnswered(ws: WsClient): Promise<void> {
  const before = ws.frames.length;
  ws.socket.send(JSON.stringify({ type: 'ping' }));
  await waitFor(() => ws.frames.slice(before).some((f) => f.type === 'pong'), 'a pong');
}

describe('frames while the Redis engine fails', () => {
  it('Redis at maxmemory: each frame is refused with an error frame, the node stays up', async () => {
    const ws = await connectWs(gw.url, await customerToken('frames-full'));
    await waitFor(() => ws.frames.some((f) => f.type === 'hello'), 'hello');
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    await admin.config('SET', 'maxmemory', '1');
    try {
      const reasons = await sendEach(ws);
      assert.ok(reasons.every((r) => /limits could not be counted|could not be handled/.test(r)), reasons.join(' | '));
    } finally {
      await admin.config('SET', 'maxmemory', '0');
    }
    await pingAnswered(ws);
    ws.close();
  });

  it('Redis stalled past the command timeout: each frame is answered, the node stays up', async () => {
    const ws = await connectWs(gw.url, await customerToken('frames-stalled'));
    await waitFor(() => ws.frames.some((f) => f.type === 'hello'), 'hello');
    // Every client waits 7 s, beyond the engine's 5 s command timeout.
    await admin.call('CLIENT', 'PAUSE', '7000', 'ALL');
    await sendEach(ws);
    await pingAnswered(ws);
    ws.close();
  });

  it('Redis away: each frame is answered, the node stays up and serves again once Redis is back', async () => {
    const ws = await connectWs(gw.url, await customerToken('frames-away'));
    await waitFor(() => ws.frames.some((f) => f.type === 'hello'), 'hello');
    await redis.kill();
    await sendEach(ws);
    await pingAnswered(ws);
    await redis.restart();
    // Ready again once it has reconnected (it retries every 2 s at most).
    for (let status = 0; status !== 200; ) {
      status = (await gw.request('GET', '/readyz')).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    ws.close();
  });
});
