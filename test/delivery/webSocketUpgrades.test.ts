// The stream's WebSocket upgrades are taken off Fastify's request lifecycle (src/delivery/webSocketUpgrades.ts):
// the checks Fastify's hooks made for them still hold, in the documented shape, and the client's address behind
// proxies is the one Fastify derives.

import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { clientAddress, rawClientAddress, trustProxyOption } from '../../src/http/clientAddress.js';
import type { Config } from '../../src/config.js';
import { customerToken, startGateway } from '../support/gateway.js';
import { connectWs, waitFor } from '../support/streams.js';

/** An upgrade request written by hand; resolves with everything the gateway answered until it closed. */
function rawUpgrade(url: string, path: string, headers = ''): Promise<string> {
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.write(
    `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: Upgrade\r\nupgrade: websocket\r\n` +
      `sec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n${headers}\r\n`,
  );
  return new Promise((resolve) => {
    socket.on('close', () => resolve(received));
    // A 101 answer keeps the connection: what came until then is the answer.
    socket.on('data', () => received.startsWith('HTTP/1.1 101') && socket.destroy());
  });
}

describe('WebSocket upgrades of the stream', () => {
  it('count against CLIENT_RATE_LIMIT: 429 with Retry-After in the documented shape beyond it', async () => {
    const gw = await startGateway({ CLIENT_RATE_LIMIT: '3' });
    try {
      const token = await customerToken('upgrade-limit');
      const answers: string[] = [];
      for (let i = 0; i < 5; i++) answers.push(await rawUpgrade(gw.url, `/v1/stream?token=${token}`));
      assert.ok(answers.slice(0, 3).every((text) => text.startsWith('HTTP/1.1 101 ')), answers.join('\n'));
      const refused = answers[4]!;
      assert.match(refused, /^HTTP\/1\.1 429 /);
      assert.match(refused, /retry-after: \d+/i);
      assert.match(refused, /x-content-type-options: nosniff/i, 'the headers every answer carries');
      assert.match(refused, /\r\n\r\n\{"resultCode":"8","resultDesc":"[^"]+","code":"RATE_LIMITED"\}$/);
    } finally {
      await gw.close();
    }
  });

  it('take the stream however its path is spelled, and leave other paths to Fastify', async () => {
    const gw = await startGateway();
    try {
      const token = await customerToken('upgrade-paths');
      const plain = await connectWs(gw.url, token);
      await waitFor(() => plain.frames.some((f) => f.type === 'hello'), 'hello');
      plain.close();
      const spelled = await rawUpgrade(gw.url, `/%761/stream?token=${token}`);
      assert.match(spelled, /^HTTP\/1\.1 101 /, 'the router reads /%761/stream as /v1/stream');
      // No WebSocket route but the stream's: any other upgrade is ended, not left hanging.
      const other = await rawUpgrade(gw.url, '/v1/conversation');
      assert.match(other, /^HTTP\/1\.1 /, 'answered, through @fastify/websocket and Fastify as before');
      await waitFor(() => gw.gateway.streams.size === 0, 'no stream left');
    } finally {
      await gw.close();
    }
  });
});

describe('the client address of an upgrade', () => {
  it('is the one a request through Fastify gets (http/clientAddress.ts), for every TRUST_PROXY form', async () => {
    const trusts: Config['trustProxy'][] = [false, 1, 2, ['loopback'], ['127.0.0.1', '10.0.0.0/8']];
    const forwards = [undefined, '203.0.113.7', '203.0.113.7, 10.1.2.3', ' 198.51.100.1 ,, 203.0.113.7,10.1.2.3 ', 'not-an-ip, 10.0.0.1', '::ffff:10.0.0.9'];
    for (const trust of trusts) {
      const app = Fastify({ trustProxy: trustProxyOption(trust) });
      const seen: { ip: string; raw: IncomingMessage }[] = [];
      app.get('/', async (request) => void seen.push({ ip: clientAddress(request), raw: request.raw }));
      for (const forwarded of forwards) {
        await app.inject({ method: 'GET', url: '/', headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded } });
      }
      const derive = rawClientAddress(trust);
      for (const { ip, raw } of seen) {
        assert.equal(derive(raw), ip, `TRUST_PROXY ${JSON.stringify(trust)}, X-Forwarded-For ${raw.headers['x-forwarded-for']}`);
      }
      await app.close();
    }
  });
});
