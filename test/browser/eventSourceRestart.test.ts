// The browser's own EventSource (not the SDK) across a deploy, in real Chromium: a SIGTERM restart of a gateway
// process on the same port and SQLite file, and a rolling restart of two Redis-engine nodes behind a
// round-robin proxy. By the HTML standard an EventSource that gets any non-200 answer gives up for good, so
// this proves the gateway never answers a stream request that way while it drains: every message arrives
// once, in order, and every stream request was answered 200.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../tools/screenshots.js';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { baseEnv, customerToken, freePort, spawnGateway, tempDir, type ChildGateway, type Client } from '../support/gateway.js';
import { startProxy } from '../support/proxy.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { waitFor } from '../support/streams.js';

let browser: Browser;

before(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
});

interface Heard {
  messages: { seq: number; content: string; lastEventId: string }[];
  opens: number;
}

/** A page on `origin` with a plain EventSource on /v1/stream; returns what it heard and every stream answer's status. */
async function eventSourcePage(origin: string, token: string): Promise<{ page: Page; heard: () => Promise<Heard>; statuses: number[]; close(): Promise<void> }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const statuses: number[] = [];
  page.on('response', (response) => {
    if (new URL(response.url()).pathname === '/v1/stream') statuses.push(response.status());
  });
  await page.goto(`${origin}/healthz`);
  await page.evaluate((token) => {
    const w = window as unknown as { heard: Heard };
    w.heard = { messages: [], opens: 0 };
    const source = new EventSource(`/v1/stream?token=${encodeURIComponent(token)}`);
    source.onopen = () => w.heard.opens++;
    source.onmessage = (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type === 'message') w.heard.messages.push({ seq: frame.seq, content: frame.message.content, lastEventId: event.lastEventId });
    };
  }, token);
  return {
    page,
    statuses,
    heard: () => page.evaluate(() => (window as unknown as { heard: Heard }).heard),
    close: () => context.close(),
  };
}

async function pushMany(gateway: Client, to: string, contents: string[]): Promise<void> {
  const headers = { 'x-app-key': 'app1', authorization: `Bearer ${await gateway.token('app1')}` };
  for (const content of contents) {
    const answer = await gateway.push(pushBody([downLinkMsg({ to, content })]), headers);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  }
}

const batch = (name: string, n: number) => Array.from({ length: n }, (_, i) => `${name}-${i + 1}`);

async function waitForMessages(stream: { heard: () => Promise<Heard> }, count: number, what: string): Promise<Heard> {
  let heard: Heard = { messages: [], opens: 0 };
  const deadline = Date.now() + 30_000;
  while ((heard = await stream.heard()).messages.length < count) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${heard.messages.length} of ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return heard;
}

async function stop(child: ChildGateway): Promise<void> {
  child.child.kill('SIGTERM');
  assert.equal(await child.exited, 0, 'the gateway stops cleanly');
}

function assertOnceInOrder(heard: Heard, expected: string[], statuses: number[]): void {
  assert.deepEqual(heard.messages.map((m) => m.content), expected, 'every message once, in order');
  assert.deepEqual(heard.messages.map((m) => m.seq), expected.map((_, i) => i + 1));
  assert.deepEqual(heard.messages.map((m) => m.lastEventId), expected.map((_, i) => String(i + 1)), 'the SSE id is the seq');
  assert.ok(statuses.length >= 2 && statuses.every((s) => s === 200), `every stream request answered 200: ${statuses}`);
}

describe("the browser's own EventSource", () => {
  it('survives a SIGTERM restart on the same port and SQLite file, with every message once, in order', async () => {
    const port = await freePort();
    const env = baseEnv(tempDir(), { PORT: String(port) });
    let gateway = await spawnGateway(env);
    const stream = await eventSourcePage(gateway.url, await customerToken('restarted'));
    try {
      await pushMany(gateway, 'restarted', batch('before', 20));
      await waitForMessages(stream, 20, 'the messages before the restart');
      await stop(gateway);
      gateway = await spawnGateway(env);
      await pushMany(gateway, 'restarted', batch('after', 20));
      const heard = await waitForMessages(stream, 40, 'the messages after the restart');
      assertOnceInOrder(heard, [...batch('before', 20), ...batch('after', 20)], stream.statuses);
      assert.ok(heard.opens >= 2, 'it reconnected by itself');
    } finally {
      await stream.close();
      gateway.child.kill('SIGTERM');
      await gateway.exited;
    }
  });

  describe('with two Redis-engine nodes behind a round-robin proxy', () => {
    let redis: TestRedis;
    before(async () => {
      redis = await startRedis();
    });
    after(async () => {
      await redis?.stop();
    });

    it('survives a rolling restart of both nodes, with every message once, in order', async () => {
      const ports = [await freePort(), await freePort()];
      const envs = ports.map((port) => baseEnv(tempDir(), { PORT: String(port), REDIS_URL: redis.url }));
      const nodes = [await spawnGateway(envs[0]!), await spawnGateway(envs[1]!)];
      const proxy = await startProxy(nodes.map((n) => n.url));
      const stream = await eventSourcePage(proxy.url, await customerToken('rolled'));
      try {
        const expected: string[] = [];
        const step = async (name: string, via: ChildGateway) => {
          await pushMany(via, 'rolled', batch(name, 10));
          expected.push(...batch(name, 10));
          await waitForMessages(stream, expected.length, `the messages of ${name}`);
        };
        await step('both-up', nodes[0]!);
        for (const i of [0, 1]) {
          await stop(nodes[i]!);
          await step(`node${i}-down`, nodes[1 - i]!);
          nodes[i] = await spawnGateway(envs[i]!);
          await step(`node${i}-back`, nodes[i]!);
        }
        const heard = await stream.heard();
        assertOnceInOrder(heard, expected, stream.statuses);
        assert.ok(heard.opens >= 2, `it reconnected by itself (${heard.opens} opens)`);
      } finally {
        await stream.close();
        await proxy.close();
        for (const node of nodes) {
          node.child.kill('SIGTERM');
          await node.exited;
        }
      }
    });
  });
});
