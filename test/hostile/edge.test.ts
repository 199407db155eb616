// Hostile input at the customer edge (property-based, fixed seed, bounded runs): paths percent-encoded every
// which way against CORS and the limits, ids that differ from real ones by invisible characters, retries that
// change the message, and a flood of random frames on one WebSocket. Never a 5xx, never a closed connection
// for frames that merely break a rule. Prints `# hostile input (customer edge): …`.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { customerToken, startGateway, type InProcessGateway } from '../support/gateway.js';
import { property, reportTally, send, tally, text } from '../support/hostile.js';
import { startRig, type Rig } from '../support/rig.js';
import { connectWs, waitFor, type Frame } from '../support/streams.js';

reportTally('customer edge');

const ALLOWED = 'https://shop.example';
const runs = Math.min(property.numRuns, 100);
let run = 0;

/** Each character of `path` either as it is or percent-encoded (upper or lower case hex), as `pick` says. */
function encoded(path: string, pick: number[]): string {
  return [...path]
    .map((c, i) => {
      const how = pick[i % pick.length]! % 3;
      if (c === '/' || how === 0) return c;
      const hex = c.charCodeAt(0).toString(16).padStart(2, '0');
      return `%${how === 1 ? hex.toUpperCase() : hex}`;
    })
    .join('');
}

describe('percent-encoded paths', () => {
  let gw: InProcessGateway;
  before(async () => {
    gw = await startGateway({ ALLOWED_ORIGINS: ALLOWED, TOKEN_RATE_LIMIT: '10' });
  });
  after(() => gw.close());

  it('from a refused origin, no spelling of a customer endpoint answers it', async () => {
    const token = await customerToken('encoded-paths');
    const paths = ['/v1/conversation', '/v1/messages', '/v1/media/abc', '/v1/media/abc/link', '/v1/survey'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), fc.array(fc.nat(), { minLength: 1, maxLength: 20 }), async (path, pick) => {
        const res = await send('GET', encoded(path, pick), undefined, { authorization: `Bearer ${token}`, origin: 'https://evil.example' }, gw.url);
        assert.ok([400, 403, 404].includes(res.status), `${encoded(path, pick)}: ${res.status} ${res.text}`);
        if (res.status === 200) assert.fail('answered a refused origin');
        assert.deepEqual(Object.keys(res.body).sort(), ['code', 'resultCode', 'resultDesc']);
      }),
      { ...property, numRuns: runs },
    );
  });

  it('no spelling of tokenByAkSk escapes TOKEN_RATE_LIMIT', async () => {
    let wrong = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { minLength: 1, maxLength: 30 }), fc.string({ minLength: 1, maxLength: 20 }), async (pick, guess) => {
        const path = encoded('/apigovernance/api/oauth/tokenByAkSk', pick);
        const res = await send('POST', path, JSON.stringify({ app_key: 'app1', app_secret: `x${guess}` }), { 'content-type': 'application/json' }, gw.url);
        assert.ok([400, 401, 404, 429].includes(res.status), `${path}: ${res.status}`);
        if (res.status === 401) wrong++;
      }),
      { ...property, numRuns: 60 },
    );
    assert.ok(wrong <= 10, `${wrong} guesses were judged; TOKEN_RATE_LIMIT is 10 a minute`);
  });
});

describe('ids that differ by invisible characters', () => {
  let gw: InProcessGateway;
  before(async () => {
    gw = await startGateway();
  });
  after(() => gw.close());

  const invisible = fc.constantFrom(
    '\u0000', '\u0007', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u200b', '\u200c', '\u200d', '\u200e', '\u202e',
    '\u2060', '\u2028', '\u2029', '\ufeff', '\u00ad',
  );
  const edge = fc.constantFrom(' ', '\t', '\u00a0', '\u3000', '\u2003', '\n');

  it('in a push\'s to: 400 naming messages[i].to, nothing stored; in a token\'s sub: 400 naming sub', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^[a-z0-9]{1,20}$/), invisible, edge, fc.nat(), fc.constantFrom('inside', 'start', 'end'),
        async (base, hidden, space, at, where) => {
          run++;
          const real = `${base}-${run}`;
          const id = where === 'inside'
            ? real.slice(0, at % real.length) + hidden + real.slice(at % real.length)
            : where === 'start' ? space + real : real + space;
          const pushed = await send('POST', '/apiaccess/ccmessaging/pushMsg', JSON.stringify(pushBody([downLinkMsg({ to: real }), downLinkMsg({ to: id })])), {
            'content-type': 'application/json', 'x-app-key': 'app1', authorization: `Bearer ${await gw.token('app1')}`,
          }, gw.url);
          assert.equal(pushed.status, 400, JSON.stringify(id));
          assert.match(pushed.body.resultDesc, /^messages\[1\]\.to: /);
          assert.equal((await gw.gateway.engine.conversation(id)).lastSeq, 0);
          assert.equal((await gw.gateway.engine.conversation(real)).lastSeq, 0, 'all or nothing');
          const read = await send('GET', '/v1/messages', undefined, { authorization: `Bearer ${await customerToken(id)}` }, gw.url);
          assert.equal(read.status, 400, JSON.stringify(id));
          assert.match(read.body.resultDesc, /sub/);
        },
      ),
      { ...property, numRuns: runs },
    );
  });
});

describe('retries with a different body', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig({ push: 'pushMsg' });
  });
  after(() => rig.close());

  const body = fc.oneof(
    fc.record({ kind: fc.constant('text'), text: text(30).filter((t) => t.length > 0 && [...t].length <= 1000) }),
    fc.record({
      kind: fc.constant('location'),
      latitude: fc.double({ min: -90, max: 90, noNaN: true }),
      longitude: fc.double({ min: -180, max: 180, noNaN: true }),
      description: fc.string({ maxLength: 30 }),
    }),
  );

  it('the same body again is the stored message (202, duplicate); any other body is 409, and the log keeps the first', async () => {
    const token = await customerToken('retrier');
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    await fc.assert(
      fc.asyncProperty(body, body, fc.boolean(), async (first, second, same) => {
        run++;
        const id = `retry-${run}`;
        const again = same ? first : second;
        const a = await send('POST', '/v1/messages', JSON.stringify({ clientMessageId: id, ...first }), auth, rig.gw.url);
        if (a.status === 400) return; // a body the schema refuses (a lone surrogate, say): nothing to retry
        assert.equal(a.status, 202, a.text);
        const b = await send('POST', '/v1/messages', JSON.stringify({ clientMessageId: id, ...again }), auth, rig.gw.url);
        const identical = JSON.stringify({ ...first }) === JSON.stringify({ ...again });
        if (b.status === 400) return;
        assert.equal(b.status, identical ? 202 : 409, `${JSON.stringify(first)} then ${JSON.stringify(again)}: ${b.text}`);
        if (identical) assert.equal(b.body.seq, a.body.seq);
        const [stored] = await rig.gw.gateway.engine.readSince('retrier', a.body.seq - 1, 1);
        assert.equal(stored!.message.messageCode, id);
        if (first.kind === 'text') assert.equal(stored!.message.content, first.text);
      }),
      { ...property, numRuns: Math.min(runs, 60) },
    );
  });
});

describe('a flood of random frames on one WebSocket', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig({ push: 'pushMsg' }, { CLIENT_RATE_LIMIT: '30' });
  });
  after(() => rig.close());

  const frame = fc.oneof(
    fc.record({ type: fc.constant('send'), kind: fc.constant('text'), text: fc.string({ minLength: 1, maxLength: 20 }) }),
    fc.record({ type: fc.constant('send'), kind: fc.constantFrom('file', 'video', 'text'), objectKey: fc.string({ maxLength: 10 }) }),
    fc.record({ type: fc.constant('transfer') }),
    fc.record({ type: fc.constant('typing') }),
    fc.record({ type: fc.constant('read'), seq: fc.oneof(fc.integer(), fc.double(), fc.string()) }),
    fc.record({ type: fc.string({ maxLength: 12 }), extra: fc.jsonValue({ maxDepth: 2 }) }),
  );

  it('is answered frame by frame: error frames beyond the limits, never an internal failure, and the connection stays', async () => {
    const ws = await connectWs(rig.gw.url, await customerToken('frame-flood'));
    const frames = fc.sample(frame, { seed: property.seed, numRuns: 400 });
    frames.forEach((f, i) => ws.socket.send(JSON.stringify({ ...f, clientMessageId: `flood-${i}` })));
    tally.tried += frames.length;
    // Every frame that is not typing or an accepted read gets an answer (ack or error); ping last, to know all were read.
    ws.socket.send(JSON.stringify({ type: 'ping' }));
    await waitFor(() => ws.frames.some((f) => f.type === 'pong'), 'the pong after the flood');
    const answered = (f: Frame) => typeof f.clientMessageId === 'string' && f.clientMessageId.startsWith('flood-');
    const silent = frames.filter((f) => f.type === 'typing' || f.type === 'read').length;
    await waitFor(() => ws.frames.filter(answered).length >= frames.length - silent, 'every frame that has an answer got it');
    const errors = ws.frames.filter((f) => f.type === 'error');
    tally.refused += errors.length;
    const internal = errors.filter((f) => /could not be handled/.test(f.reason));
    tally.serverErrors += internal.length;
    assert.deepEqual(internal, [], 'no frame failed inside the gateway');
    assert.ok(errors.some((f) => /too many/.test(f.reason)), 'the rate limit was met');
    assert.equal(ws.socket.readyState, ws.socket.OPEN, 'rule-breaking frames do not end the connection');
    ws.close();
  });
});
