// pushMsg over real HTTP on loopback: the samples, every field rule, all-or-nothing, the replay window (and the
// old retries it lets through), retries stored once, gapless sequence numbers under concurrency, and the documented answers.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { downLinkMsg, pushBody, specSamples, type Msg } from '../support/fixtures.js';
import { startGateway, type InProcessGateway } from '../support/gateway.js';
import { waitFor } from '../support/streams.js';

let gw: InProcessGateway;
let auth: Record<string, string>;
let customerCounter = 0;
const newCustomer = () => `customer-${process.pid}-${++customerCounter}`;
const stored = (customerId: string) => gw.gateway.engine.readSince(customerId, 0, 10_000);

before(async () => {
  gw = await startGateway();
  auth = { 'x-app-key': 'app1', authorization: `Bearer ${await gw.token('app1')}` };
});
after(() => gw.close());

const OK = { resultCode: '0', resultDesc: 'success' };

describe('pushMsg accepts', () => {
  it('every sample of the spec, storing enums in upper case and keeping extra keys', async () => {
    const to = newCustomer();
    const samples = Object.values(specSamples()).map((m) => ({ ...m, to }));
    const res = await gw.push(pushBody(samples), auth);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, OK);
    const entries = await stored(to);
    assert.deepEqual(entries.map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(
      entries.map((e) => e.message.controlType),
      ['CHAT', 'CHAT', 'DISCONNECT', 'DISCONNECT', 'DISCONNECT', 'READ', 'TRANS2AGENT'],
    );
    assert.equal(entries[0]!.message.callId, null);
    assert.equal(entries[0]!.message.content, 'The call is connected to an agent.');
    assert.deepEqual(entries[5]!.message.readIds, ['messageId1', 'messageId2']);
    assert.equal(entries[4]!.message.isOfflineStatus, true);
  });

  it('each sample pushed on its own, one push per message', async () => {
    const to = newCustomer();
    for (const sample of Object.values(specSamples())) {
      const res = await gw.push(pushBody([{ ...sample, to }]), auth);
      assert.deepEqual([res.status, res.body], [200, OK], JSON.stringify(sample));
    }
    assert.equal((await stored(to)).length, 7);
  });

  it('a LOCATE message, stored with its parsed location', async () => {
    const to = newCustomer();
    const res = await gw.push(pushBody([downLinkMsg({ to, mediaType: 'locate', content: '22.5431/114.0579/Shenzhen, Futian' })]), auth);
    assert.equal(res.status, 200);
    const [entry] = await stored(to);
    assert.equal(entry!.message.mediaType, 'LOCATE');
    assert.deepEqual(entry!.message.location, { latitude: 22.5431, longitude: 114.0579, description: 'Shenzhen, Futian' });
  });

  it('typing (INPUT) without storing it, and an empty push', async () => {
    const to = newCustomer();
    const res = await gw.push(pushBody([downLinkMsg({ to, controlType: 'INPUT', mediaType: null, content: null })]), auth);
    assert.equal(res.status, 200);
    assert.equal((await stored(to)).length, 0);
    assert.deepEqual((await gw.push(pushBody([]), auth)).body, OK);
  });

  it('unknown controlType and mediaType values (forward compatible)', async () => {
    const to = newCustomer();
    const res = await gw.push(pushBody([downLinkMsg({ to, controlType: 'Withdraw', mediaType: 'webcard' })]), auth);
    assert.equal(res.status, 200);
    const [entry] = await stored(to);
    assert.equal(entry!.message.controlType, 'WITHDRAW');
    assert.equal(entry!.message.mediaType, 'WEBCARD');
  });
});

describe('pushMsg refuses with 400, naming the message and the field, and stores nothing', () => {
  const cases: [string, (m: Msg) => Msg, RegExp][] = [
    ['missing to', ({ to: _, ...m }) => m, /messages\[1\]\.to: is required/],
    ['empty to', (m) => ({ ...m, to: '' }), /messages\[1\]\.to: must NOT have fewer than 1 characters/],
    ['to too long', (m) => ({ ...m, to: 'x'.repeat(129) }), /messages\[1\]\.to: must NOT have more than 128/],
    ['to as a number', (m) => ({ ...m, to: 44444444 }), /messages\[1\]\.to: must be string/],
    ['missing from', ({ from: _, ...m }) => m, /messages\[1\]\.from: is required/],
    ['missing channel', ({ channel: _, ...m }) => m, /messages\[1\]\.channel: is required/],
    ['missing sourceType', ({ sourceType: _, ...m }) => m, /messages\[1\]\.sourceType: is required/],
    ['missing controlType', ({ controlType: _, ...m }) => m, /messages\[1\]\.controlType: is required/],
    ['missing timestamp', ({ timestamp: _, ...m }) => m, /messages\[1\]\.timestamp: is required/],
    ['timestamp as a float', (m) => ({ ...m, timestamp: 1.5 }), /messages\[1\]\.timestamp: must be integer/],
    ['timestamp as words', (m) => ({ ...m, timestamp: 'yesterday' }), /messages\[1\]\.timestamp:/],
    ['messageCode over 64', (m) => ({ ...m, messageCode: 'c'.repeat(65) }), /messages\[1\]\.messageCode: must NOT have more than 64/],
    ['content as a number', (m) => ({ ...m, content: 42 }), /messages\[1\]\.content: must be string or null/],
    ['isOfflineStatus as a number', (m) => ({ ...m, isOfflineStatus: 1 }), /messages\[1\]\.isOfflineStatus:/],
    ['CHAT without content', (m) => ({ ...m, content: null }), /messages\[1\]\.content: is required when controlType is CHAT/],
    ['CHAT without mediaType', ({ mediaType: _, ...m }) => m, /messages\[1\]\.mediaType: is required when controlType is CHAT/],
    ['LOCATE latitude out of range', (m) => ({ ...m, mediaType: 'LOCATE', content: '-90.01/0/x' }), /messages\[1\]\.content: latitude/],
    ['LOCATE longitude out of range', (m) => ({ ...m, mediaType: 'LOCATE', content: '0/181/x' }), /messages\[1\]\.content: longitude/],
    ['LOCATE not a location', (m) => ({ ...m, mediaType: 'LOCATE', content: 'home' }), /messages\[1\]\.content: must be "latitude/],
    ['message not an object', () => 'hello' as unknown as Msg, /messages\[1\]: must be object/],
  ];
  for (const [name, spoil, expected] of cases) {
    it(name, async () => {
      const to = newCustomer();
      const res = await gw.push(pushBody([downLinkMsg({ to }), spoil(downLinkMsg({ to }))]), auth);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.notEqual(res.body.resultCode, '0');
      assert.match(res.body.resultDesc, expected);
      assert.equal((await stored(to)).length, 0, 'the valid first message must not be stored either');
    });
  }

  it('a body without messages, or with a non-array, or with too many', async () => {
    for (const [body, expected] of [
      [{ timestamp: Date.now() }, /^messages: is required/],
      [{ timestamp: Date.now(), messages: {} }, /^messages: must be array/],
      [{ messages: [] }, /^timestamp: is required/],
      [pushBody(Array.from({ length: 1001 }, () => downLinkMsg())), /^messages: must NOT have more than 1000 items/],
      [[1, 2], /^body: must be object/],
    ] as const) {
      const res = await gw.push(body, auth);
      assert.equal(res.status, 400);
      assert.equal(res.body.resultCode, '2');
      assert.match(res.body.resultDesc, expected);
    }
  });

  it('bodies that are not JSON, not UTF-8, or poisoned', async () => {
    const cases: [string | Uint8Array, RegExp][] = [
      ['{"messages": [', /not valid JSON/],
      ['', /empty/],
      [new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), /not valid UTF-8/],
      ['{"__proto__": {"polluted": true}, "messages": [], "timestamp": 1}', /forbidden key/],
      ['{"constructor": {"prototype": {"polluted": true}}, "messages": [], "timestamp": 1}', /forbidden key/],
    ];
    for (const [body, expected] of cases) {
      const res = await gw.push(body, { ...auth, 'content-type': 'application/json' });
      assert.equal(res.status, 400);
      assert.equal(res.body.resultCode, '2');
      assert.match(res.body.resultDesc, expected);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('pushMsg authentication', () => {
  const body = () => pushBody([downLinkMsg({ to: newCustomer() })]);
  it('needs both headers, a Bearer token, and the app the token was issued to', async () => {
    const token = await gw.token('app1');
    const other = await gw.token('app2');
    const cases: [Record<string, string>, RegExp][] = [
      [{ authorization: `Bearer ${token}` }, /x-app-key header is missing/],
      [{ 'x-app-key': 'app1' }, /Authorization header is missing/],
      [{ 'x-app-key': 'app1', authorization: token }, /must be "Bearer <AccessToken>"/],
      [{ 'x-app-key': 'app1', authorization: `Bearer ${token}x` }, /invalid or has expired/],
      [{ 'x-app-key': 'app1', authorization: `Bearer ${other}` }, /not issued to this x-app-key/],
      [{ 'x-app-key': 'app3', authorization: `Bearer ${token}` }, /not issued to this x-app-key/],
    ];
    for (const [headers, expected] of cases) {
      const res = await gw.push(body(), headers);
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.equal(res.body.resultCode, '3');
      assert.match(res.body.resultDesc, expected);
    }
    assert.equal((await gw.push(body(), { 'x-app-key': 'app2', authorization: `Bearer ${other}` })).status, 200);
  });
});

describe('pushMsg replay window', () => {
  it('refuses a body timestamp outside PUSH_TIMESTAMP_SKEW_MS with 401', async () => {
    const to = newCustomer();
    for (const offset of [-300_001 - 5000, 300_001 + 5000]) {
      const res = await gw.push(pushBody([downLinkMsg({ to })], Date.now() + offset), auth);
      assert.equal(res.status, 401);
      assert.equal(res.body.resultCode, '4');
      assert.match(res.body.resultDesc, /outside the accepted window/);
    }
    assert.equal((await gw.push(pushBody([downLinkMsg({ to })], Date.now() - 200_000), auth)).status, 200);
    assert.equal((await stored(to)).length, 1);
  });

  it('refuses an old push (10 minutes) of new messages, typing or nothing: none of it is stored', async () => {
    const to = newCustomer();
    const tenMinutesAgo = Date.now() - 600_000;
    const typing = downLinkMsg({ to, controlType: 'INPUT', mediaType: null, content: null });
    for (const messages of [[downLinkMsg({ to })], [typing], []]) {
      const res = await gw.push(pushBody(messages, tenMinutesAgo), auth);
      assert.deepEqual([res.status, res.body.resultCode], [401, '4'], JSON.stringify(messages));
      assert.match(res.body.resultDesc, /outside the accepted window .*not a retry of messages already stored/);
    }
    assert.equal((await stored(to)).length, 0);
  });

  it('is off when PUSH_TIMESTAMP_SKEW_MS is 0', async () => {
    const open = await startGateway({ PUSH_TIMESTAMP_SKEW_MS: '0' });
    try {
      const res = await open.push(pushBody([downLinkMsg()], 1625898453913));
      assert.deepEqual([res.status, res.body], [200, OK]);
    } finally {
      await open.close();
    }
  });
});

describe('pushMsg: an old retry of a stored push', () => {
  // A small window, so a push first taken inside it is outside it a moment later, as AICC's retry after an outage.
  const SKEW_MS = 1000;
  let small: InProcessGateway;
  let headers: Record<string, string>;
  before(async () => {
    small = await startGateway({ PUSH_TIMESTAMP_SKEW_MS: String(SKEW_MS) });
    headers = { 'x-app-key': 'app1', authorization: `Bearer ${await small.token('app1')}` };
  });
  after(() => small.close());
  const outsideWindow = (timestamp: number) => waitFor(() => Date.now() > timestamp + SKEW_MS + 5, 'the push to age past the window');

  it('is answered "0" whatever its age, and nothing is stored or delivered again', async () => {
    const to = newCustomer();
    const body = pushBody([downLinkMsg({ to, messageCode: 'old-1' }), downLinkMsg({ to, content: 'no code' })]);
    assert.deepEqual((await small.push(body, headers)).body, OK);
    const delivered: number[] = [];
    const stop = small.gateway.engine.subscribe(to, (event) => {
      if (event.type === 'entry') delivered.push(event.entry.seq);
    });
    try {
      await outsideWindow(body.timestamp);
      const retried = await small.push(body, headers);
      assert.deepEqual([retried.status, retried.body], [200, OK]);
      // A new message after it is seen next: the retry published nothing before it.
      assert.deepEqual((await small.push(pushBody([downLinkMsg({ to, content: 'later' })]), headers)).body, OK);
      await waitFor(() => delivered.length > 0, 'the later message to be delivered');
      assert.deepEqual(delivered, [3]);
    } finally {
      stop();
    }
    assert.deepEqual((await small.gateway.engine.readSince(to, 0, 10)).map((e) => e.message.content), [
      body.messages[0]!.content, 'no code', 'later',
    ]);
  });

  it('is refused when it carries a message not stored yet, and that message stays unstored', async () => {
    const to = newCustomer();
    const first = downLinkMsg({ to, messageCode: 'kept' });
    const body = pushBody([first]);
    assert.deepEqual((await small.push(body, headers)).body, OK);
    await outsideWindow(body.timestamp);
    const grown = await small.push({ ...body, messages: [first, downLinkMsg({ to, messageCode: 'new' })] }, headers);
    assert.deepEqual([grown.status, grown.body.resultCode], [401, '4']);
    // Typing beside stored messages is no new body: the retry passes, and the old typing is not sent again.
    const typing = (content: string) => downLinkMsg({ to, controlType: 'INPUT', mediaType: null, content });
    const heard: unknown[] = [];
    const stop = small.gateway.engine.subscribe(to, (event) => {
      if (event.type === 'ephemeral') heard.push(event.message.content);
    });
    try {
      const withTyping = await small.push({ ...body, messages: [first, typing('old')] }, headers);
      assert.deepEqual([withTyping.status, withTyping.body], [200, OK]);
      assert.deepEqual((await small.push(pushBody([typing('now')]), headers)).body, OK);
      await waitFor(() => heard.length > 0, 'the fresh typing');
      assert.deepEqual(heard, ['now']);
    } finally {
      stop();
    }
    assert.deepEqual((await small.gateway.engine.readSince(to, 0, 10)).map((e) => e.message.messageCode), ['kept']);
  });
});

describe('pushMsg retries and ordering', () => {
  it('stores a retried push once: by messageCode, and without one by its content', async () => {
    const to = newCustomer();
    const body = pushBody([
      downLinkMsg({ to, messageCode: 'code-1' }),
      downLinkMsg({ to, messageCode: null, content: 'no code' }),
      downLinkMsg({ to, content: 'no code key at all' }),
    ]);
    for (let attempt = 0; attempt < 3; attempt++) {
      assert.deepEqual((await gw.push(body, auth)).body, OK);
    }
    // A retry with a later outer timestamp (a new attempt) and the same messages is still the same push.
    assert.deepEqual((await gw.push({ ...body, timestamp: Date.now() }, auth)).body, OK);
    const entries = await stored(to);
    assert.deepEqual(entries.map((e) => [e.seq, e.message.content]), [
      [1, body.messages[0]!.content],
      [2, 'no code'],
      [3, 'no code key at all'],
    ]);
  });

  it('a retry that overlaps a new message stores only the new one', async () => {
    const to = newCustomer();
    const first = downLinkMsg({ to, messageCode: 'a' });
    await gw.push(pushBody([first]), auth);
    await gw.push(pushBody([first, downLinkMsg({ to, messageCode: 'b' })]), auth);
    assert.deepEqual((await stored(to)).map((e) => [e.seq, e.message.messageCode]), [[1, 'a'], [2, 'b']]);
  });

  it('gives concurrent pushes to one customer gapless sequence numbers, each message once', async () => {
    const to = newCustomer();
    const pushes = Array.from({ length: 200 }, (_, i) =>
      pushBody([downLinkMsg({ to, messageCode: `p${i}-0` }), downLinkMsg({ to, messageCode: `p${i}-1` })]),
    );
    // Every push twice, all at once: the retries race their originals.
    const answers = await Promise.all([...pushes, ...pushes].map((body) => gw.push(body, auth)));
    assert.ok(answers.every((a) => a.status === 200 && a.body.resultCode === '0'));
    const entries = await stored(to);
    assert.equal(entries.length, 400);
    assert.deepEqual(entries.map((e) => e.seq), Array.from({ length: 400 }, (_, i) => i + 1));
    assert.equal(new Set(entries.map((e) => e.message.messageCode)).size, 400);
    // Within one push, messages keep their order.
    for (let i = 0; i < 200; i++) {
      const seqOf = (code: string) => entries.find((e) => e.message.messageCode === code)!.seq;
      assert.equal(seqOf(`p${i}-1`), seqOf(`p${i}-0`) + 1);
    }
  });

  it('numbers each customer on its own', async () => {
    const [a, b] = [newCustomer(), newCustomer()];
    await gw.push(pushBody([downLinkMsg({ to: a }), downLinkMsg({ to: b }), downLinkMsg({ to: a })]), auth);
    assert.deepEqual((await stored(a)).map((e) => e.seq), [1, 2]);
    assert.deepEqual((await stored(b)).map((e) => e.seq), [1]);
  });
});

describe('answers', () => {
  it('413 for a body over BODY_LIMIT', async () => {
    const small = await startGateway({ BODY_LIMIT: '2048' });
    try {
      const res = await small.push(pushBody([downLinkMsg({ content: 'x'.repeat(4096) })]));
      assert.equal(res.status, 413);
      assert.equal(res.body.resultCode, '6');
    } finally {
      await small.close();
    }
  });

  it('415 for a body that is not JSON', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const res = await gw.push('messages=1', { ...auth, 'content-type': type });
      assert.equal(res.status, 415, type);
      assert.equal(res.body.resultCode, '7');
    }
  });

  it('404 in the same JSON form for unknown paths and methods', async () => {
    for (const [method, path] of [['GET', '/nowhere'], ['GET', '/apiaccess/ccmessaging/pushMsg'], ['POST', '/apiaccess/ccmessaging/pushmsg2']]) {
      const res = await gw.request(method!, path!);
      assert.equal(res.status, 404);
      assert.equal(res.body.resultCode, '5');
      assert.match(res.body.resultDesc, /no such endpoint/);
    }
  });

  it('health and readiness', async () => {
    assert.deepEqual((await gw.request('GET', '/healthz')).body, { status: 'ok' });
    assert.deepEqual((await gw.request('GET', '/readyz')).body, { status: 'ready' });
  });

});
