// The SDK across a deploy of a real gateway process: SIGTERM, then a start on the same port and SQLite file.
// The gateway tells each stream when to come back (a `reconnect` frame drawn from RECONNECT_WINDOW_MS, and
// `retry:` on SSE for a plain EventSource); the SDK follows that advice, not its failure backoff, and while the
// node is away it retries at its steady interval. Every customer is back and has every message once, in order.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import WebSocket from 'ws';
import { createClient, type DisconnectedEvent, type GatewayClient } from '../../src/client/index.js';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { baseEnv, customerToken, freePort, spawnGateway, tempDir, type ChildGateway } from '../support/gateway.js';
import { waitFor } from '../support/streams.js';

const WINDOW_MS = 2000;
const CUSTOMERS = 24;

interface Customer {
  id: string;
  client: GatewayClient;
  contents: string[];
  disconnects: DisconnectedEvent[];
  connects: number;
}

describe('the SDK across a SIGTERM restart', () => {
  let node: ChildGateway | undefined;
  const customers: Customer[] = [];
  after(async () => {
    for (const c of customers) c.client.close();
    node?.child.kill('SIGKILL');
  });

  it('comes back when the gateway advised, retries steadily while it is away, and loses nothing', async () => {
    const port = await freePort();
    const env = baseEnv(tempDir(), { PORT: String(port), RECONNECT_WINDOW_MS: String(WINDOW_MS), LOG_LEVEL: 'warn' });
    node = await spawnGateway(env);
    for (let i = 0; i < CUSTOMERS; i++) {
      const id = `sdk-restart-${process.pid}-${i}`;
      const client = createClient({
        url: node.url,
        token: await customerToken(id),
        WebSocket: WebSocket as never,
        // A third on SSE (fetch streaming): the same advice reaches it in the same frame.
        transport: i % 3 === 0 ? 'sse' : 'websocket',
        fallback: false,
      });
      const customer: Customer = { id, client, contents: [], disconnects: [], connects: 0 };
      client.on('message', ({ message }) => customer.contents.push(String(message.content)));
      client.on('disconnected', (event) => customer.disconnects.push(event));
      client.on('connected', () => customer.connects++);
      customers.push(customer);
    }
    await waitFor(() => customers.every((c) => c.connects === 1), 'every customer connected');
    await pushToAll(node, 'before');
    await waitFor(() => customers.every((c) => c.contents.length === 1), 'the first message everywhere');

    // A plain EventSource's view of the same close: `retry:` with the advice, then the frame and the close.
    const raw = await fetch(`${node.url}/v1/stream`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${await customerToken(`sdk-restart-raw-${process.pid}`)}` },
    });
    const rawText = raw.text();
    await new Promise((resolve) => setTimeout(resolve, 0));

    node.child.kill('SIGTERM');
    await node.exited;
    const text = await rawText;
    const retries = [...text.matchAll(/^retry: (\d+)$/gm)].map((m) => Number(m[1]));
    assert.equal(retries[0], 2000, 'the stream opens with retry: 2000');
    const advice = retries[1];
    assert.ok(advice !== undefined && advice >= 0 && advice <= WINDOW_MS, `retry: ${advice} within the window`);
    assert.match(text, new RegExp(`data: \\{"type":"reconnect","afterMs":${advice}\\}\\n\\nevent: close\\ndata: \\{"type":"close","code":1001,`));

    // Each client was told its own delay from the window and follows it, whatever its backoff was.
    await waitFor(() => customers.every((c) => c.disconnects.length >= 1), 'every customer told of the close');
    const advised = customers.map((c) => c.disconnects[0]!);
    for (const event of advised) {
      assert.equal(event.code, 1001);
      assert.equal(event.willReconnect, true);
      assert.ok(event.reconnectInMs! >= 0 && event.reconnectInMs! <= WINDOW_MS, `reconnect in ${event.reconnectInMs} ms, within the window`);
    }
    assert.ok(new Set(advised.map((e) => e.reconnectInMs)).size > CUSTOMERS / 2, 'the delays are spread over the window');

    // While the node is away, the tries that fail are repeated at the steady interval (0.5–1.5 × 500 ms).
    await waitFor(() => customers.every((c) => c.disconnects.length >= 3), 'two failed tries per customer while the node is away', 30_000);
    for (const c of customers) {
      for (const event of c.disconnects.slice(1)) {
        assert.equal(event.code, 1006, `${c.id}: a refused connection`);
        assert.ok(event.reconnectInMs! >= 250 && event.reconnectInMs! <= 750, `${c.id}: a steady retry in ${event.reconnectInMs} ms`);
      }
    }

    node = await spawnGateway(env);
    await waitFor(() => customers.every((c) => c.connects === 2), 'every customer back', 30_000);
    await pushToAll(node, 'after');
    await waitFor(() => customers.every((c) => c.contents.length === 2), 'the second message everywhere');
    for (const c of customers) assert.deepEqual(c.contents, ['before', 'after'], `${c.id}: each message once, in order`);
  });

  async function pushToAll(gateway: ChildGateway, content: string): Promise<void> {
    const res = await gateway.push(pushBody(customers.map((c) => downLinkMsg({ to: c.id, content }))));
    assert.equal(res.body.resultCode, '0');
  }
});
