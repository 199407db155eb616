// Hostile input over real HTTP on loopback. Property-based (fast-check, fixed seed, bounded runs): every pushMsg
// body is either stored exactly as sent (modulo the documented normalisation) or refused with 400 naming a field,
// never a 5xx, never a hang. Then raw bytes (invalid UTF-8, truncated bodies, wrong content types), forged
// credentials (AccessTokens, customer JWTs incl. `alg: none`, auth-v2 signatures) and media ids that try to
// leave the cache. Prints `# hostile input: N inputs tried, S stored, R refused, 0 server errors`.

import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect } from 'node:net';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { signAuthV2 } from '../src/aicc/authV2.js';
import { MAX_VALUE_DEPTH, parseLocation, parseReadIds } from '../src/aicc/downlink.js';
import { deriveSigningKeys } from '../src/secrets/keys.js';
import { downLinkMsg, pushBody, PUSH_KEY } from './support/fixtures.js';
import {
  CUSTOMER_TOKEN_SECRET, PUSH_ACCESS_KEY, customerToken, startGateway, type InProcessGateway,
} from './support/gateway.js';
import { connectSse, connectWs } from './support/streams.js';

/** Fixed, so CI is repeatable; HOSTILE_SEED explores other inputs locally. */
const SEED = Number(process.env.HOSTILE_SEED ?? 20_261_125);
/** Runs per property: bounded for CI; raise with HOSTILE_RUNS for a longer local hunt. */
const RUNS = Number(process.env.HOSTILE_RUNS ?? 200);
const PUSH_PATH = '/apiaccess/ccmessaging/pushMsg';
const WEBHOOK_PATH = '/webhooks/v1/messages';
const TOKEN_SECRET = 'hostile-input-token-secret-0123456789abcdef';
/** The key the gateway signs AccessTokens with, derived from TOKEN_SECRET: forgeries below differ from real tokens in one way only. */
const { accessTokens: ACCESS_TOKEN_KEY, visitorTokens: VISITOR_TOKEN_KEY } = deriveSigningKeys(TOKEN_SECRET);
const BODY_LIMIT = 1024 * 1024;
const REQUEST_TIMEOUT_MS = 30_000;

let gw: InProcessGateway;
let auth: Record<string, string>;
const tally = { tried: 0, stored: 0, refused: 0, serverErrors: 0 };

before(async () => {
  // No replay window: arbitrary outer timestamps must be judged by the schema alone (200 or 400, nothing else).
  gw = await startGateway({ PUSH_TIMESTAMP_SKEW_MS: '0', TOKEN_SECRET, PUSH_RATE_LIMIT: '10000000' });
  auth = { 'x-app-key': 'app1', authorization: `Bearer ${await gw.token('app1')}` };
});

after(async () => {
  // The test runner prints this line as `# hostile input: …` (a diagnostic of the file).
  console.log(
    `hostile input: ${tally.tried} inputs tried, ${tally.stored} stored, ${tally.refused} refused, ` +
      `${tally.serverErrors} server errors`,
  );
  await gw.close();
});

// ---------------------------------------------------------------------------------------------------------------
// Sending, counting, and the model of what the store must hold

interface Answer {
  status: number;
  body: any;
  text: string;
}

/** One hostile request: counted, bounded in time, and failed at once on a 5xx. */
async function send(
  method: string,
  path: string,
  body: string | Uint8Array | undefined,
  headers: Record<string, string>,
  base = gw.url,
): Promise<Answer> {
  tally.tried++;
  const res = await fetch(base + path, {
    method, headers, body: body as BodyInit | undefined, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  if (res.status >= 500) {
    tally.serverErrors++;
    assert.fail(`server error ${res.status} ${text} for ${method} ${path} ${describeInput(body)}`);
  }
  if (res.status >= 400) tally.refused++;
  else if (path === PUSH_PATH || path === WEBHOOK_PATH) tally.stored++;
  return { status: res.status, body: parsed, text };
}

const pushRaw = (raw: string | Uint8Array, headers: Record<string, string> = {}) =>
  send('POST', PUSH_PATH, raw, { 'content-type': 'application/json', ...auth, ...headers });

/** A promise that must settle in time: a hang fails the test instead of stalling it. */
async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), REQUEST_TIMEOUT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function describeInput(body: string | Uint8Array | undefined): string {
  if (body === undefined) return '(no body)';
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('latin1');
  return text.length > 600 ? `${JSON.stringify(text.slice(0, 600))}… (${text.length} chars)` : JSON.stringify(text);
}

type Json = unknown;
type Obj = Record<string, unknown>;

/** What each customer's log must hold: the messages in order, and the keys a retry is recognised by. */
const model = new Map<string, { keys: Set<string>; log: Obj[] }>();

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const codePoints = (s: string) => [...s].length;

/** The documented normalisation (README, "How a push is read"), written out again from the README. */
function expectedStored(m: Obj): Obj {
  const controlType = (m.controlType as string).trim().toUpperCase();
  const mediaType = m.mediaType == null ? null : (m.mediaType as string).trim().toUpperCase();
  const content = (m.content as string | null | undefined) ?? null;
  const out: Obj = { ...m, controlType, sourceType: (m.sourceType as string).trim().toUpperCase(), mediaType, content };
  if (m.isOfflineStatus != null) out.isOfflineStatus = m.isOfflineStatus === true || m.isOfflineStatus === 'true';
  if (controlType === 'CHAT' && mediaType === 'LOCATE') {
    out.location = parseLocation(content!, (why) => assert.fail(`accepted a LOCATE the rules refuse: ${why}`));
  }
  if (controlType === 'READ') out.readIds = parseReadIds(content);
  return out;
}

function retryKey(m: Obj): string {
  if (m.messageCode) return `code:${m.messageCode as string}`;
  const controlType = (m.controlType as string).trim().toUpperCase();
  return `hash:${JSON.stringify([m.from, m.to, Number(m.timestamp), controlType, m.content ?? null])}`;
}

/** `__proto__` anywhere, or `constructor` holding an object with `prototype`: what the parser refuses. */
function poisoned(value: Json): boolean {
  const pending: Json[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item !== 'object' || item === null) continue;
    if (Object.prototype.hasOwnProperty.call(item, '__proto__')) return true;
    const ctor = (item as Obj).constructor;
    if (Object.prototype.hasOwnProperty.call(item, 'constructor') && typeof ctor === 'object' && ctor !== null &&
      Object.prototype.hasOwnProperty.call(ctor, 'prototype')) return true;
    pending.push(...Object.values(item));
  }
  return false;
}

/** A refusal names what is wrong: `messages[3].to: …`, `timestamp: …`, `body: …`, or the forbidden key. */
function assertNamesAField(answer: Answer, input: string): void {
  assert.equal(answer.status, 400, `expected 400, got ${answer.status} ${answer.text} for ${describeInput(input)}`);
  assert.equal(typeof answer.body, 'object', answer.text);
  assert.notEqual(answer.body.resultCode, '0');
  assert.equal(answer.body.resultCode, '2');
  assert.match(answer.body.resultDesc, /^(body|timestamp|messages)(\[\d+\])?([.:]|\[)|forbidden key/, answer.text);
}

const customersOf = (wire: Json): string[] =>
  isObject(wire) && Array.isArray(wire.messages)
    ? [...new Set(wire.messages.flatMap((m) => (isObject(m) && typeof m.to === 'string' ? [m.to] : [])))]
    : [];

async function assertStoreMatchesModel(customers: string[], input: string): Promise<void> {
  for (const to of customers) {
    const entries = await gw.gateway.engine.readSince(to, 0, 100_000);
    const expected = model.get(to)?.log ?? [];
    assert.deepEqual(entries.map((e) => e.seq), expected.map((_, i) => i + 1), `gapless seqs for ${JSON.stringify(to)}`);
    assert.deepEqual(entries.map((e) => e.message), expected, `stored as sent for ${describeInput(input)}`);
  }
}

/**
 * Pushes one JSON body and checks the one property: 200 "0" and every message stored as sent (retries once), or
 * 400 naming a field and nothing stored (413 only for a body over BODY_LIMIT). Returns the status.
 */
async function pushAndCheck(body: Json): Promise<number> {
  const raw = JSON.stringify(body);
  const wire: Json = JSON.parse(raw); // exactly what the gateway reads
  const answer = await pushRaw(raw);
  const customers = customersOf(wire);
  if (Buffer.byteLength(raw) > BODY_LIMIT) {
    assert.equal(answer.status, 413, answer.text);
  } else if (answer.status === 200) {
    assert.deepEqual(answer.body, { resultCode: '0', resultDesc: 'success' });
    for (const m of (wire as { messages: Obj[] }).messages) {
      if ((m.controlType as string).trim().toUpperCase() === 'INPUT') continue; // typing: never stored
      const log = model.get(m.to as string) ?? { keys: new Set<string>(), log: [] };
      model.set(m.to as string, log);
      const key = retryKey(m);
      if (log.keys.has(key)) continue;
      log.keys.add(key);
      log.log.push(expectedStored(m));
    }
  } else {
    assertNamesAField(answer, raw);
  }
  await assertStoreMatchesModel(customers, raw);
  return answer.status;
}

// ---------------------------------------------------------------------------------------------------------------
// Generators

const ODD_UNITS = ['😀', '👩‍👩‍👧', '\u0000', '\u202e', '\ufeff', '"', '\\', '\n', '\u2028', 'é', '𝕏', ' ', '/', ','];
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
/** Text of every kind: ASCII, graphemes, any code point, and lone surrogates, emoji, NUL, bidi marks. */
const text = (maxLength: number) =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: fc.oneof(loneSurrogate, fc.constantFrom(...ODD_UNITS)), maxLength }),
  );

const KNOWN_FIELDS = new Set([
  'channel', 'isOfflineStatus', 'content', 'from', 'mediaType', 'senderNickname', 'sourceType', 'controlType',
  'timestamp', 'to', 'simQuestions', 'messageCode',
]);
const POISON_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'callId', 'location', 'readIds'];
const extraValue = fc.oneof(
  { weight: 24, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.constant({ prototype: { polluted: true } }) },
  { weight: 1, arbitrary: fc.constant(JSON.parse('{"__proto__": {"polluted": true}}') as Obj) },
);
/** Keys the spec does not list: random ones and the prototype-poisoning ones, never a known field. */
const extras = fc.dictionary(
  fc.oneof({ weight: 3, arbitrary: fc.string({ maxLength: 10 }) }, { weight: 1, arbitrary: fc.constantFrom(...POISON_KEYS) }).filter((k) => !KNOWN_FIELDS.has(k)),
  extraValue,
  { maxKeys: 4 },
);

const coordinate = (max: number) => fc.integer({ min: -max * 10_000, max: max * 10_000 }).map((n) => (n / 10_000).toFixed(4));
/** controlType, mediaType and content that go together, in every documented casing. */
const kind = fc.oneof(
  fc.record({ controlType: fc.constantFrom('CHAT', 'chat', ' Chat '), mediaType: fc.constantFrom('TEXT', 'text', ' Text '), content: text(300) }),
  fc.record({ controlType: fc.constant('CHAT'), mediaType: fc.constantFrom('IMAGE', 'Document', 'webcard'), content: text(60).map((s) => `id-${s}`) }),
  fc.record({
    controlType: fc.constant('chat'), mediaType: fc.constant('locate'),
    content: fc.tuple(coordinate(90), coordinate(180), text(40)).map(([lat, lon, d]) => `${lat}/${lon}/${d}`),
  }),
  fc.record({
    controlType: fc.constantFrom('READ', 'read'), mediaType: fc.constant(null),
    content: fc.oneof(fc.constant(null), fc.array(text(10), { maxLength: 4 }).map((a) => a.join(',')), fc.array(text(10), { maxLength: 4 }).map((a) => JSON.stringify(a))),
  }),
  fc.record({
    controlType: fc.constantFrom('DISCONNECT', 'Trans2Agent', 'CONNECT', 'INPUT', 'withdraw'),
    mediaType: fc.constantFrom(null, 'TEXT'), content: fc.oneof(fc.constant(null), text(50)),
  }),
);
const timestamp = fc.oneof(fc.integer({ min: 0, max: 2 ** 52 }), fc.stringMatching(/^[0-9]{1,16}$/));

/** A push-like message: valid in shape, with random strings everywhere a string goes and random extra keys. */
const pushLikeMessage = fc.record({
  slot: fc.integer({ min: 0, max: 1 }),
  kind,
  extras,
  fields: fc.record(
    {
      channel: fc.constantFrom('WEB', 'web', 'WhatsApp'),
      from: text(40).map((s) => `f${s}`),
      sourceType: fc.constantFrom('AGENT', 'robot', 'System', 'CUSTOMER', 'martian'),
      timestamp,
      senderNickname: fc.option(text(100)),
      simQuestions: fc.option(text(200)),
      isOfflineStatus: fc.constantFrom(true, false, 'true', 'false', null),
      messageCode: fc.oneof(fc.constant(null), fc.constant('dup'), text(20).map((s) => `mc${s}`)),
    },
    { requiredKeys: ['channel', 'from', 'sourceType', 'timestamp'] },
  ),
});

let run = 0;

/** What the rules say of a generated push, given what the generator controls. */
function shouldAccept(wire: Obj): boolean {
  if (poisoned(wire)) return false;
  const id = (s: unknown) => typeof s === 'string' && codePoints(s) >= 1 && codePoints(s) <= 128 && s.trim() !== '';
  return (wire.messages as Obj[]).every((m) => {
    const code = m.messageCode;
    const nick = m.senderNickname;
    const mediaType = m.mediaType == null ? null : (m.mediaType as string).trim().toUpperCase();
    const chatOk = (m.controlType as string).trim().toUpperCase() !== 'CHAT' ||
      (mediaType !== null && (mediaType === 'TEXT' || (m.content as string).trim() !== ''));
    return id(m.from) && id(m.to) && chatOk &&
      (code == null || (codePoints(code as string) >= 1 && codePoints(code as string) <= 64)) &&
      (nick == null || codePoints(nick as string) <= 256) &&
      (typeof m.content !== 'string' || codePoints(m.content) <= 65_536);
  });
}

const property = { seed: SEED, numRuns: RUNS, endOnFailure: true } as const;

// ---------------------------------------------------------------------------------------------------------------

describe('pushMsg bodies, property-based: stored exactly as sent, or refused with 400', () => {
  it('valid pushes with random text, unicode, emoji, lone surrogates, extra and poisoning keys', async () => {
    let stored = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(pushLikeMessage, { minLength: 1, maxLength: 5 }), fc.tuple(text(20), text(20)), extras, async (messages, tails, top) => {
        run++;
        const body = {
          ...top,
          messages: messages.map((m) => ({ ...m.extras, ...m.fields, ...m.kind, to: `P1.${run}.${m.slot}${tails[m.slot]}` })),
          timestamp: Date.now(),
        };
        const status = await pushAndCheck(body);
        const wire = JSON.parse(JSON.stringify(body)) as Obj;
        assert.equal(status, shouldAccept(wire) ? 200 : 400, `for ${describeInput(JSON.stringify(body))}`);
        if (poisoned(wire)) assert.equal(({} as Obj).polluted, undefined);
        if (status === 200) stored++;
      }),
      property,
    );
    assert.ok(stored > RUNS / 4, `most generated pushes are valid (${stored} of ${RUNS} stored)`);
  });

  const wrongForString = fc.oneof(
    fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(),
    fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  );
  const WRONG: Record<string, fc.Arbitrary<unknown>> = {
    channel: fc.oneof(wrongForString, fc.constant(null), fc.constant(''), fc.constant('c'.repeat(33))),
    from: fc.oneof(wrongForString, fc.constant(null), fc.constant(''), fc.constant('f'.repeat(129))),
    to: fc.oneof(wrongForString, fc.constant(null), fc.constant(''), fc.constant('t'.repeat(129))),
    sourceType: fc.oneof(wrongForString, fc.constant(null)),
    controlType: fc.oneof(wrongForString, fc.constant(null)),
    content: wrongForString,
    mediaType: wrongForString,
    senderNickname: wrongForString,
    simQuestions: wrongForString,
    messageCode: fc.oneof(wrongForString, fc.constant(''), fc.constant('m'.repeat(65))),
    timestamp: fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)), fc.integer({ min: -1e15, max: -1 }),
      fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}), fc.stringMatching(/^[0-9]{0,3}[^0-9][0-9]{0,3}$/),
      fc.constant('12345678901234567'), fc.constant(''),
    ),
    isOfflineStatus: fc.oneof(fc.integer(), fc.constantFrom('TRUE', 'yes', '1', ''), fc.array(fc.boolean(), { maxLength: 2 }), fc.constant({})),
  };

  it('numbers where strings belong (and every other wrong type): 400 naming the message and the field', async () => {
    const field = fc.constantFrom(...Object.keys(WRONG));
    const mutation = field.chain((name) => fc.tuple(fc.constant(name), WRONG[name]!));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.nat(), mutation, async (count, at, [name, value]) => {
        run++;
        const messages = Array.from({ length: count }, (_, i) => downLinkMsg({ to: `P2.${run}`, messageCode: `p2-${run}-${i}` }));
        const index = at % count;
        messages[index]![name] = value;
        const raw = JSON.stringify(pushBody(messages));
        const answer = await pushRaw(raw);
        assertNamesAField(answer, raw);
        assert.match(answer.body.resultDesc, new RegExp(`^messages\\[${index}\\]\\.${name}: `), answer.text);
        assert.equal((await gw.gateway.engine.readSince(`P2.${run}`, 0, 10)).length, 0, 'all or nothing');
      }),
      property,
    );
  });

  it('a missing required field, or a wrong outer shape: 400 naming it', async () => {
    const required = fc.constantFrom('channel', 'from', 'to', 'sourceType', 'controlType', 'timestamp');
    const outer = fc.oneof(
      fc.record({ messages: fc.oneof(wrongForString, fc.constant(null)).filter((v) => !Array.isArray(v)), timestamp: fc.constant(Date.now()) }),
      fc.record({ messages: fc.constant([]), timestamp: WRONG.timestamp! }),
      fc.oneof(fc.jsonValue({ maxDepth: 3 })).filter((v) => !isObject(v)),
    );
    const spoilArb = fc.oneof(
      required.map((field) => ({ missing: field, body: undefined as unknown })),
      outer.map((body) => ({ missing: undefined, body })),
    );
    await fc.assert(
      fc.asyncProperty(spoilArb, async ({ missing, body: spoil }) => {
        run++;
        let body: unknown;
        let expected: RegExp;
        if (missing !== undefined) {
          const m = downLinkMsg({ to: `P2b.${run}` });
          delete m[missing];
          body = pushBody([m]);
          expected = new RegExp(`^messages\\[0\\]\\.${missing}: is required`);
        } else {
          body = spoil;
          expected = isObject(spoil) ? (Array.isArray(spoil.messages) ? /^timestamp: / : /^messages: /) : /^body: |the body is/;
        }
        const raw = JSON.stringify(body);
        const answer = await pushRaw(raw);
        assert.equal(answer.status, 400, answer.text);
        assert.match(answer.body.resultDesc, expected, `${answer.text} for ${describeInput(raw)}`);
      }),
      property,
    );
  });

  it('any JSON at all, and push-like objects whose fields are any JSON: never a 5xx', async () => {
    const anyField = fc.jsonValue({ maxDepth: 3 });
    const loose = fc.record(
      {
        channel: fc.oneof(fc.constant('WEB'), anyField),
        from: fc.oneof(fc.constant('f1'), anyField),
        to: fc.oneof(fc.constantFrom('loose-1', 'loose-2', ' '), anyField),
        controlType: fc.oneof(fc.constantFrom('CHAT', 'READ', 'DISCONNECT', 'INPUT', 'chat'), anyField),
        sourceType: fc.oneof(fc.constantFrom('AGENT', 'SYSTEM'), anyField),
        mediaType: fc.oneof(fc.constantFrom('TEXT', 'IMAGE', 'LOCATE', '', null), anyField),
        content: fc.oneof(text(20), fc.constantFrom(null, '1/2/x', '91/0/x', ' ', 'a,b'), anyField),
        timestamp: fc.oneof(timestamp, anyField),
        messageCode: fc.oneof(fc.constantFrom('c1', 'c2', null), anyField),
        isOfflineStatus: fc.oneof(fc.boolean(), fc.constant('true'), anyField),
        callId: anyField,
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.record(
        {
          messages: fc.oneof({ weight: 4, arbitrary: fc.array(fc.oneof({ weight: 4, arbitrary: loose }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) }), { maxLength: 4 }) }, { weight: 1, arbitrary: fc.jsonValue() }),
          timestamp: fc.oneof(fc.integer({ min: 0 }), fc.jsonValue()),
          extra: fc.jsonValue({ maxDepth: 3 }),
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(fc.asyncProperty(body, async (b) => void (await pushAndCheck(b))), { ...property, numRuns: RUNS + 50 });
  });

  it(`deep nesting: kept up to ${MAX_VALUE_DEPTH} levels, refused with 400 beyond, up to a body of a million brackets`, async () => {
    const nested = (depth: number) => (depth === 0 ? 'null' : `${'['.repeat(depth)}${']'.repeat(depth)}`);
    // Up to BODY_LIMIT: 100,000 levels in the message and 100,000 beside it, or 250,000 in the message alone.
    for (const [depth, status, outer] of [
      [1, 200, 1], [MAX_VALUE_DEPTH, 200, 100_000], [MAX_VALUE_DEPTH + 1, 400, 1], [5000, 400, 5000], [100_000, 400, 100_000], [250_000, 400, 0],
    ] as const) {
      run++;
      const m = JSON.stringify(downLinkMsg({ to: `deep.${run}`, messageCode: `deep-${depth}` }));
      const raw = `{"messages":[${m.slice(0, -1)},"nested":${nested(depth)}}],"timestamp":${Date.now()},"outer":${nested(outer)}}`;
      const answer = await pushRaw(raw);
      assert.equal(answer.status, status, `depth ${depth}: ${answer.text}`);
      const entries = await gw.gateway.engine.readSince(`deep.${run}`, 0, 10);
      if (status === 200) assert.deepEqual(entries[0]!.message.nested, JSON.parse(nested(depth)));
      else assert.match(answer.body.resultDesc, /^messages\[0\]\.nested: must not nest deeper than/);
      assert.equal(entries.length, status === 200 ? 1 : 0);
    }
    // Deep where the schema looks first: refused by the schema, not by a stack.
    const deepMessages = `{"messages":${nested(400_000)},"timestamp":${Date.now()}}`;
    assertNamesAField(await pushRaw(deepMessages), deepMessages);
  });

  it('huge values at and just past each limit', async () => {
    const emojiId = (codePointsLong: number) => `E${run}.`.padEnd(codePointsLong - 10, '.') + '😀'.repeat(10);
    const limits: [string, (to: string) => Obj, (to: string) => Obj][] = [
      ['content 65,536', (to) => downLinkMsg({ to, content: 'x'.repeat(65_536) }), (to) => downLinkMsg({ to, content: 'x'.repeat(65_537) })],
      // 32,768 emoji are 65,536 UTF-16 units; 65,537 emoji are over the limit however characters are counted.
      ['content of 32,768 emoji', (to) => downLinkMsg({ to, content: '😀'.repeat(32_768) }), (to) => downLinkMsg({ to, content: '😀'.repeat(65_537) })],
      ['to of 128 emoji', () => downLinkMsg({ to: emojiId(128) }), () => downLinkMsg({ to: emojiId(129) })],
      ['to of 128', () => downLinkMsg({ to: `L${run}`.padEnd(128, 'é') }), () => downLinkMsg({ to: `L${run}`.padEnd(129, 'é') })],
      ['messageCode of 64', (to) => downLinkMsg({ to, messageCode: 'c'.repeat(64) }), (to) => downLinkMsg({ to, messageCode: 'c'.repeat(65) })],
      ['senderNickname of 256', (to) => downLinkMsg({ to, senderNickname: 'n'.repeat(256) }), (to) => downLinkMsg({ to, senderNickname: 'n'.repeat(257) })],
      ['timestamp of 16 digits', (to) => downLinkMsg({ to, timestamp: '9'.repeat(16) }), (to) => downLinkMsg({ to, timestamp: '9'.repeat(17) })],
    ];
    for (const [name, fits, over] of limits) {
      run++;
      const to = `L${run}`;
      assert.equal(await pushAndCheck(pushBody([fits(to)])), 200, name);
      assert.equal(await pushAndCheck(pushBody([over(to)])), 400, `${name} + 1`);
    }
    run++;
    const many = (n: number) => pushBody(Array.from({ length: n }, (_, i) => downLinkMsg({ to: `many.${run}`, messageCode: `m${i}` })));
    assert.equal(await pushAndCheck(many(1000)), 200);
    assert.equal(await pushAndCheck(many(1001)), 400);
    // A body at BODY_LIMIT is read; one byte over is 413, and the gateway carries on.
    const padded = (size: number) => {
      const body = pushBody([downLinkMsg({ to: `limit.${run}`, messageCode: `pad-${size}` })]) as Obj;
      const bare = Buffer.byteLength(JSON.stringify({ ...body, pad: '' }));
      return { ...body, pad: 'p'.repeat(size - bare) };
    };
    assert.equal(await pushAndCheck(padded(BODY_LIMIT)), 200);
    assert.equal(await pushAndCheck(padded(BODY_LIMIT + 1)), 413);
    assert.equal((await send('GET', '/healthz', undefined, {})).status, 200);
  });

  it('numbers JSON cannot hold in a double are not silently rewritten', async () => {
    run++;
    const m = JSON.stringify(downLinkMsg({ to: `num.${run}` }));
    const raw = `{"messages":[${m.slice(0, -1)},"big":1e400}],"timestamp":${Date.now()}}`;
    const answer = await pushRaw(raw);
    if (answer.status === 200) {
      const [entry] = await gw.gateway.engine.readSince(`num.${run}`, 0, 10);
      assert.notEqual(entry!.message.big, null, 'stored as null, not as sent');
    } else {
      assertNamesAField(answer, raw);
    }
  });

  it('still answers /healthz after all of it', async () => {
    assert.deepEqual((await send('GET', '/healthz', undefined, {})).body, { status: 'ok' });
  });
});

describe('raw bytes', () => {
  const INVALID_UTF8 = [
    [0xff], [0xfe], [0x80], [0xbf], [0xc0, 0x80], [0xc1, 0xbf], [0xe0, 0x80, 0x80], [0xe2, 0x82], [0xed, 0xa0, 0x80],
    [0xed, 0xbf, 0xbf], [0xf0, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc3],
  ];

  it('invalid UTF-8 anywhere in a string: 400, nothing stored', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...INVALID_UTF8), text(40), fc.nat(), async (bad, content, at) => {
        run++;
        const to = `U.${run}`;
        const raw = Buffer.from(JSON.stringify(pushBody([downLinkMsg({ to, content: `${content}\u0001` })])));
        // Into the content string, at a random place (the \u0001 marker's escape is 6 ASCII bytes long).
        const start = raw.indexOf('\\u0001');
        const contentStart = raw.lastIndexOf('"content":"', start) + 11;
        const where = contentStart + (at % (start - contentStart + 1));
        const body = Buffer.concat([raw.subarray(0, where), Buffer.from(bad), raw.subarray(where)]);
        const answer = await pushRaw(new Uint8Array(body));
        assert.equal(answer.status, 400, answer.text);
        assert.match(answer.body.resultDesc, /not valid UTF-8/);
        assert.equal((await gw.gateway.engine.readSince(to, 0, 10)).length, 0);
      }),
      { ...property, numRuns: Math.min(RUNS, 150) },
    );
  });

  it('every prefix of a valid body (a truncated push): 400, nothing stored; the whole body: 200', async () => {
    const to = `T.${++run}`;
    const raw = JSON.stringify(pushBody([
      downLinkMsg({ to, messageCode: 'trunc-1', content: 'héllo 😀 "quoted" \\ back' }),
      downLinkMsg({ to, controlType: 'READ', mediaType: null, content: 'a,b', isOfflineStatus: 'true' }),
    ]));
    const bytes = Buffer.from(raw);
    const lanes = 8;
    let next = 0;
    const statuses = new Map<number, number>();
    await Promise.all(Array.from({ length: lanes }, async () => {
      for (let cut = next++; cut < bytes.length; cut = next++) {
        const answer = await pushRaw(new Uint8Array(bytes.subarray(0, cut)));
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        assert.equal(answer.status, 400, `prefix of ${cut} bytes: ${answer.text}`);
      }
    }));
    assert.deepEqual([...statuses.entries()], [[400, bytes.length]]);
    assert.equal((await gw.gateway.engine.readSince(to, 0, 10)).length, 0);
    assert.equal((await pushRaw(raw)).status, 200);
    assert.equal((await gw.gateway.engine.readSince(to, 0, 10)).length, 2);
  });

  it('a wrong content type: 415 (or 400), never stored as something else', async () => {
    const to = `CT.${++run}`;
    const raw = JSON.stringify(pushBody([downLinkMsg({ to, messageCode: 'ct' })]));
    for (const type of [
      'text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x',
      'application/octet-stream', 'application/jsonx', 'application/json-patch+json', 'json', '', '*/*', 'application/',
      'application/json; charset=utf-16', 'application/json; charset=latin1', 'APPLICATION/JSON',
    ]) {
      const answer = await send('POST', PUSH_PATH, raw, { ...auth, 'content-type': type });
      assert.ok([200, 400, 415].includes(answer.status), `${type}: ${answer.status} ${answer.text}`);
      if (answer.status === 200) assert.match(type, /^application\/json/i, 'only JSON is read');
      else assert.notEqual(answer.body.resultCode, '0');
    }
    // No content type at all, with a body.
    const bare = await fetch(gw.url + PUSH_PATH, { method: 'POST', headers: auth, body: new Blob([raw]) });
    tally.tried++;
    assert.ok([400, 415].includes(bare.status), String(bare.status));
    tally.refused++;
  });

  it('a body cut off by the connection, and a Content-Length that lies: no crash, no hang, nothing stored', async () => {
    const to = `CUT.${++run}`;
    const raw = JSON.stringify(pushBody([downLinkMsg({ to, messageCode: 'cut' })]));
    const { port } = new URL(gw.url);
    const exchange = (head: string, payload: string) =>
      new Promise<string>((resolve, reject) => {
        tally.tried++;
        const socket = connect(Number(port), '127.0.0.1');
        let received = '';
        socket.setTimeout(REQUEST_TIMEOUT_MS, () => reject(new Error('the gateway hung')));
        socket.on('data', (chunk) => (received += chunk));
        socket.on('error', () => resolve(received));
        socket.on('close', () => resolve(received));
        socket.write(head + payload);
        socket.end(); // half-close: no more body is coming
      });
    const headers = (length: number) =>
      `POST ${PUSH_PATH} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nx-app-key: app1\r\n` +
      `authorization: ${auth.authorization}\r\ncontent-length: ${length}\r\nconnection: close\r\n\r\n`;
    for (const [length, payload] of [
      [raw.length, raw.slice(0, raw.length >> 1)], // the rest never comes
      [raw.length * 4, raw], // promises more than it sends
      [10, raw], // says less than it sends: the rest is read as a (bad) next request
      [-1, raw],
    ] as const) {
      const answer = await exchange(headers(length), payload);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
      assert.ok(status === 0 || (status >= 400 && status < 500), `Content-Length ${length}: ${answer.slice(0, 200)}`);
      if (status >= 400) tally.refused++;
    }
    assert.equal((await send('GET', '/healthz', undefined, {})).status, 200);
    assert.equal((await gw.gateway.engine.readSince(to, 0, 10)).length, 0);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Credentials

const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const unsigned = (header: Obj, payload: Obj, signature = '') => `${b64url(header)}.${b64url(payload)}.${signature}`;
const now = () => Math.floor(Date.now() / 1000);
const sign = (payload: Obj, secret: string | Uint8Array, alg = 'HS256') =>
  new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT' }).sign(typeof secret === 'string' ? new TextEncoder().encode(secret) : secret);

/** Variants of a real token: cut short, one character changed in each part, parts swapped or dropped. */
function spoiled(token: string): string[] {
  const [h, p, s] = token.split('.') as [string, string, string];
  const flip = (part: string, at: number) => part.slice(0, at) + (part[at] === 'A' ? 'B' : 'A') + part.slice(at + 1);
  return [
    token.slice(0, -1), token.slice(0, token.length >> 1), token.slice(0, h.length), `${h}.${p}`, `${h}.${p}.`,
    `${flip(h, 3)}.${p}.${s}`, `${h}.${flip(p, 5)}.${s}`, `${h}.${p}.${flip(s, 7)}`, `${h}.${p}.${s}.${s}`,
    `${h}.${p}.${s.toUpperCase()}`, `${p}.${h}.${s}`, `${h}..${s}`, `..`, token + 'x', token.replace(/\./g, ''),
  ];
}

/** `alg: none` in every spelling, with no signature and with a real one left on. */
function algNone(payload: Obj, realSignature: string): string[] {
  return ['none', 'None', 'NONE', 'nOnE'].flatMap((alg) => [
    unsigned({ alg, typ: 'JWT' }, payload), unsigned({ alg }, payload, realSignature), unsigned({ alg: 'HS256' }, payload),
  ]);
}

describe('credentials', () => {
  it('pushMsg: forged, truncated, expired, alg none, another secret, another app or audience: 401, nothing stored', async () => {
    const to = `CRED.${++run}`;
    const raw = JSON.stringify(pushBody([downLinkMsg({ to })]));
    const real = await gw.token('app1');
    const claims = { scope: 'pushMsg', sub: 'app1', aud: 'aicc-gateway:pushMsg', iat: now(), exp: now() + 600 };
    const visitor = (await gw.request('POST', '/v1/visitors')).body as { visitorId: string; token: string };
    const cases: [string, string, string][] = [
      ...algNone(claims, real.split('.')[2]!).map((t): [string, string, string] => ['alg none', 'app1', t]),
      ...spoiled(real).map((t): [string, string, string] => ['spoiled', 'app1', t]),
      ['another secret', 'app1', await sign(claims, 'not-the-gateway-secret-0123456789abcdef')],
      ['expired', 'app1', await sign({ ...claims, iat: now() - 700, exp: now() - 60 }, ACCESS_TOKEN_KEY)],
      ['not yet valid', 'app1', await sign({ ...claims, nbf: now() + 600 }, ACCESS_TOKEN_KEY)],
      ['no audience', 'app1', await sign({ ...claims, aud: undefined }, ACCESS_TOKEN_KEY)],
      ['visitor audience', 'app1', await sign({ ...claims, aud: 'aicc-gateway:visitor' }, ACCESS_TOKEN_KEY)],
      ['HS512 with the right secret', 'app1', await sign(claims, ACCESS_TOKEN_KEY, 'HS512')],
      ['an app not configured', 'app9', await sign({ ...claims, sub: 'app9' }, ACCESS_TOKEN_KEY)],
      ['app2 token for app1', 'app1', await gw.token('app2')],
      ['app1 token for app2', 'app2', real],
      ['a visitor token', visitor.visitorId, visitor.token],
      ['a customer token', 'app1', await customerToken('app1')],
      ['an empty sub', '', await sign({ ...claims, sub: '' }, ACCESS_TOKEN_KEY)],
      ['signed with the visitor key', 'app1', await sign(claims, VISITOR_TOKEN_KEY)],
      ['signed with the bare TOKEN_SECRET', 'app1', await sign(claims, TOKEN_SECRET)],
    ];
    for (const [name, appKey, token] of cases) {
      const answer = await send('POST', PUSH_PATH, raw, { 'content-type': 'application/json', 'x-app-key': appKey, authorization: `Bearer ${token}` });
      assert.equal(answer.status, 401, `${name} (${token}): ${answer.text}`);
      assert.equal(answer.body.resultCode, '3');
    }
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[\x21-\x7e]{1,400}$/), fc.constantFrom('app1', 'app2', 'x'), async (token, appKey) => {
        const answer = await send('POST', PUSH_PATH, raw, { 'content-type': 'application/json', 'x-app-key': appKey, authorization: `Bearer ${token}` });
        assert.equal(answer.status, 401, answer.text);
      }),
      { ...property, numRuns: Math.min(RUNS, 100) },
    );
    assert.equal((await gw.gateway.engine.readSince(to, 0, 10)).length, 0);
    // The real token still works: the refusals above were about the tokens, not the push.
    assert.equal((await send('POST', PUSH_PATH, raw, { 'content-type': 'application/json', 'x-app-key': 'app1', authorization: `Bearer ${real}` })).status, 200);
  });

  it('customer tokens: forged ones get 401 on /v1/messages and SSE, and close 4001 on the WebSocket', async () => {
    const victim = `victim.${++run}`;
    assert.equal((await pushRaw(JSON.stringify(pushBody([downLinkMsg({ to: victim, content: 'private' })])))).status, 200);
    const real = await customerToken(victim);
    const claims = { sub: victim, iat: now(), exp: now() + 600 };
    const cases: [string, string][] = [
      ...algNone(claims, real.split('.')[2]!).map((t): [string, string] => ['alg none', t]),
      ...spoiled(real).map((t): [string, string] => ['spoiled', t]),
      ['another secret', await customerToken(victim, 600, 'someone-elses-secret-0123456789abcdef')],
      ['expired', await customerToken(victim, -60)],
      ['no exp', await sign({ sub: victim }, CUSTOMER_TOKEN_SECRET)],
      ['no sub', await sign({ exp: now() + 600 }, CUSTOMER_TOKEN_SECRET)],
      ['blank sub', await sign({ ...claims, sub: '   ' }, CUSTOMER_TOKEN_SECRET)],
      ['sub over 128', await sign({ ...claims, sub: 'v'.repeat(129) }, CUSTOMER_TOKEN_SECRET)],
      ['visitor audience signed with the customer secret', await sign({ ...claims, aud: 'aicc-gateway:visitor' }, CUSTOMER_TOKEN_SECRET)],
      ['HS512 with the customer secret', await sign(claims, CUSTOMER_TOKEN_SECRET, 'HS512')],
      ['a pushMsg AccessToken', await gw.token('app1')],
      ['pushMsg audience signed with the gateway secret', await sign({ ...claims, aud: 'aicc-gateway:pushMsg' }, ACCESS_TOKEN_KEY)],
      ['visitor audience signed with the AccessToken key', await sign({ ...claims, aud: 'aicc-gateway:visitor' }, ACCESS_TOKEN_KEY)],
      ['garbage', 'not-a-jwt'],
    ];
    for (const [name, token] of cases) {
      const history = await send('GET', `/v1/messages?token=${encodeURIComponent(token)}`, undefined, {});
      assert.equal(history.status, 401, `${name} (${token}): ${history.text}`);
      assert.equal(history.body.resultCode, '3');
      assert.doesNotMatch(history.text, /private/);
      const byHeader = await send('GET', '/v1/messages', undefined, { authorization: `Bearer ${token}` });
      assert.equal(byHeader.status, 401, `${name} by header`);
      tally.tried += 2;
      const sse = await connectSse(gw.url, { authorization: `Bearer ${token}` });
      assert.equal(sse.status, 401, `${name} on SSE`);
      const ws = await connectWs(gw.url, token);
      const closed = await within(ws.closed, `${name}: the WebSocket is closed`);
      assert.equal(closed.code, 4001, `${name} on WebSocket: ${closed.reason}`);
      assert.equal(ws.messages().length, 0);
      tally.refused += 2;
    }
    const allowed = await send('GET', '/v1/messages', undefined, { authorization: `Bearer ${real}` });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.body.messages[0].message.content, 'private');
  });

  it('webhook: forged, truncated, replayed or misplaced auth-v2 signatures: 401, nothing stored', async () => {
    const to = `WH.${++run}`;
    const raw = JSON.stringify(pushBody([downLinkMsg({ to, messageCode: 'wh' })]));
    const headers = { 'content-type': 'application/json' };
    const signed = (overrides: Partial<Parameters<typeof signAuthV2>[0]> = {}) =>
      signAuthV2({
        accessKey: PUSH_ACCESS_KEY, pushKey: PUSH_KEY, method: 'POST', path: WEBHOOK_PATH, headers,
        signedHeaders: ['content-type'], body: raw, timestampMs: Date.now(), ...overrides,
      });
    const good = signed();
    const parts = good.split('/');
    const signature = parts[4]!;
    const flipped = signature.slice(0, 10) + (signature[10] === 'a' ? 'b' : 'a') + signature.slice(11);
    const cases: [string, string, string, number][] = [
      ['one hex digit changed', [...parts.slice(0, 4), flipped].join('/'), raw, 401],
      ['signature cut short', good.slice(0, -1), raw, 401],
      ['signature cut in half', good.slice(0, good.length - 32), raw, 401],
      ['no signature', parts.slice(0, 4).join('/'), raw, 401],
      ['empty signature', `${parts.slice(0, 4).join('/')}/`, raw, 401],
      ['upper-case hex', [...parts.slice(0, 4), signature.toUpperCase()].join('/'), raw, 401],
      ['signature of another body', signed({ body: raw.replace('hello', 'HELLO') }), raw, 401],
      ['body changed after signing', good, raw.replace('hello', 'HELLO'), 401],
      ['another push key', signed({ pushKey: PUSH_KEY.replace('A', 'B') }), raw, 401],
      ['an unknown access key', signed({ accessKey: 'ak-unknown' }), raw, 401],
      ['timestamp changed after signing', [parts[0], parts[1], String(Number(parts[2]) + 1), parts[3], signature].join('/'), raw, 401],
      ['signed headers changed after signing', [parts[0], parts[1], parts[2], '', signature].join('/'), raw, 401],
      ['signed for another path', signed({ path: '/webhooks/v1/other' }), raw, 401],
      ['signed for another method', signed({ method: 'PUT' }), raw, 401],
      ['auth-v2 only', 'auth-v2', raw, 401],
      ['a Bearer token', `Bearer ${await gw.token('app1')}`, raw, 401],
      ['alg none JWT', `Bearer ${unsigned({ alg: 'none' }, { sub: PUSH_ACCESS_KEY })}`, raw, 401],
      ['very long', `auth-v2/${'a'.repeat(8000)}/${parts[2]}/content-type/${signature}`, raw, 401],
      ['extra segments', `${good}/${signature}`, raw, 401],
    ];
    for (const [name, authorization, body, status] of cases) {
      const answer = await send('POST', WEBHOOK_PATH, body, { ...headers, authorization });
      assert.equal(answer.status, status, `${name}: ${answer.text}`);
      assert.notEqual(answer.body.resultCode, '0');
    }
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.stringMatching(/^[\x20-\x7e]{1,300}$/), fc.stringMatching(/^auth-v2\/[a-z0-9]{1,8}\/[0-9]{10,16}\/[a-z;-]{0,20}\/[0-9a-f]{0,70}$/)), async (authorization) => {
        const answer = await send('POST', WEBHOOK_PATH, raw, { ...headers, authorization });
        assert.equal(answer.status, 401, `${authorization}: ${answer.text}`);
      }),
      { ...property, numRuns: Math.min(RUNS, 100) },
    );
    assert.equal((await gw.gateway.engine.readSince(to, 0, 10)).length, 0);
    const accepted = await send('POST', WEBHOOK_PATH, raw, { ...headers, authorization: signed() });
    assert.equal(accepted.status, 200, accepted.text);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Media ids

/** An AICC that answers downloadFileStream for any id with bytes that name it, and records what was asked. */
async function fakeAicc(): Promise<{ url: string; asked: string[]; server: Server }> {
  const asked: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.url?.startsWith('/apigovernance/api/oauth/tokenByAkSk')) {
        res.end(JSON.stringify({ AccessToken: 'fake', ApplyType: 'Bearer', CreateTime: String(now()), Expires: '3600' }));
        return;
      }
      if (req.url?.startsWith('/apiaccess/ccmessaging/downloadFileStream')) {
        const { fileId } = JSON.parse(body) as { fileId: string };
        asked.push(fileId);
        res.end(JSON.stringify({ resultCode: '0', resultDesc: 'ok', fileStream: Buffer.from(`AICC:${fileId}`).toString('base64') }));
        return;
      }
      res.end(JSON.stringify({ resultCode: '0', resultDesc: 'ok' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, asked, server };
}

/** A GET whose path is sent exactly as written (fetch would resolve `../` before sending). */
function rawGet(base: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  tally.tried++;
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    const req = httpRequest({ host: url.hostname, port: url.port, path, headers, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => {
        if (res.statusCode! >= 500) tally.serverErrors++;
        else if (res.statusCode! >= 400) tally.refused++;
        resolve({ status: res.statusCode!, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`the gateway hung on ${path}`)));
    req.on('error', reject);
    req.end();
  });
}

describe('media ids that try to leave the cache', () => {
  let media: InProcessGateway;
  let aicc: Awaited<ReturnType<typeof fakeAicc>>;
  const SENTINEL = `SENTINEL-${process.pid}-${Date.now()}`;

  before(async () => {
    aicc = await fakeAicc();
    media = await startGateway({
      AICC_BASE_URL: aicc.url, AICC_APP_KEY: 'gw', AICC_APP_SECRET: 'gw-secret', AICC_CHANNEL_ID: '202105284494222653',
      AICC_TIMEOUT_MS: '5000',
    });
    writeFileSync(join(media.dataDir, 'secret.txt'), SENTINEL);
  });
  after(async () => {
    await media.close();
    await new Promise((resolve) => aicc.server.close(resolve));
  });

  it('ids not in the conversation: 404 or 400, never 200 or 5xx, never a local file', async () => {
    const token = await customerToken('media-owner');
    const secretPath = join(media.dataDir, 'secret.txt');
    const ids = [
      '../../token-secret', '..%2f..%2ftoken-secret', '..%2F..%2Fsecret.txt', '%2e%2e%2f%2e%2e%2fsecret.txt',
      '%2e%2e%252f%2e%2e%252fsecret.txt', '..%5c..%5csecret.txt', '%2fetc%2fpasswd', encodeURIComponent(secretPath),
      `${encodeURIComponent(secretPath)}%00.png`, 'secret.txt%00', '%00', '%c0%ae%c0%ae%2fsecret.txt', '%e0%80%ae%e0%80%ae%2f',
      '..', '.', '%2e', '%2e%2e', 'media%2f..%2f..%2fsecret.txt', encodeURIComponent('\\\\?\\C:\\Windows\\win.ini'),
      'a'.repeat(513), 'a'.repeat(8000), '%ff%fe', '%', '%zz',
    ];
    for (const id of ids) {
      for (const [path, headers] of [
        [`/v1/media/${id}?token=${token}`, {}],
        [`/v1/media/${id}`, { authorization: `Bearer ${token}` }],
      ] as const) {
        const answer = await rawGet(media.url, path, headers);
        assert.ok([400, 404, 414, 431].includes(answer.status), `${id}: ${answer.status} ${answer.body.slice(0, 200)}`);
        assert.ok(!answer.body.includes(SENTINEL) && !answer.body.includes('root:'), `${id} served a local file`);
      }
    }
    assert.deepEqual(aicc.asked, [], 'nothing was fetched for ids outside the conversation');
  });

  it('hostile ids that AICC itself pushed: fetched from AICC by id, cached under a hash, never a local file', async () => {
    const owner = `media.${++run}`;
    const secretPath = join(media.dataDir, 'secret.txt');
    const ids = ['../../token-secret', '../secret.txt', secretPath, 'a\u0000b.png', '..\\..\\secret.txt', '%2e%2e%2fsecret.txt', `${'../'.repeat(8)}etc/passwd`];
    const pushed = await media.push(pushBody(ids.map((content, i) => downLinkMsg({ to: owner, mediaType: i % 2 ? 'DOCUMENT' : 'IMAGE', content }))));
    assert.equal(pushed.status, 200);
    const before = readdirSync(media.dataDir).sort();
    const token = await customerToken(owner);
    for (const id of ids) {
      const res = await fetch(`${media.url}/v1/media/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      tally.tried++;
      assert.equal(res.status, 200, id);
      assert.equal(await res.text(), `AICC:${id}`, `${JSON.stringify(id)} is AICC's file, not a local one`);
    }
    assert.deepEqual(aicc.asked, ids);
    assert.ok(readdirSync(join(media.dataDir, 'media')).every((name) => /^[0-9a-f]{64}\.(bin|json)$/.test(name)));
    assert.deepEqual(readdirSync(media.dataDir).sort(), before, 'no file appeared beside the cache');
    assert.equal(readFileSync(secretPath, 'utf8'), SENTINEL);
  });
});
