// The customer stream over real WebSockets and SSE on loopback: delivery, tabs, resume under load, refusals,
// slow consumers, isolation between customers, typing, and shutdown.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { customerToken, startGateway, type InProcessGateway } from '../support/gateway.js';
import { connectSse, connectWs, seqs, waitFor } from '../support/streams.js';

let gw: InProcessGateway;
let counter = 0;
const newCustomer = () => `stream-${process.pid}-${++counter}`;

before(async () => {
  gw = await startGateway();
});
after(() => gw.close());

/** Pushes `total` messages to `to` as pushes of `perPush`, at most `parallel` pushes at a time. */
async function pushMany(to: string, total: number, perPush = 10, parallel = 8, first = 0) {
  let next = 0;
  const lane = async () => {
    while (next < total) {
      const start = next;
      next += perPush;
      const messages = Array.from({ length: Math.min(perPush, total - start) }, (_, k) =>
        downLinkMsg({ to, content: `m${first + start + k}`, messageCode: `${to}-${first + start + k}` }),
      );
      const res = await gw.push(pushBody(messages));
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
}

describe('WebSocket delivery', () => {
  it('sends hello, then stored and live messages in order, with state changes and typing', async () => {
    const to = newCustomer();
    await gw.push(pushBody([downLinkMsg({ to, sourceType: 'ROBOT', content: 'Hi, I am the bot' })]));
    const client = await connectWs(gw.url, await customerToken(to));
    await gw.push(pushBody([
      downLinkMsg({ to, controlType: 'Trans2Agent', sourceType: 'SYSTEM', mediaType: null, content: null }),
      downLinkMsg({ to, sourceType: 'SYSTEM', content: 'Queuing...' }),
      downLinkMsg({ to, controlType: 'INPUT', sourceType: 'AGENT', mediaType: null, content: null }),
      downLinkMsg({ to, sourceType: 'AGENT', senderNickname: 'Lily', content: 'Hello, Lily here' }),
      downLinkMsg({ to, mediaType: 'LOCATE', content: '22.54/114.05/Shop', sourceType: 'AGENT', senderNickname: 'Lily' }),
    ]));
    await waitFor(() => client.messages().length === 5, '5 messages');
    const [hello] = client.frames;
    assert.equal(hello!.type, 'hello');
    assert.equal(hello!.customerId, to);
    assert.equal(hello!.lastSeq >= 1, true);
    assert.deepEqual(hello!.state, { phase: 'bot', canSend: true, seq: 0 });
    assert.deepEqual(seqs(client.frames), [1, 2, 3, 4, 5]);
    assert.deepEqual(
      client.frames.filter((f) => f.type === 'state').map((f) => [f.seq, f.state.phase, f.state.agentNickname]),
      [[2, 'queuing', undefined], [4, 'agent', 'Lily']],
    );
    // A state frame follows the message that caused it.
    const index = client.frames.findIndex((f) => f.type === 'state' && f.seq === 4);
    assert.equal(client.frames[index - 1]!.seq, 4);
    assert.equal(client.frames.filter((f) => f.type === 'typing').length, 1);
    assert.deepEqual(client.messages()[4]!.message.location, { latitude: 22.54, longitude: 114.05, description: 'Shop' });
    assert.equal((await gw.gateway.engine.readSince(to, 0, 100)).length, 5, 'typing is not stored');
    client.close();
  });

  it('delivers every message to each of three tabs of one customer', async () => {
    const to = newCustomer();
    const token = await customerToken(to);
    const tabs = await Promise.all([connectWs(gw.url, token), connectWs(gw.url, token), connectWs(gw.url, token)]);
    await pushMany(to, 60, 3, 4);
    for (const tab of tabs) {
      await waitFor(() => tab.messages().length === 60, 'every tab has 60 messages');
      assert.deepEqual(seqs(tab.frames), Array.from({ length: 60 }, (_, i) => i + 1));
      tab.close();
    }
  });

  it('resumes after a forced disconnect during 1,000 concurrent messages: each once, in order', async () => {
    const to = newCustomer();
    const token = await customerToken(to);
    const first = await connectWs(gw.url, token);
    const pushing = pushMany(to, 1000, 10, 10);
    await waitFor(() => first.messages().length >= 100, 'the first 100 messages');
    first.socket.terminate(); // the network drops: no close handshake
    const seen = seqs(first.frames);
    const second = await connectWs(gw.url, token, seen[seen.length - 1]);
    await pushing;
    await waitFor(() => second.messages().length > 0 && second.messages().at(-1)!.seq === 1000, 'the 1000th message');
    const all = [...seen, ...seqs(second.frames)];
    assert.deepEqual(all, Array.from({ length: 1000 }, (_, i) => i + 1));
    // And every message is there once (concurrent pushes are numbered in the order they were committed).
    const contents = [...first.messages(), ...second.messages()].map((f) => f.message.content).sort();
    assert.deepEqual(contents, Array.from({ length: 1000 }, (_, i) => `m${i}`).sort());
    assert.equal(second.frames[0]!.resumedFrom, seen[seen.length - 1]);
    second.close();
  });

  it('never sends a customer another customer\'s messages', async () => {
    const [a, b] = [newCustomer(), newCustomer()];
    const [clientA, clientB] = await Promise.all([connectWs(gw.url, await customerToken(a)), connectWs(gw.url, await customerToken(b))]);
    await Promise.all([pushMany(a, 50, 5, 3), pushMany(b, 30, 5, 3)]);
    await waitFor(() => clientA.messages().length === 50 && clientB.messages().length === 30, 'both streams');
    assert.ok(clientA.messages().every((f) => f.message.to === a));
    assert.ok(clientB.messages().every((f) => f.message.to === b));
    clientA.close();
    clientB.close();
  });

  it('answers a ping frame and refuses a frame that is not JSON with 1003', async () => {
    const client = await connectWs(gw.url, await customerToken(newCustomer()));
    client.socket.send(JSON.stringify({ type: 'ping' }));
    await waitFor(() => client.frames.some((f) => f.type === 'pong'), 'pong');
    client.socket.send('not json');
    assert.equal((await client.closed).code, 1003);
  });
});

describe('refusals', () => {
  it('closes a WebSocket with 4001 for a missing, forged or expired token', async () => {
    const to = newCustomer();
    const tokens = [
      '',
      'not-a-jwt',
      await customerToken(to, 600, 'another-secret-that-is-long-enough-000000'),
      await customerToken(to, -10),
    ];
    for (const token of tokens) {
      const client = await connectWs(gw.url, token);
      const { code, reason } = await client.closed;
      assert.equal(code, 4001, `token ${token.slice(0, 12)}`);
      assert.ok(reason.length > 0);
      assert.equal(client.messages().length, 0);
    }
  });

  it('answers 401 on SSE and history for an expired token', async () => {
    const token = await customerToken(newCustomer(), -10);
    const sse = await connectSse(gw.url, { authorization: `Bearer ${token}` });
    assert.equal(sse.status, 401);
    assert.match(sse.body, /expired/);
    const history = await gw.request('GET', '/v1/messages', undefined, { authorization: `Bearer ${token}` });
    assert.equal(history.status, 401);
    assert.equal(history.body.resultCode, '3');
  });

  it('closes the stream with 4001 when the token expires during the connection', async () => {
    const client = await connectWs(gw.url, await customerToken(newCustomer(), 1));
    const { code, reason } = await client.closed;
    assert.equal(code, 4001);
    assert.match(reason, /expired/);
  });
});

describe('slow consumers', () => {
  it('closes a client that does not read with 4008 while another keeps receiving', async () => {
    const small = await startGateway({ STREAM_BUFFER_BYTES: '65536', SLOW_CONSUMER_MS: '300' });
    try {
      const to = newCustomer();
      const token = await customerToken(to);
      const slow = await connectWs(small.url, token);
      const fast = await connectWs(small.url, token);
      slow.socket.pause(); // stops reading from its socket
      await waitFor(() => small.gateway.streams.size === 2, 'both streams open');
      const big = 'x'.repeat(60_000);
      // Up to ~72 MB, far more than the kernel's socket buffers on loopback hold, so the server's own buffer fills.
      let pushed = 0;
      while (small.gateway.streams.size === 2 && pushed < 1200) {
        const messages = Array.from({ length: 10 }, (_, k) => downLinkMsg({ to, content: big, messageCode: `big-${pushed + k}` }));
        assert.equal((await small.push(pushBody(messages))).status, 200);
        pushed += 10;
      }
      await waitFor(() => small.gateway.streams.size === 1, 'the server closes the slow stream');
      slow.socket.resume(); // reads what was sent before the close, then the close frame
      assert.equal((await slow.closed).code, 4008);
      assert.ok(slow.messages().length < pushed, 'the slow client was cut off before the end');
      await waitFor(() => fast.messages().length === pushed, 'the fast client has every message');
      assert.deepEqual(seqs(fast.frames), Array.from({ length: pushed }, (_, i) => i + 1));
      fast.close();
    } finally {
      await small.close();
    }
  });
});

describe('Server-Sent Events', () => {
  it('streams with ids and resumes from Last-Event-ID with no gap and no duplicate', async () => {
    const to = newCustomer();
    const token = await customerToken(to);
    await pushMany(to, 20, 5, 2);
    const first = await connectSse(gw.url, {}, `?token=${encodeURIComponent(token)}`);
    await waitFor(() => first.messages().length === 20, '20 messages over SSE');
    assert.deepEqual(first.messages().map((f) => f.eventId), Array.from({ length: 20 }, (_, i) => i + 1));
    first.close();
    await pushMany(to, 10, 5, 2, 20);
    const resumed = await connectSse(gw.url, { authorization: `Bearer ${token}`, 'last-event-id': '20' });
    await waitFor(() => resumed.messages().length === 10, '10 resumed messages');
    assert.deepEqual(seqs(resumed.frames), Array.from({ length: 10 }, (_, i) => i + 21));
    assert.equal(resumed.frames[0]!.type, 'hello');
    assert.equal(resumed.frames[0]!.resumedFrom, 20);
    resumed.close();
  });

  it('refuses a plain GET that asks for neither transport', async () => {
    const res = await gw.request('GET', `/v1/stream?token=${await customerToken(newCustomer())}`);
    assert.equal(res.status, 400);
    assert.match(res.body.resultDesc, /WebSocket upgrade|text\/event-stream/);
  });
});

describe('shutdown', () => {
  it('closes WebSocket streams with 1001 and ends SSE streams, so clients resume elsewhere', async () => {
    const own = await startGateway();
    const token = await customerToken(newCustomer());
    const ws = await connectWs(own.url, token);
    const sse = await connectSse(own.url, { authorization: `Bearer ${token}` });
    await waitFor(() => sse.frames.length > 0, 'sse hello');
    await own.close();
    assert.equal((await ws.closed).code, 1001);
    assert.equal((await sse.closed).code, 1001);
  });
});
