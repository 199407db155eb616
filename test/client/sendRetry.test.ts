// send() survives a proxy's 502 and a lost answer: it tries again with the same clientMessageId, with backoff, and
// the gateway stores and sends the message once. A refusal with a reason is not repeated; close() stops retrying.

import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { GatewayClient, GatewayClientError, type MessageEntry } from '../../src/client/index.js';
import { worthRetrying } from '../../src/client/sendRetry.js';
import { customerToken } from '../support/gateway.js';
import { startRig, type Rig } from '../support/rig.js';
import { waitFor } from '../support/streams.js';

let rig: Rig;

before(async () => {
  rig = await startRig({ push: 'pushMsg' });
});

after(async () => {
  await rig?.close();
});

/**
 * A proxy in front of the gateway whose first `failures` answers to POST /v1/messages are lost: `after-gateway`
 * forwards the request (the gateway stores and sends it) and answers the client 502 anyway; `drop` closes the
 * connection before forwarding; `before-gateway` answers 503 without forwarding.
 */
async function flakyProxy(target: string, failures: number, how: 'after-gateway' | 'drop' | 'before-gateway'): Promise<{ url: string; posts: string[]; close(): Promise<void> }> {
  const posts: string[] = [];
  const upstream = new URL(target);
  const forward = (req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) }));
      });
      out.once('error', reject);
      out.end(body);
    });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const counted = req.method === 'POST' && req.url === '/v1/messages';
      if (counted) posts.push((JSON.parse(body.toString()) as { clientMessageId: string }).clientMessageId);
      const fail = counted && posts.length <= failures;
      if (fail && how === 'drop') return req.socket.destroy();
      if (fail && how === 'before-gateway') return res.writeHead(503, { 'content-type': 'text/plain' }).end('maintenance');
      const answer = await forward(req, body);
      if (fail) return res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>502 Bad Gateway</h1>');
      res.writeHead(answer.status, answer.headers).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    posts,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const fast = { minDelayMs: 1, maxDelayMs: 5 };

describe('send() through a proxy that fails', () => {
  it('a 502 after the gateway stored it: sent again with the same id, stored and sent once', async () => {
    const id = `retry-502-${Date.now()}`;
    const proxy = await flakyProxy(rig.gw.url, 2, 'after-gateway');
    const client = new GatewayClient({ url: proxy.url, token: await customerToken(id), WebSocket: WebSocket as never, sendRetry: fast });
    try {
      const answer = await client.send({ kind: 'text', text: 'Where is my parcel?' });
      assert.equal(proxy.posts.length, 3);
      assert.deepEqual(new Set(proxy.posts), new Set([answer.clientMessageId]));
      // Stored once, and sent to AICC once: one message in the log, and one verdict (sent) for it, as another tab
      // of the customer's, connected to the gateway directly, sees them.
      const tab = new GatewayClient({ url: rig.gw.url, token: await customerToken(id), WebSocket: WebSocket as never });
      const seen: MessageEntry[] = [];
      tab.on('message', (entry) => seen.push(entry));
      tab.connect();
      const verdicts = () => seen.filter((entry) => entry.message.controlType === 'STATUS' && entry.message.refSeq === answer.seq);
      try {
        await waitFor(() => verdicts().length > 0, 'AICC took the message');
        assert.deepEqual(verdicts().map((entry) => entry.message.status), ['sent']);
        assert.equal(seen.filter((entry) => entry.message.content === 'Where is my parcel?').length, 1, 'stored once');
      } finally {
        tab.close();
      }
    } finally {
      client.close();
      await proxy.close();
    }
  });

  it('a connection cut before any answer, and a 503: tried again until it goes through', async () => {
    for (const how of ['drop', 'before-gateway'] as const) {
      const id = `r-${how.slice(0, 4)}-${Date.now() % 1e9}`;
      const proxy = await flakyProxy(rig.gw.url, 1, how);
      const client = new GatewayClient({ url: proxy.url, token: await customerToken(id), WebSocket: WebSocket as never, sendRetry: fast });
      try {
        const answer = await client.send({ kind: 'text', text: `after ${how}` });
        assert.equal(proxy.posts.length, 2, how);
        assert.equal(answer.status, 'pending');
      } finally {
        client.close();
        await proxy.close();
      }
    }
  });

  it('gives up after its tries, and sends once only with sendRetry: false', async () => {
    const id = `r-exhausted-${Date.now() % 1e9}`;
    const proxy = await flakyProxy(rig.gw.url, 100, 'before-gateway');
    const token = await customerToken(id);
    try {
      const retrying = new GatewayClient({ url: proxy.url, token, WebSocket: WebSocket as never, sendRetry: { ...fast, attempts: 3 } });
      await assert.rejects(retrying.send({ kind: 'text', text: 'x' }), (error: unknown) => error instanceof GatewayClientError && error.status === 503);
      assert.equal(proxy.posts.length, 3);
      const once = new GatewayClient({ url: proxy.url, token, WebSocket: WebSocket as never, sendRetry: false });
      await assert.rejects(once.send({ kind: 'text', text: 'y' }));
      assert.equal(proxy.posts.length, 4);
    } finally {
      await proxy.close();
    }
  });

  it('close() during the backoff stops the retries (a logged-out customer\'s message does not go out later)', async () => {
    const id = `r-closed-${Date.now() % 1e9}`;
    const proxy = await flakyProxy(rig.gw.url, 100, 'before-gateway');
    const client = new GatewayClient({ url: proxy.url, token: await customerToken(id), WebSocket: WebSocket as never, sendRetry: { attempts: 10, minDelayMs: 50, maxDelayMs: 50 } });
    try {
      const sending = client.send({ kind: 'text', text: 'z' });
      await waitFor(() => proxy.posts.length === 1, 'the first try');
      client.close();
      await assert.rejects(sending);
      assert.equal(proxy.posts.length, 1);
    } finally {
      await proxy.close();
    }
  });

  it('what the gateway refused for a reason is not tried again', () => {
    for (const status of [400, 401, 403, 409, 413, 429, 500]) assert.equal(worthRetrying(new GatewayClientError('HTTP', 'x', { status })), false, String(status));
    for (const status of [502, 503, 504, undefined]) assert.equal(worthRetrying(new GatewayClientError('HTTP', 'x', status === undefined ? {} : { status })), true, String(status));
    assert.equal(worthRetrying(new GatewayClientError('TOKEN_REFUSED', 'x', { status: 401 })), false);
    // A gateway without AICC_BASE_URL answers 503 UPLINK_DISABLED until it is configured: no use trying again.
    assert.equal(worthRetrying(new GatewayClientError('HTTP', 'x', { status: 503, gatewayCode: 'UPLINK_DISABLED' })), false);
    assert.equal(worthRetrying(new GatewayClientError('HTTP', 'x', { status: 503, gatewayCode: 'SHUTTING_DOWN' })), true);
  });
});
