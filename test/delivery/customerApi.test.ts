// The customer's HTTP side over real HTTP: visitors (with their rate limit), history paging, the conversation,
// retention, and CORS.

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { createRateLimiter } from '../../src/engine/limits.js';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { customerToken, startGateway, type InProcessGateway } from '../support/gateway.js';
import { connectWs, waitFor } from '../support/streams.js';

let gw: InProcessGateway;
before(async () => {
  gw = await startGateway({ VISITOR_RATE_LIMIT: '3' });
});
after(() => gw.close());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('visitors', () => {
  it('get an id and a token that opens their stream and receives their pushes', async () => {
    const res = await gw.request('POST', '/v1/visitors', undefined, { 'x-forwarded-for': '1.1.1.1' });
    assert.equal(res.status, 201);
    assert.match(res.body.visitorId, /^v_[\w-]{16}$/);
    assert.ok(res.body.expiresAt > Date.now() + 86_000_000);
    const client = await connectWs(gw.url, res.body.token);
    await gw.push(pushBody([downLinkMsg({ to: res.body.visitorId, sourceType: 'ROBOT', content: 'Welcome!' })]));
    await waitFor(() => client.messages().length === 1, 'the visitor receives its message');
    client.close();
  });

  it('refresh their token for the same id; a verified customer cannot use that door', async () => {
    const { body: visitor } = await gw.request('POST', '/v1/visitors');
    const refreshed = await gw.request('POST', '/v1/visitors/refresh', undefined, bearer(visitor.token));
    assert.equal(refreshed.status, 200);
    assert.equal(refreshed.body.visitorId, visitor.visitorId);
    const verified = await gw.request('POST', '/v1/visitors/refresh', undefined, bearer(await customerToken('c-x')));
    assert.equal(verified.status, 401);
  });

  it('are limited per client address with 429 and Retry-After', async () => {
    const limited = await startGateway({ VISITOR_RATE_LIMIT: '2' });
    try {
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await limited.request('POST', '/v1/visitors'));
      assert.deepEqual(answers.map((a) => a.status), [201, 201, 429]);
      assert.equal(answers[2]!.body.resultCode, '8');
      assert.ok(Number(answers[2]!.headers.get('retry-after')) >= 1);
    } finally {
      await limited.close();
    }
  });

  it('are not offered when VISITORS=off', async () => {
    const closed = await startGateway({ VISITORS: 'off' });
    try {
      assert.equal((await closed.request('POST', '/v1/visitors')).status, 404);
    } finally {
      await closed.close();
    }
  });
});

describe('history and conversation', () => {
  it('pages forward with since/limit and backward with before', async () => {
    const to = `history-${process.pid}`;
    await gw.push(pushBody(Array.from({ length: 25 }, (_, i) => downLinkMsg({ to, content: `h${i}`, messageCode: `h${i}` }))));
    const token = await customerToken(to);
    const page1 = await gw.request('GET', '/v1/messages?limit=10', undefined, bearer(token));
    assert.equal(page1.status, 200);
    assert.deepEqual(page1.body.messages.map((m: { seq: number }) => m.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(page1.body.hasMore, true);
    assert.equal(page1.body.lastSeq, 25);
    assert.equal(page1.body.messages[0].message.content, 'h0');
    const last = await gw.request('GET', '/v1/messages?since=20&limit=10', undefined, bearer(token));
    assert.deepEqual(last.body.messages.map((m: { seq: number }) => m.seq), [21, 22, 23, 24, 25]);
    assert.equal(last.body.hasMore, false);
    const newest = await gw.request('GET', '/v1/messages?before=&limit=3', undefined, bearer(token));
    assert.deepEqual(newest.body.messages.map((m: { seq: number }) => m.seq), [23, 24, 25]);
    assert.equal(newest.body.hasMore, true);
    const older = await gw.request('GET', '/v1/messages?before=3&limit=5', undefined, bearer(token));
    assert.deepEqual(older.body.messages.map((m: { seq: number }) => m.seq), [1, 2]);
    assert.equal(older.body.hasMore, false);
    const bad = await gw.request('GET', '/v1/messages?limit=5000', undefined, bearer(token));
    assert.equal(bad.status, 400);
    assert.match(bad.body.resultDesc, /limit must be a whole number from 1 to 1000/);
  });

  it('shows only the token\'s own customer', async () => {
    const res = await gw.request('GET', '/v1/messages', undefined, bearer(await customerToken('nobody-else')));
    assert.deepEqual(res.body.messages, []);
    assert.equal(res.body.lastSeq, 0);
  });

  it('tells the conversation state', async () => {
    const to = `conversation-${process.pid}`;
    const token = await customerToken(to);
    assert.deepEqual((await gw.request('GET', '/v1/conversation', undefined, bearer(token))).body, {
      customerId: to, state: { phase: 'bot', canSend: true, seq: 0 }, lastSeq: 0,
    });
    await gw.push(pushBody([
      downLinkMsg({ to, controlType: 'TRANS2AGENT', sourceType: 'SYSTEM', mediaType: null, content: null }),
      downLinkMsg({ to, controlType: 'DISCONNECT', sourceType: 'SYSTEM', isOfflineStatus: true, content: '{TIPS}' }),
    ]));
    const res = await gw.request('GET', '/v1/conversation', undefined, bearer(token));
    assert.deepEqual(res.body.state, { phase: 'offline', canSend: true, seq: 2 });
    assert.equal(res.body.lastSeq, 2);
  });
});

describe('retention', () => {
  it('purges messages older than HISTORY_TTL, keeps numbering, and says the history was truncated', async () => {
    const short = await startGateway({ HISTORY_TTL: '300ms' });
    try {
      const to = 'retained';
      await short.push(pushBody([downLinkMsg({ to }), downLinkMsg({ to })]));
      await sleep(400); // retention is about age: this test has to let the messages grow old
      await short.push(pushBody([downLinkMsg({ to })]));
      // The node's own retention runs every second too: on a slow machine it may have purged the two first.
      const purged = await short.gateway.retention.purgeNow();
      assert.ok(purged === 2 || purged === 0, `purged ${purged}`);
      const entries = await short.gateway.engine.readSince(to, 0, 10);
      assert.deepEqual(entries.map((e) => e.seq), [3]);
      const client = await connectWs(short.url, await customerToken(to));
      await waitFor(() => client.messages().length === 1, 'the retained message');
      assert.equal(client.frames[0]!.truncated, true);
      assert.equal(client.frames[0]!.firstSeq, 3);
      client.close();
      await short.push(pushBody([downLinkMsg({ to })]));
      assert.equal((await short.gateway.engine.conversation(to)).lastSeq, 4);
    } finally {
      await short.close();
    }
  });
});

describe('CORS', () => {
  it('answers preflights for /v1 from allowed origins only', async () => {
    const strict = await startGateway({ ALLOWED_ORIGINS: 'https://shop.example.com' });
    try {
      const allowed = await strict.request('OPTIONS', '/v1/messages', undefined, {
        origin: 'https://shop.example.com', 'access-control-request-method': 'GET',
      });
      assert.equal(allowed.status, 204);
      assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://shop.example.com');
      assert.match(allowed.headers.get('access-control-allow-headers')!, /Authorization/);
      const other = await strict.request('GET', '/v1/conversation', undefined, {
        origin: 'https://evil.example', ...bearer(await customerToken('c')),
      });
      assert.equal(other.headers.get('access-control-allow-origin'), null);
    } finally {
      await strict.close();
    }
  });
});

describe('createRateLimiter', () => {
  it('allows `limit` uses per key per window', async () => {
    let now = 0;
    const limiter = createRateLimiter({ limit: 2, windowMs: 60_000, now: () => now });
    const allowed: boolean[] = [];
    for (let i = 0; i < 3; i++) allowed.push((await limiter.take('a')).allowed);
    assert.deepEqual(allowed, [true, true, false]);
    assert.equal((await limiter.take('b')).allowed, true);
    assert.equal((await limiter.take('a')).retryAfterSeconds, 60);
    now = 59_000;
    assert.equal((await limiter.take('a')).retryAfterSeconds, 1);
    now = 60_000;
    assert.equal((await limiter.take('a')).allowed, true);
  });
});
