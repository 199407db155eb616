// Hostile pushMsg bodies over real HTTP on loopback, property-based (fast-check, fixed seed, bounded runs): every
// body is either stored exactly as sent (modulo the documented normalisation) or refused with 400 naming a field,
// never a 5xx, never a hang. Prints `# hostile input (push bodies): N inputs tried, S stored, R refused, 0 server errors`.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MAX_VALUE_DEPTH, parseLocation, parseReadIds } from '../../src/aicc/downlink.js';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import {
  BODY_LIMIT, gw, send, pushRaw, describeInput, property, useHostileGateway, reportTally, type Answer, type Json,
  type Obj, RUNS, text,
} from '../support/hostile.js';

useHostileGateway();
reportTally('push bodies');

let run = 0;

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

/** What the rules say of a generated push, given what the generator controls. */
function shouldAccept(wire: Obj): boolean {
  if (poisoned(wire)) return false;
  const id = (s: unknown) => typeof s === 'string' && codePoints(s) >= 1 && codePoints(s) <= 128 && s.trim() !== '';
  // The id rule (README): no whitespace at either end, no control, invisible or blank character, no space but the
  // ASCII one, and in NFC.
  const customerId = (s: unknown) => id(s) && (s as string).normalize('NFC') === s &&
    !/^\s|\s$|[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u2800]|(?! )\p{Zs}/u.test(s as string);
  return (wire.messages as Obj[]).every((m) => {
    const code = m.messageCode;
    const nick = m.senderNickname;
    const mediaType = m.mediaType == null ? null : (m.mediaType as string).trim().toUpperCase();
    const chatOk = (m.controlType as string).trim().toUpperCase() !== 'CHAT' ||
      (mediaType !== null && (mediaType === 'TEXT' || (m.content as string).trim() !== ''));
    return id(m.from) && customerId(m.to) && chatOk &&
      (code == null || (codePoints(code as string) >= 1 && codePoints(code as string) <= 64)) &&
      (nick == null || codePoints(nick as string) <= 256) &&
      (typeof m.content !== 'string' || codePoints(m.content) <= 65_536);
  });
}

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
