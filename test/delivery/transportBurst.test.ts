// The WebSocket transport writes the frames one socket gets in one turn of the event loop together (a corked TCP
// socket, uncorked at the turn's end): every frame still arrives, in order, and frames sent after the turn, or a
// close with its reconnect advice sent while frames are held, are not stuck behind the cork.

import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { webSocketTransport, type Transport } from '../../src/delivery/transports.js';

describe('WebSocket transport, frames of one turn', { timeout: 30_000 }, () => {
  let server: WebSocketServer;
  let url: string;

  before(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    await new Promise((resolve) => server.once('listening', resolve));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    // A failed test leaves its client open: end them all, so the server closes.
    for (const socket of server.clients) socket.terminate();
    return new Promise((resolve) => server.close(resolve));
  });

  /** A client, and the server's transport for it. */
  async function connect(): Promise<{ client: WebSocket; transport: Transport; frames: string[]; closed: Promise<number> }> {
    const accepted = new Promise<Transport>((resolve) => server.once('connection', (socket) => resolve(webSocketTransport(socket))));
    const client = new WebSocket(url, { perMessageDeflate: false });
    const frames: string[] = [];
    client.on('message', (data) => frames.push(data.toString()));
    const closed = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)));
    await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
    return { client, transport: await accepted, frames, closed };
  }

  it('delivers a burst of one turn whole and in order, and what follows in later turns', async () => {
    const { client, transport, frames } = await connect();
    for (let i = 0; i < 500; i++) transport.send(JSON.stringify({ n: i }));
    // Held in the corked socket until the turn ends, then written.
    assert.ok(transport.bufferedBytes() > 0);
    await new Promise((resolve) => setTimeout(resolve, 0));
    transport.send(JSON.stringify({ n: 500 }));
    await new Promise((resolve) => setImmediate(resolve));
    transport.send(JSON.stringify({ n: 501 }));
    transport.send(JSON.stringify({ n: 502 }));
    const deadline = Date.now() + 10_000;
    while (frames.length < 503 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(frames.map((f) => (JSON.parse(f) as { n: number }).n), Array.from({ length: 503 }, (_, i) => i));
    assert.equal(transport.bufferedBytes(), 0);
    client.terminate();
  });

  it('closes with its reconnect advice after the frames held in the same turn', async () => {
    const { transport, frames, closed } = await connect();
    for (let i = 0; i < 50; i++) transport.send(JSON.stringify({ n: i }));
    transport.close(1001, 'going away', 1234);
    assert.equal(await closed, 1001);
    assert.equal(frames.length, 51);
    assert.deepEqual(JSON.parse(frames[50]!), { type: 'reconnect', afterMs: 1234 });
    assert.deepEqual(frames.slice(0, 50).map((f) => (JSON.parse(f) as { n: number }).n), Array.from({ length: 50 }, (_, i) => i));
  });
});
