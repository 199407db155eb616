// While the gateway drains (SIGTERM: it finishes the requests under way, then stops), a request that still
// reaches it on a busy kept-alive connection gets an answer its client can act on: an SSE stream request an
// empty 200 stream that closes with "going away" (an EventSource gives up for good on any other status),
// anything else the documented 503 {"resultCode": "14"}; never Fastify's own error body. (New connections are
// refused by then: the listening socket closes first, and WebSockets always come on a new connection.)

import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { customerToken, startGateway } from '../support/gateway.js';
import { connectSse, waitFor } from '../support/streams.js';

/** A connection whose push request is under way (its body half sent), so the drain waits for it. */
async function busyConnection(url: string, accessToken: string): Promise<{ socket: Socket; finish(next: string): Promise<string> }> {
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const body = JSON.stringify(pushBody([downLinkMsg({ to: 'drained' })]));
  socket.write(
    `POST /apiaccess/ccmessaging/pushMsg HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
      `x-app-key: app1\r\nauthorization: Bearer ${accessToken}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n` +
      body.slice(0, 10),
  );
  let received = '';
  return {
    socket,
    // The rest of the push, then the next request pipelined behind it: it reaches the gateway while it drains.
    // Resolves with everything answered once the gateway closes the connection.
    finish: (next) =>
      new Promise<string>((resolve) => {
        socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
        socket.once('close', () => resolve(received));
        socket.write(body.slice(10) + next);
      }),
  };
}

/** The answers after the first one (the push's), split at their status lines. */
const laterAnswers = (text: string) => text.split(/(?=HTTP\/1\.1 \d{3})/).slice(1);

describe('draining', () => {
  it('answers stream requests so clients reconnect, and everything else 503 resultCode 14', async () => {
    const requestsSeen: string[] = [];
    const gw = await startGateway({}, undefined, async (gateway) => {
      gateway.app.addHook('onRequest', async (request) => void requestsSeen.push(request.url));
    });
    const token = await customerToken('drained');
    const accessToken = await gw.token('app1');
    const stream = await connectSse(gw.url, { authorization: `Bearer ${token}` });
    const connections = await Promise.all(Array.from({ length: 3 }, () => busyConnection(gw.url, accessToken)));
    await waitFor(() => requestsSeen.filter((u) => u.includes('pushMsg')).length === 3, 'the three pushes are under way');

    const closed = gw.close();
    // The open stream hears "going away" first: from then on the gateway drains.
    assert.equal((await stream.closed).code, 1001);
    const sse = `GET /v1/stream?token=${token} HTTP/1.1\r\nhost: 127.0.0.1\r\naccept: text/event-stream\r\n\r\n`;
    const history = `GET /v1/messages HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${token}\r\n\r\n`;
    const unknown = 'GET /nowhere HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n';
    const [onSse, onHistory, onUnknown] = await Promise.all([sse, history, unknown].map((next, i) => connections[i]!.finish(next)));
    await closed;

    for (const text of [onSse, onHistory, onUnknown]) {
      assert.match(text!, /^HTTP\/1\.1 200 /, 'the push under way was finished');
      assert.ok(!text!.includes('"error":'), `never Fastify's own body: ${text}`);
    }
    const [sseAnswer] = laterAnswers(onSse!);
    assert.match(sseAnswer!, /^HTTP\/1\.1 200 /);
    assert.match(sseAnswer!, /content-type: text\/event-stream/i);
    assert.match(sseAnswer!, /connection: close/i);
    assert.match(sseAnswer!, /retry: 2000\n\n/);
    assert.match(sseAnswer!, /event: close\ndata: \{"type":"close","code":1001,"reason":"the gateway is shutting down"\}\n\n/);
    for (const text of [onHistory, onUnknown]) {
      const [answer] = laterAnswers(text!);
      assert.match(answer!, /^HTTP\/1\.1 503 /);
      assert.match(answer!, /retry-after: 1/i);
      assert.match(answer!, /connection: close/i);
      assert.match(answer!, /\r\n\r\n\{"resultCode":"14","resultDesc":"the gateway is shutting down; try again","code":"SHUTTING_DOWN"\}$/);
    }
  });
});
