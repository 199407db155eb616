// The client SDK against a real gateway on loopback: delivery in order, several tabs, a forced disconnect under
// 1,000 concurrent messages, SSE with resume, token refresh, the heartbeat watchdog, history, and the bundle.
// The pure parts (backoff, close codes, SSE parsing, JWT expiry) are tables at the end.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { buildClient } from '../../tools/buildClient.js';
import {
  afterClose,
  backoffDelay,
  createClient,
  GatewayClient,
  jwtExpiresAt,
  SseParser,
  type ClientOptions,
  type ConnectedEvent,
  type DisconnectedEvent,
  type FetchFunction,
  type GatewayClientError,
  type HelloFrame,
  type StateEvent,
  type MessageEntry,
  type TransportEvent,
  type TypingEvent,
} from '../../src/client/index.js';
import { TransportChoice } from '../../src/client/fallback.js';
import { downLinkMsg, pushBody, type Msg } from '../support/fixtures.js';
import { customerToken, startGateway, tempDir, type InProcessGateway } from '../support/gateway.js';
import { startProxy } from '../support/proxy.js';

/** Polls `predicate` until it holds; fails after `timeoutMs`, saying what it waited for. */
async function waitFor(predicate: () => boolean, timeoutMs = 20_000, what = predicate.toString()): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

let gw: InProcessGateway;
let customerCounter = 0;
const newCustomer = () => `client-${process.pid}-${++customerCounter}`;

before(async () => {
  gw = await startGateway();
});
after(() => gw.close());

/** Everything a client emitted, in arrays a test can wait on. */
function record(client: GatewayClient) {
  const log = {
    messages: [] as MessageEntry[],
    hellos: [] as HelloFrame[],
    states: [] as StateEvent[],
    typing: [] as TypingEvent[],
    connected: [] as ConnectedEvent[],
    disconnected: [] as DisconnectedEvent[],
    errors: [] as GatewayClientError[],
    seqs: () => log.messages.map((m) => m.seq),
  };
  client.on('message', (m) => log.messages.push(m));
  client.on('hello', (h) => log.hellos.push(h));
  client.on('state', (s) => log.states.push(s));
  client.on('typing', (t) => log.typing.push(t));
  client.on('connected', (c) => log.connected.push(c));
  client.on('disconnected', (d) => log.disconnected.push(d));
  client.on('error', (e) => log.errors.push(e));
  return log;
}

/** A `ws` WebSocket that keeps every socket it opens, so a test can break them as a network would. */
function trackedWebSocket() {
  const sockets: WebSocket[] = [];
  class TrackedWebSocket extends WebSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  }
  return { WebSocket: TrackedWebSocket, sockets };
}

/** A client for `customerId` (a fresh token unless given), closed when the test ends. */
async function open(t: TestContext, customerId: string, options: Partial<ClientOptions> = {}) {
  const client = createClient({
    url: gw.url,
    token: options.getToken ? undefined : await customerToken(customerId),
    WebSocket,
    ...options,
  });
  t.after(() => client.close());
  return { client, log: record(client) };
}

async function appAuth(): Promise<Record<string, string>> {
  return { 'x-app-key': 'app1', authorization: `Bearer ${await gw.token('app1')}` };
}

/** Pushes every body, `concurrency` at a time; `afterEach(i)` runs as push i is answered. */
async function pushAll(bodies: unknown[], concurrency: number, afterEach: (i: number) => void = () => {}): Promise<void> {
  const auth = await appAuth();
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const i = next++;
      const res = await gw.push(bodies[i], auth);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      afterEach(i);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function push(to: string, messages: Msg[]): Promise<void> {
  const res = await gw.push(pushBody(messages.map((m) => ({ ...m, to }))));
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

describe('the client over WebSocket', () => {
  it('delivers pushed messages in order, with the hello, the conversation state and typing', async (t) => {
    const to = newCustomer();
    const { client, log } = await open(t, to);
    await waitFor(() => client.connectionState === 'connected');
    assert.deepEqual(log.hellos[0]!.customerId, to);
    assert.deepEqual(log.states.map((s) => s.state.phase), ['bot']);

    await push(to, [downLinkMsg({ content: 'one' }), downLinkMsg({ content: 'two' })]);
    await push(to, [downLinkMsg({ controlType: 'INPUT', mediaType: null, content: null })]);
    await push(to, [downLinkMsg({ content: 'three' }), downLinkMsg({ controlType: 'TRANS2AGENT', sourceType: 'SYSTEM', mediaType: null, content: null })]);
    await waitFor(() => log.messages.length === 4 && log.typing.length === 1);

    assert.deepEqual(log.seqs(), [1, 2, 3, 4]);
    assert.deepEqual(log.messages.map((m) => m.message.content), ['one', 'two', 'three', null]);
    assert.equal(log.messages[0]!.message.to, to);
    assert.equal(typeof log.messages[0]!.storedAt, 'number');
    // An agent's message means an agent is connected; the transfer then puts the customer in the queue.
    await waitFor(() => log.states.length === 3);
    assert.deepEqual(
      log.states.map((s) => [s.seq, s.state.phase, s.state.agentNickname]),
      [[0, 'bot', undefined], [1, 'agent', 'Alice'], [4, 'queuing', undefined]],
    );
    assert.equal(client.lastSeq, 4);
    assert.deepEqual(log.errors, []);

    client.close();
    assert.equal(client.connectionState, 'closed');
    assert.deepEqual(log.disconnected, [{ code: 1000, reason: 'closed by the client', willReconnect: false }]);
  });

  it('starts after `since`, replaying only what came later', async (t) => {
    const to = newCustomer();
    await push(to, range(1, 5).map((i) => downLinkMsg({ content: `m${i}` })));
    const { log } = await open(t, to, { since: 2 });
    await waitFor(() => log.messages.length === 3);
    assert.deepEqual(log.seqs(), [3, 4, 5]);
    assert.deepEqual(log.connected, [{ transport: 'websocket', since: 2 }]);
  });

  it('gives every message to each of three tabs of one customer', async (t) => {
    const to = newCustomer();
    const tabs = await Promise.all([1, 2, 3].map(() => open(t, to)));
    await waitFor(() => tabs.every(({ client }) => client.connectionState === 'connected'));
    await pushAll(range(1, 6).map((i) => pushBody(range(1, 5).map((j) => downLinkMsg({ to, content: `${i}.${j}` })))), 3);
    await waitFor(() => tabs.every(({ log }) => log.messages.length === 30));
    for (const { log } of tabs) assert.deepEqual(log.seqs(), range(1, 30));
    assert.deepEqual(tabs[1]!.log.messages, tabs[0]!.log.messages);
    assert.deepEqual(tabs[2]!.log.messages, tabs[0]!.log.messages);
  });

  it('has every one of 1,000 concurrently pushed messages exactly once and in order across forced disconnects', async (t) => {
    const to = newCustomer();
    const tracked = trackedWebSocket();
    // Quick reconnects, so that they resume while pushes are still arriving (replay and live at once).
    const { client, log } = await open(t, to, { WebSocket: tracked.WebSocket, minReconnectDelayMs: 10, maxReconnectDelayMs: 50 });
    await waitFor(() => client.connectionState === 'connected');

    const bodies = range(1, 100).map((i) => pushBody(range(1, 10).map((j) => downLinkMsg({ to, content: `${i}.${j}` }))));
    // The network breaks while pushes are under way: after the 20th answer, and after the 50th and the 80th
    // when the client has reconnected by then.
    await pushAll(bodies, 8, (i) => {
      const socket = tracked.sockets.at(-1)!;
      if (i === 20 || ((i === 50 || i === 80) && socket.readyState === WebSocket.OPEN)) socket.terminate();
    });
    await waitFor(() => log.messages.length >= 1000, 60_000, '1,000 messages');

    assert.deepEqual(log.seqs(), range(1, 1000));
    const contents = log.messages.map((m) => m.message.content).sort();
    const pushed = bodies.flatMap((b) => b.messages.map((m) => m.content as string)).sort();
    assert.deepEqual(contents, pushed);
    assert.ok(log.disconnected.length >= 1 && log.disconnected.every((d) => d.code === 1006 && d.willReconnect));
    assert.ok(log.connected.length >= 2, 'reconnected');
    assert.ok(log.connected.slice(1).every((c) => c.since > 0), 'resumed after what it had');
    assert.deepEqual(log.errors, []);
  });

  it('reconnects and resumes when it hears nothing for a heartbeat interval and its margin', async (t) => {
    const quiet = await startGateway({ HEARTBEAT_MS: '1000' });
    t.after(() => quiet.close());
    const to = newCustomer();
    const tracked = trackedWebSocket();
    const client = createClient({ url: quiet.url, token: await customerToken(to), WebSocket: tracked.WebSocket });
    t.after(() => client.close());
    const log = record(client);
    await waitFor(() => client.connectionState === 'connected');
    assert.equal(log.hellos[0]!.heartbeatMs, 1000);

    // The first socket stops reading: to the client it is as if the network went silent.
    tracked.sockets[0]!.pause();
    const res = await quiet.push(pushBody([downLinkMsg({ to, content: 'while silent' })]));
    assert.equal(res.status, 200);
    await waitFor(() => log.messages.length === 1, 20_000, 'the message, after the watchdog reconnected');
    tracked.sockets[0]!.terminate();

    assert.deepEqual(log.disconnected.map((d) => [d.code, d.reason, d.willReconnect]), [[1006, 'no heartbeat in time', true]]);
    assert.deepEqual(log.seqs(), [1]);
    assert.equal(log.messages[0]!.message.content, 'while silent');
  });
});

describe('resuming', () => {
  it('drops messages it has already seen when a connection replays from further back', async (t) => {
    const to = newCustomer();
    // A WebSocket that asks to resume three messages earlier than the client says, as a confused proxy might.
    const sockets: WebSocket[] = [];
    class RewindingWebSocket extends WebSocket {
      constructor(url: string) {
        const rewound = new URL(url);
        const since = Number(rewound.searchParams.get('since') ?? 0);
        if (since > 3) rewound.searchParams.set('since', String(since - 3));
        super(rewound.href);
        sockets.push(this);
      }
    }
    const { client, log } = await open(t, to, { WebSocket: RewindingWebSocket });
    await waitFor(() => client.connectionState === 'connected');
    await push(to, range(1, 5).map((i) => downLinkMsg({ content: `m${i}` })));
    await waitFor(() => log.messages.length === 5);
    sockets[0]!.terminate();
    await waitFor(() => log.connected.length === 2);
    await push(to, [downLinkMsg({ content: 'm6' })]);
    await waitFor(() => log.messages.length === 6);
    assert.deepEqual(log.seqs(), range(1, 6));
    assert.equal(log.hellos[1]!.resumedFrom, 2);
    assert.deepEqual(log.errors, []);
  });

  describe('after retention purged messages the client had not seen', () => {
    let store: InProcessGateway;
    before(async () => {
      store = await startGateway();
    });
    after(() => store.close());
    /** What the retention timer does when the TTL has passed for everything stored so far. */
    const purgeAll = () => store.gateway.engine.purgeOlderThan(Date.now() + 1, 10_000);
    const pushTo = async (to: string, contents: string[]) => {
      const res = await store.push(pushBody(contents.map((content) => downLinkMsg({ to, content }))));
      assert.equal(res.status, 200);
    };
    const openOn = async (t: TestContext, to: string, since: number) => {
      const client = createClient({ url: store.url, token: await customerToken(to), WebSocket, since });
      t.after(() => client.close());
      return { client, log: record(client) };
    };

    it('is told of the truncation and goes on from the oldest message retained', async (t) => {
      const to = newCustomer();
      await pushTo(to, ['m1', 'm2', 'm3']);
      await purgeAll();
      await pushTo(to, ['m4', 'm5']);
      const { log } = await openOn(t, to, 1);
      await waitFor(() => log.messages.length === 2);
      assert.deepEqual(log.seqs(), [4, 5]);
      assert.deepEqual([log.hellos[0]!.truncated, log.hellos[0]!.firstSeq, log.hellos[0]!.lastSeq], [true, 4, 5]);
      assert.deepEqual(log.errors, []);
    });

    it('is told of the truncation when every message was purged, and takes the next one', async (t) => {
      const to = newCustomer();
      await pushTo(to, ['m1', 'm2', 'm3']);
      await purgeAll();
      const { client, log } = await openOn(t, to, 1);
      await waitFor(() => client.connectionState === 'connected');
      await pushTo(to, ['m4']);
      await waitFor(() => log.messages.length === 1);
      assert.deepEqual(log.seqs(), [4]);
      // protocol.md: `truncated: true when messages after resumedFrom were already purged` (here 2 and 3).
      assert.deepEqual([log.hellos[0]!.truncated, log.hellos[0]!.lastSeq], [true, 3]);
      assert.deepEqual(log.errors, []);
    });
  });
});

/** fetch, recording each request's URL and headers, with `cut()` to break the current response's body. */
function cuttableFetch() {
  const requests: { url: URL; headers: Record<string, string> }[] = [];
  let cutCurrent: () => void = () => {};
  const fetchFn: FetchFunction = async (input, init) => {
    requests.push({ url: new URL(input), headers: { ...(init?.headers as Record<string, string>) } });
    const res = await fetch(input, init);
    if (!res.body) return res;
    const source = res.body.getReader();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start: (c) => void (controller = c),
      pull: async (c) => {
        const { done, value } = await source.read();
        if (done) c.close();
        else c.enqueue(value);
      },
      cancel: (reason) => source.cancel(reason),
    });
    cutCurrent = () => {
      controller.error(new Error('cut by the test'));
      void source.cancel().catch(() => undefined);
    };
    return new Response(body, { status: res.status, headers: res.headers });
  };
  return { fetch: fetchFn, requests, cut: () => cutCurrent() };
}

describe('the client over SSE', () => {
  it('delivers in order and resumes with Last-Event-ID and since after the stream breaks', async (t) => {
    const to = newCustomer();
    const net = cuttableFetch();
    const { client, log } = await open(t, to, { transport: 'sse', fetch: net.fetch });
    await waitFor(() => client.connectionState === 'connected');
    assert.equal(net.requests[0]!.headers.accept, 'text/event-stream');
    assert.equal(net.requests[0]!.headers['last-event-id'], undefined);

    await push(to, range(1, 5).map((i) => downLinkMsg({ content: `m${i}` })));
    await waitFor(() => log.messages.length === 5);
    net.cut();
    await push(to, range(6, 10).map((i) => downLinkMsg({ content: `m${i}` })));
    await waitFor(() => log.messages.length === 10);

    assert.deepEqual(log.seqs(), range(1, 10));
    assert.deepEqual(log.messages.map((m) => m.message.content), range(1, 10).map((i) => `m${i}`));
    assert.equal(log.disconnected[0]!.code, 1006);
    assert.equal(net.requests.length, 2);
    assert.equal(net.requests[1]!.headers['last-event-id'], '5');
    assert.equal(net.requests[1]!.url.searchParams.get('since'), '5');
    assert.deepEqual(log.connected.map((c) => c.since), [0, 5]);
    assert.deepEqual(log.errors, []);
  });
});

describe('falling back to SSE', () => {
  it('behind a proxy that refuses WebSockets: SSE by itself, WebSocket again later, resuming by seq across every switch', async (t) => {
    const proxy = await startProxy([gw.url]);
    t.after(() => proxy.close());
    const to = newCustomer();
    await push(to, range(1, 3).map((i) => downLinkMsg({ content: `m${i}` })));
    const { client, log } = await open(t, to, {
      url: proxy.url, minReconnectDelayMs: 20, maxReconnectDelayMs: 200,
      fallback: { afterFailures: 2, retryWebSocketAfterMs: 1000 },
    });
    const switches: TransportEvent[] = [];
    client.on('transport', (e) => switches.push(e));
    await waitFor(() => log.messages.length === 3);
    assert.equal(client.transport, 'sse');
    assert.equal(proxy.refusedUpgrades, 2, 'two WebSocket attempts failed first');
    assert.deepEqual(switches, [{ transport: 'sse', reason: 'fallback' }]);
    await push(to, range(4, 6).map((i) => downLinkMsg({ content: `m${i}` })));
    await waitFor(() => log.messages.length === 6);

    // Later it tries WebSocket again; still refused, one failure sends it back to SSE.
    await waitFor(() => switches.length === 3 && client.connectionState === 'connected');
    assert.equal(proxy.refusedUpgrades, 3);
    await push(to, range(7, 9).map((i) => downLinkMsg({ content: `m${i}` })));
    await waitFor(() => log.messages.length === 9);

    // The proxy lets WebSockets through now: the next try sticks.
    proxy.refuseUpgrades = false;
    await waitFor(() => switches.length === 4 && client.connectionState === 'connected', 20_000, 'WebSocket again');
    assert.equal(client.transport, 'websocket');
    await push(to, range(10, 12).map((i) => downLinkMsg({ content: `m${i}` })));
    await waitFor(() => log.messages.length === 12);

    assert.deepEqual(switches.map((s) => `${s.reason}:${s.transport}`), ['fallback:sse', 'retry:websocket', 'fallback:sse', 'retry:websocket']);
    assert.deepEqual(log.seqs(), range(1, 12), 'every message once, in order');
    assert.deepEqual(log.messages.map((m) => m.message.content), range(1, 12).map((i) => `m${i}`));
    assert.deepEqual(log.connected.map((c) => c.transport), ['sse', 'sse', 'websocket']);
    assert.deepEqual(log.connected.map((c) => c.since), [0, 6, 9]);
  });
});

describe('tokens', () => {
  const WRONG_SECRET = 'not-the-gateway-secret-0123456789-abcdef';

  for (const transport of ['websocket', 'sse'] as const) {
    it(`asks getToken for a new one when the gateway refuses the token (4001), then resumes (${transport})`, async (t) => {
      const to = newCustomer();
      let calls = 0;
      const refused = await customerToken(to, 600, WRONG_SECRET);
      const { client, log } = await open(t, to, {
        transport,
        token: refused,
        getToken: async () => {
          calls += 1;
          return customerToken(to);
        },
      });
      await waitFor(() => client.connectionState === 'connected');
      await push(to, [downLinkMsg({ content: 'after refresh' })]);
      await waitFor(() => log.messages.length === 1);
      assert.equal(calls, 1);
      assert.deepEqual(log.disconnected.map((d) => [d.code, d.willReconnect]), [[4001, true]]);
      assert.deepEqual(log.errors, []);
    });
  }

  it('reconnects with a fresh token when its token expires during the connection', async (t) => {
    const to = newCustomer();
    const tokens: string[] = [];
    const { client, log } = await open(t, to, {
      token: await customerToken(to, 2),
      tokenRefreshMarginMs: 0,
      getToken: async () => {
        tokens.push(await customerToken(to));
        return tokens.at(-1)!;
      },
    });
    await waitFor(() => log.connected.length >= 1 || log.disconnected.length >= 1);
    await push(to, [downLinkMsg({ content: 'first' })]);
    await waitFor(() => log.disconnected.some((d) => d.code === 4001), 20_000, 'the gateway closing on expiry');
    await waitFor(() => client.connectionState === 'connected' && tokens.length === 1);
    await push(to, [downLinkMsg({ content: 'second' })]);
    await waitFor(() => log.messages.length === 2);
    assert.deepEqual(log.seqs(), [1, 2]);
    assert.deepEqual(log.errors, []);
  });

  it('replaces an expired JWT before using it', async (t) => {
    const to = newCustomer();
    let calls = 0;
    const { client, log } = await open(t, to, {
      token: await customerToken(to, -10),
      getToken: async () => {
        calls += 1;
        return customerToken(to);
      },
    });
    await waitFor(() => client.connectionState === 'connected');
    assert.equal(calls, 1);
    assert.deepEqual(log.disconnected, []);
  });

  it('stops (closed, with an error) when the token is refused and there is no getToken', async (t) => {
    const to = newCustomer();
    const { client, log } = await open(t, to, { token: await customerToken(to, 600, WRONG_SECRET) });
    await waitFor(() => client.connectionState === 'closed');
    assert.deepEqual(log.disconnected.map((d) => [d.code, d.willReconnect]), [[4001, false]]);
    assert.deepEqual(log.errors.map((e) => e.code), ['TOKEN_REFUSED']);
    assert.deepEqual(log.connected, []);
  });
});

describe('history and conversation', () => {
  it('reads pages after `since` and before `before`, and the conversation state', async () => {
    const to = newCustomer();
    await push(to, range(1, 5).map((i) => downLinkMsg({ content: `m${i}` })));
    await push(to, [downLinkMsg({ controlType: 'TRANS2AGENT', sourceType: 'SYSTEM', mediaType: null, content: null })]);
    const client = new GatewayClient({ url: gw.url, token: await customerToken(to, 600, 'wrong-secret-for-the-first-try-0123456'), getToken: () => customerToken(to), WebSocket });

    const page = await client.history({ since: 2, limit: 2 });
    assert.deepEqual(page.messages.map((m) => m.seq), [3, 4]);
    assert.deepEqual([page.customerId, page.lastSeq, page.firstSeq, page.hasMore], [to, 6, 1, true]);
    assert.equal(page.messages[0]!.message.content, 'm3');
    assert.deepEqual((await client.history()).messages.map((m) => m.seq), range(1, 6));
    assert.deepEqual((await client.history({ before: 3 })).messages.map((m) => m.seq), [1, 2]);
    const latest = await client.history({ before: 'latest', limit: 2 });
    assert.deepEqual(latest.messages.map((m) => m.seq), [5, 6]);
    assert.equal(latest.hasMore, true);

    const conversation = await client.conversation();
    assert.deepEqual([conversation.customerId, conversation.lastSeq, conversation.state.phase], [to, 6, 'queuing']);
    assert.equal(client.connectionState, 'disconnected');
  });

  it('rejects with TOKEN_REFUSED when the token is refused and there is no getToken', async () => {
    const to = newCustomer();
    const client = new GatewayClient({ url: gw.url, token: 'not.a.token', WebSocket });
    await assert.rejects(client.history(), (error: GatewayClientError) => error.code === 'TOKEN_REFUSED' && error.status === 401);
  });
});

describe('the bundle', () => {
  it('builds to one ESM file that imports and connects in Node', async (t) => {
    const { outfile, bytes } = await buildClient(join(tempDir('aicc-client-'), 'aicc-gateway-client.js'));
    assert.ok(bytes > 0);
    const sdk = (await import(pathToFileURL(outfile).href)) as typeof import('../../src/client/index.js');
    const to = newCustomer();
    const client = sdk.createClient({ url: gw.url, token: await customerToken(to), WebSocket });
    t.after(() => client.close());
    const seen: number[] = [];
    client.on('message', (m) => seen.push(m.seq));
    await waitFor(() => client.connectionState === 'connected');
    await push(to, [downLinkMsg(), downLinkMsg()]);
    await waitFor(() => seen.length === 2);
    assert.deepEqual(seen, [1, 2]);
  });
});

describe('the pure parts', () => {
  it('backs off exponentially with full jitter between 300 ms and 20 s', () => {
    const bounds = { minMs: 300, maxMs: 20_000 };
    const cases: [attempt: number, random: number, delay: number][] = [
      [0, 0, 300],
      [0, 1, 600],
      [1, 1, 1200],
      [2, 0.5, 1350],
      [5, 1, 19_200],
      [6, 1, 20_000],
      [1000, 1, 20_000],
      [1000, 0, 300],
    ];
    for (const [attempt, random, delay] of cases) {
      assert.equal(backoffDelay(attempt, bounds, () => random), delay, `attempt ${attempt}, random ${random}`);
    }
  });

  it('falls back to SSE only after WebSocket failures before any success, and tries WebSocket again later', () => {
    let now = 0;
    const choice = new TransportChoice('websocket', { afterFailures: 3, retryWebSocketAfterMs: 1000 }, () => now);
    assert.equal(choice.failedBeforeHello(), undefined);
    assert.equal(choice.failedBeforeHello(), undefined);
    assert.deepEqual(choice.failedBeforeHello(), { to: 'sse', reason: 'fallback' });
    assert.equal(choice.current, 'sse');
    assert.equal(choice.failedBeforeHello(), undefined, 'an SSE failure is no reason to switch');
    now = 400;
    assert.equal(choice.untilRetry(), 600);
    assert.equal(choice.beforeAttempt(), undefined, 'too early to retry');
    now = 1000;
    assert.deepEqual(choice.beforeAttempt(), { to: 'websocket', reason: 'retry' });
    assert.deepEqual(choice.failedBeforeHello(), { to: 'sse', reason: 'fallback' }, 'one failure of the retry is enough');
    now = 2000;
    choice.beforeAttempt();
    choice.connected();
    assert.equal(choice.untilRetry(), undefined);
    for (let i = 0; i < 5; i++) assert.equal(choice.failedBeforeHello(), undefined, 'a WebSocket that worked never falls back');
    assert.equal(choice.current, 'websocket');

    const never = new TransportChoice('websocket', undefined);
    for (let i = 0; i < 5; i++) assert.equal(never.failedBeforeHello(), undefined, 'fallback off');
  });

  it('follows each close code as the protocol says', () => {
    const cases: [code: number, canRefresh: boolean, next: ReturnType<typeof afterClose>][] = [
      [1000, false, { kind: 'reconnect', delay: 'backoff' }],
      [1001, false, { kind: 'reconnect', delay: 'advised' }],
      [1013, false, { kind: 'reconnect', delay: 'advised' }],
      [1006, true, { kind: 'reconnect', delay: 'backoff' }],
      [1011, false, { kind: 'reconnect', delay: 'backoff' }],
      [1003, true, { kind: 'stop', error: 'PROTOCOL' }],
      [4001, true, { kind: 'refresh-token' }],
      [4001, false, { kind: 'stop', error: 'TOKEN_REFUSED' }],
      [4008, false, { kind: 'reconnect', delay: 'now' }],
    ];
    for (const [code, canRefresh, next] of cases) assert.deepEqual(afterClose(code, canRefresh), next, `${code}`);
  });

  it('parses event streams split anywhere, with CRLF, comments, ids and several data lines', () => {
    const stream = 'retry: 2000\r\n\r\n: keep-alive\nid: 7\ndata: {"a":\ndata: 1}\n\nevent: close\ndata: {"type":"close"}\r\n\r\n';
    const expected = [
      { event: 'message', data: '{"a":\n1}', id: '7' },
      { event: 'close', data: '{"type":"close"}', id: '7' },
    ];
    for (let split = 0; split <= stream.length; split++) {
      const parser = new SseParser();
      const events = [...parser.push(stream.slice(0, split)), ...parser.push(stream.slice(split))];
      assert.deepEqual(events, expected, `split at ${split}`);
    }
  });

  it("reads a JWT's expiry, and nothing from what is not one", async () => {
    const token = await customerToken('someone', 60);
    const expiresAt = jwtExpiresAt(token)!;
    assert.ok(Math.abs(expiresAt - (Date.now() + 60_000)) < 5_000);
    assert.equal(jwtExpiresAt('opaque-token'), undefined);
    assert.equal(jwtExpiresAt('a.b.c'), undefined);
  });
});
