// No connection is held for ever: with small timeouts configured, raw sockets that send nothing, half a request
// line, or headers without their body are closed by the gateway, and so is a keep-alive connection left idle;
// streams outlive those timeouts (their heartbeats keep them). MAX_CONNECTIONS_PER_ADDRESS caps the connections
// one address holds, on every node together with the Redis engine. The tests wait for close events, not time.

import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { baseEnv, customerToken, startGateway, tempDir, type InProcessGateway } from '../support/gateway.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { connectSse, connectWs, waitFor } from '../support/streams.js';

const TIMEOUTS = { HEADERS_TIMEOUT_MS: '300', REQUEST_TIMEOUT_MS: '600', KEEP_ALIVE_TIMEOUT_MS: '300', HEARTBEAT_MS: '1000' };

interface RawSocket {
  socket: Socket;
  /** Everything the gateway wrote. */
  received: () => string;
  /** Resolves once the gateway (or anything) closed the connection. */
  closed: Promise<void>;
  opened: Promise<void>;
}

function rawSocket(url: string, send?: string): RawSocket {
  const socket = connect(Number(new URL(url).port), '127.0.0.1');
  let received = '';
  socket.on('data', (data) => (received += data.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const opened = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  if (send !== undefined) socket.write(send);
  return { socket, received: () => received, closed, opened };
}

describe('timeouts', () => {
  it('are refused at start when the headers timeout is not below the request timeout (Node\'s rule)', () => {
    const load = (headers: string, request: string) =>
      loadConfig(baseEnv(tempDir(), { HEADERS_TIMEOUT_MS: headers, REQUEST_TIMEOUT_MS: request }));
    assert.throws(() => load('60000', '60000'), ConfigError);
    assert.throws(() => load('90000', '60000'), /HEADERS_TIMEOUT_MS \(90000\) must be below REQUEST_TIMEOUT_MS/);
    assert.equal(load('5000', '20000').headersTimeoutMs, 5000);
  });

  let gw: InProcessGateway;
  before(async () => {
    gw = await startGateway(TIMEOUTS);
  });
  after(() => gw.close());

  it('closes a connection that sends nothing', async () => {
    const idle = rawSocket(gw.url);
    await idle.closed;
  });

  it('closes a connection that sends half a request line, with a 408 in the documented shape', async () => {
    const partial = rawSocket(gw.url, 'G');
    await partial.closed;
    assert.match(partial.received(), /^HTTP\/1\.1 408 /);
    assert.match(partial.received(), /"resultCode":"2"/);
  });

  it('closes a connection that sends headers and never the body', async () => {
    const headersOnly = rawSocket(gw.url, 'POST /v1/visitors HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n');
    await headersOnly.closed;
    assert.match(headersOnly.received(), /^HTTP\/1\.1 408 /);
  });

  it('closes a keep-alive connection left idle after its request', async () => {
    const keptAlive = rawSocket(gw.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await keptAlive.closed;
    assert.match(keptAlive.received(), /^HTTP\/1\.1 200 /);
  });

  it('keeps streams open past every timeout (they have heartbeats)', async () => {
    const token = await customerToken('outlives-timeouts');
    const ws = await connectWs(gw.url, token);
    const sse = await connectSse(gw.url, { authorization: `Bearer ${token}` });
    // A request that the request timeout ends: once it is closed, the streams have lived longer than that.
    const headersOnly = rawSocket(gw.url, 'POST /v1/visitors HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n');
    await headersOnly.closed;
    const [wsSeen, sseSeen] = [ws.frames.length, sse.frames.length];
    await waitFor(() => ws.frames.slice(wsSeen).some((f) => f.type === 'heartbeat'), 'a WebSocket heartbeat after the timeout');
    await waitFor(() => sse.frames.slice(sseSeen).some((f) => f.type === 'heartbeat'), 'an SSE heartbeat after the timeout');
    assert.equal(ws.socket.readyState, ws.socket.OPEN);
    ws.close();
    sse.close();
  });
});

/** Opens `count` connections and waits until the gateway has answered a request on each (so each holds a place). */
async function holdConnections(url: string, count: number): Promise<RawSocket[]> {
  const held: RawSocket[] = [];
  for (let i = 0; i < count; i++) {
    const conn = rawSocket(url, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => conn.received().includes('\r\n\r\n') || conn.socket.destroyed, `connection ${i + 1} answered`);
    held.push(conn);
  }
  return held;
}

describe('MAX_CONNECTIONS_PER_ADDRESS', () => {
  it('closes the connection one over the cap, and takes a new one once a place is free (local engine)', async () => {
    const gw = await startGateway({ MAX_CONNECTIONS_PER_ADDRESS: '3' });
    try {
      const held = await holdConnections(gw.url, 3);
      assert.ok(held.every((c) => /^HTTP\/1\.1 200 /.test(c.received())), 'the first three are served');
      const over = rawSocket(gw.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      await over.closed;
      assert.equal(over.received(), '', 'closed without an answer');
      held[0]!.socket.destroy();
      await held[0]!.closed;
      let admitted: RawSocket | undefined;
      while (!admitted) {
        const attempt = rawSocket(gw.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
        await waitFor(() => attempt.received().includes('\r\n\r\n') || attempt.socket.destroyed, 'an answer or a close');
        if (attempt.received().startsWith('HTTP/1.1 200 ')) admitted = attempt;
      }
      for (const c of [...held, admitted]) c.socket.destroy();
    } finally {
      await gw.close();
    }
  });

  describe('with the Redis engine', () => {
    let redis: TestRedis;
    let nodes: InProcessGateway[];
    before(async () => {
      redis = await startRedis();
      const env = { REDIS_URL: redis.url, MAX_CONNECTIONS_PER_ADDRESS: '3' };
      nodes = [await startGateway(env), await startGateway(env)];
    });
    after(async () => {
      await Promise.all(nodes.map((n) => n.close()));
      await redis.stop();
    });

    it('counts an address\'s connections on every node against the one cap', async () => {
      const held = [...(await holdConnections(nodes[0]!.url, 2)), ...(await holdConnections(nodes[1]!.url, 1))];
      assert.ok(held.every((c) => /^HTTP\/1\.1 200 /.test(c.received())), 'three connections over two nodes are served');
      const over = rawSocket(nodes[1]!.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      await over.closed;
      assert.equal(over.received(), '', 'the fourth is closed although its node holds only one');
      for (const c of held) c.socket.destroy();
    });
  });
});
