// The signed webhook twin over real HTTP: same processing as pushMsg, auth-v2 instead of a token. Huawei's
// documented four-part header is read and refused for what it lacks; a verifier of another scheme plugs in.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signAuthV2, type PushSignatureVerifier } from '../../src/aicc/authV2.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { buildServer } from '../../src/server.js';
import { downLinkMsg, pushBody, PUSH_KEY } from '../support/fixtures.js';
import { baseEnv, PUSH_ACCESS_KEY, startGateway, tempDir, type InProcessGateway } from '../support/gateway.js';
import { waitFor } from '../support/streams.js';

const PATH = '/webhooks/v1/messages';
let gw: InProcessGateway;

before(async () => {
  gw = await startGateway();
});
after(() => gw.close());

function signedHeaders(raw: string, options: { pushKey?: string; timestampMs?: number } = {}) {
  const headers = { 'content-type': 'application/json' };
  const authorization = signAuthV2({
    accessKey: PUSH_ACCESS_KEY, pushKey: options.pushKey ?? PUSH_KEY, method: 'POST', path: PATH, headers,
    signedHeaders: ['content-type'], body: raw, timestampMs: options.timestampMs ?? Date.now(),
  });
  return { ...headers, authorization };
}

describe('webhook push', () => {
  it('stores a signed push, and a retried one once', async () => {
    const raw = JSON.stringify(pushBody([downLinkMsg({ to: 'wh-1' }), downLinkMsg({ to: 'wh-1', controlType: 'trans2agent' })]));
    for (let i = 0; i < 2; i++) {
      const res = await gw.request('POST', PATH, raw, signedHeaders(raw));
      assert.deepEqual([res.status, res.body], [200, { resultCode: '0', resultDesc: 'success' }]);
    }
    const entries = await gw.gateway.engine.readSince('wh-1', 0, 10);
    assert.deepEqual(entries.map((e) => [e.seq, e.message.controlType]), [[1, 'CHAT'], [2, 'TRANS2AGENT']]);
  });

  it('refuses a body changed after signing, a wrong key, a stale signature and a Bearer token', async () => {
    const raw = JSON.stringify(pushBody([downLinkMsg({ to: 'wh-2' })]));
    const token = await gw.token('app1');
    const cases: [string, Record<string, string>, number, string][] = [
      [raw.replace('hello', 'HELLO'), signedHeaders(raw), 401, '3'],
      [raw, signedHeaders(raw, { pushKey: PUSH_KEY.toLowerCase() }), 401, '3'],
      [raw, signedHeaders(raw, { timestampMs: Date.now() - 600_000 }), 401, '4'],
      [raw, { 'content-type': 'application/json', authorization: `Bearer ${token}` }, 401, '3'],
      [raw, { 'content-type': 'application/json' }, 401, '3'],
    ];
    for (const [body, headers, status, resultCode] of cases) {
      const res = await gw.request('POST', PATH, body, headers);
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.equal(res.body.resultCode, resultCode);
    }
    assert.equal((await gw.gateway.engine.readSince('wh-2', 0, 10)).length, 0);
  });

  it("refuses Huawei's documented four-part header for carrying no signature, saying so, not for its shape", async () => {
    const raw = JSON.stringify(pushBody([downLinkMsg({ to: 'wh-4' })]));
    const authorization = `auth-v2/${PUSH_ACCESS_KEY}/${Date.now()}/content-type;host`;
    const res = await gw.request('POST', PATH, raw, { 'content-type': 'application/json', authorization });
    assert.deepEqual([res.status, res.body.resultCode], [401, '3']);
    assert.match(res.body.resultDesc, /documented four-part form, which carries no signature the gateway can check/);
    assert.match(res.body.resultDesc, /verifies only the gateway's documented five-part scheme/);
    assert.doesNotMatch(res.body.resultDesc, /must be/);
    assert.equal((await gw.gateway.engine.readSince('wh-4', 0, 10)).length, 0);
  });

  it('validates a signed push like pushMsg: all or nothing, the field named', async () => {
    const raw = JSON.stringify(pushBody([downLinkMsg({ to: 'wh-3' }), downLinkMsg({ to: 'wh-3', messageCode: 'x'.repeat(65) })]));
    const res = await gw.request('POST', PATH, raw, signedHeaders(raw));
    assert.equal(res.status, 400);
    assert.match(res.body.resultDesc, /messages\[1\]\.messageCode/);
    assert.equal((await gw.gateway.engine.readSince('wh-3', 0, 10)).length, 0);
  });
});

describe('webhook push: an old retry of a stored push', () => {
  const SKEW_MS = 1000;
  let small: InProcessGateway;
  before(async () => {
    small = await startGateway({ PUSH_TIMESTAMP_SKEW_MS: String(SKEW_MS) });
  });
  after(() => small.close());

  it('passes with its original signature once the window is over, storing and delivering nothing again', async () => {
    const raw = JSON.stringify(pushBody([downLinkMsg({ to: 'wh-old', messageCode: 'wh-old-1' })]));
    const headers = signedHeaders(raw);
    const signedAt = Number(headers.authorization.split('/')[2]);
    assert.equal((await small.request('POST', PATH, raw, headers)).body.resultCode, '0');
    await waitFor(() => Date.now() > signedAt + SKEW_MS + 5, 'the signature to age past the window');
    const retried = await small.request('POST', PATH, raw, headers);
    assert.deepEqual([retried.status, retried.body], [200, { resultCode: '0', resultDesc: 'success' }]);
    assert.deepEqual((await small.gateway.engine.readSince('wh-old', 0, 10)).map((e) => e.seq), [1]);
    // A new body under an old signature is still a replay, however well signed.
    const fresh = JSON.stringify(pushBody([downLinkMsg({ to: 'wh-old', messageCode: 'wh-old-2' })]));
    const replayed = await small.request('POST', PATH, fresh, signedHeaders(fresh, { timestampMs: signedAt }));
    assert.deepEqual([replayed.status, replayed.body.resultCode], [401, '4']);
    assert.match(replayed.body.resultDesc, /^the signature timestamp is outside the accepted window/);
    // A tampered retry is refused for its signature, whatever is stored.
    const tampered = await small.request('POST', PATH, raw.replace('hello', 'HELLO'), headers);
    assert.deepEqual([tampered.status, tampered.body.resultCode], [401, '3']);
    assert.equal((await small.gateway.engine.readSince('wh-old', 0, 10)).length, 1);
  });
});

describe('webhook verifier: what the start-up log says, and plugging in another', () => {
  /** Builds a gateway (not listening) and returns its start-up warnings; the parts are buildServer's third argument. */
  async function startUpWarnings(parts: Parameters<typeof buildServer>[2], env: Record<string, string> = {}) {
    const lines: { level: number; msg: string }[] = [];
    const config = loadConfig(baseEnv(tempDir(), { LOG_LEVEL: 'warn', ...env }));
    const gateway = await buildServer(config, createLogger('warn', { write: (line: string) => void lines.push(JSON.parse(line)) }), parts);
    return { gateway, warnings: lines.filter((l) => l.level === 40).map((l) => l.msg) };
  }

  it('warns, when push keys are set, that only our documented scheme is verified', async () => {
    const { gateway, warnings } = await startUpWarnings({});
    await gateway.close();
    const warning = warnings.find((w) => w.includes('/webhooks/v1/messages'));
    assert.ok(warning, warnings.join('\n'));
    assert.match(warning, /verifies only the gateway's own documented auth-v2 scheme/);
    assert.match(warning, /Huawei publishes no signing algorithm/);
    const without = await startUpWarnings({}, { AICC_PUSH_KEYS: '' });
    await without.gateway.close();
    assert.equal(without.warnings.some((w) => w.includes('/webhooks/v1/messages')), false, 'no webhook keys, no warning');
  });

  it('takes a verifier of another scheme in place of ours, and says nothing of ours then', async () => {
    const seen: string[] = [];
    const pushVerifier: PushSignatureVerifier = {
      verify(request) {
        seen.push(String(request.headers.authorization));
        return { accessKey: 'huawei-ak', signedAtMs: Date.now() };
      },
    };
    const { gateway, warnings } = await startUpWarnings({ pushVerifier });
    try {
      assert.equal(warnings.some((w) => w.includes('/webhooks/v1/messages')), false);
      const raw = JSON.stringify(pushBody([downLinkMsg({ to: 'wh-plugged' })]));
      const authorization = `auth-v2/huawei-ak/${Date.now()}/content-type`;
      const res = await gateway.app.inject({ method: 'POST', url: PATH, payload: raw, headers: { 'content-type': 'application/json', authorization } });
      assert.deepEqual([res.statusCode, res.json().resultCode], [200, '0']);
      assert.deepEqual(seen, [authorization]);
      assert.equal((await gateway.engine.readSince('wh-plugged', 0, 10)).length, 1);
    } finally {
      await gateway.close();
    }
  });
});
