// The auth-v2 signature module on its own: what it reads, what it signs, what it refuses.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalString, createAuthV2Verifier, parseAuthV2Header, signAuthV2, type SignOptions } from '../../src/aicc/authV2.js';
import { GatewayError } from '../../src/errors.js';
import { PUSH_KEY } from '../support/fixtures.js';

const NOW = 1_800_000_000_000;
const verifier = createAuthV2Verifier({ pushKeys: new Map([['ak1', PUSH_KEY]]) });
const body = Buffer.from('{"messages":[],"timestamp":1800000000000}');

function signed(overrides: Partial<SignOptions> = {}) {
  const headers = { 'content-type': 'application/json', host: 'gateway.example' };
  const options: SignOptions = {
    accessKey: 'ak1', pushKey: PUSH_KEY, method: 'POST', path: '/webhooks/v1/messages', headers,
    signedHeaders: ['content-type', 'host'], body, timestampMs: NOW, ...overrides,
  };
  return { method: 'POST', path: '/webhooks/v1/messages', headers: { ...headers, authorization: signAuthV2(options) }, rawBody: body };
}

function refusedWith(code: string, pattern: RegExp) {
  return (err: unknown) => err instanceof GatewayError && err.code === code && pattern.test(err.message);
}

describe('auth-v2', () => {
  it('builds the documented canonical string', () => {
    const text = canonicalString({
      accessKey: 'ak1', timestampMs: 5, signedHeaders: ['Content-Type'], method: 'post', path: '/p',
      headerValue: () => ' application/json ', body: '',
    });
    assert.equal(
      text,
      'auth-v2/ak1/5/content-type\nPOST\n/p\ncontent-type:application/json\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('accepts a request it signed, naming the access key and the time it was signed', () => {
    assert.deepEqual(verifier.verify(signed()), { accessKey: 'ak1', signedAtMs: NOW });
    assert.deepEqual(verifier.verify(signed({ signedHeaders: [] })), { accessKey: 'ak1', signedAtMs: NOW });
  });

  it('refuses a changed body, path, method or signed header', () => {
    const request = signed();
    const cases = [
      { ...request, rawBody: Buffer.from(body.toString().replace('[]', '[{}]')) },
      { ...request, path: '/webhooks/v1/other' },
      { ...request, method: 'PUT' },
      { ...request, headers: { ...request.headers, host: 'evil.example' } },
    ];
    for (const tampered of cases) {
      assert.throws(() => verifier.verify(tampered), refusedWith('UNAUTHORIZED', /signature was not accepted/));
    }
  });

  it('refuses a wrong push key and an unknown access key with the same words', () => {
    const wrongKey = signed({ pushKey: PUSH_KEY.replace('A', 'B') });
    const unknown = signed({ accessKey: 'ak9' });
    for (const request of [wrongKey, unknown]) {
      assert.throws(() => verifier.verify(request), refusedWith('UNAUTHORIZED', /signature was not accepted/));
    }
  });

  it('leaves the time to the replay window: an old signature is still a valid one', () => {
    // The push route holds signedAtMs to PUSH_TIMESTAMP_SKEW_MS, so an old retry of a stored push can pass.
    assert.deepEqual(verifier.verify(signed({ timestampMs: NOW - 86_400_000 })), { accessKey: 'ak1', signedAtMs: NOW - 86_400_000 });
  });

  it("reads Huawei's documented four-part form and our five-part one", () => {
    assert.deepEqual(parseAuthV2Header('auth-v2/ak1/1800000000000/Content-Type;host'), {
      accessKey: 'ak1', timestamp: '1800000000000', signedHeaders: ['content-type', 'host'],
    });
    assert.deepEqual(parseAuthV2Header('auth-v2/ak1/1800000000000/'), { accessKey: 'ak1', timestamp: '1800000000000', signedHeaders: [] });
    assert.deepEqual(parseAuthV2Header(` auth-v2/ak1/1800000000000/content-type/${'ab'.repeat(32)} `), {
      accessKey: 'ak1', timestamp: '1800000000000', signedHeaders: ['content-type'], signature: 'ab'.repeat(32),
    });
  });

  it('refuses the documented four-part form for what it lacks, a signature to check, not for its shape', () => {
    for (const accessKey of ['ak1', 'ak9']) {
      const request = { ...signed(), headers: { ...signed().headers, authorization: `auth-v2/${accessKey}/${NOW}/content-type;host` } };
      assert.throws(
        () => verifier.verify(request),
        refusedWith('UNSIGNED_PUSH', /documented four-part form, which carries no signature the gateway can check: the webhook verifies only the gateway's documented five-part scheme/),
      );
    }
  });

  it('refuses a missing or malformed header', () => {
    const request = signed();
    const malformed = [
      undefined,
      'Bearer abc',
      'auth-v2/ak1/1800000000000',
      `auth-v2/ak1/not-a-time/content-type/${'0'.repeat(64)}`,
      `auth-v2/ak1/1800000000000/content-type/${'0'.repeat(63)}`,
      `auth-v2/ak1/1800000000000/content-type/`,
      `auth-v2//1800000000000/content-type/${'0'.repeat(64)}`,
      `auth-v2/ak1/1800000000000/content type`,
    ];
    for (const authorization of malformed) {
      assert.throws(
        () => verifier.verify({ ...request, headers: { ...request.headers, authorization } }),
        refusedWith('UNAUTHORIZED', /Authorization header/),
        String(authorization),
      );
    }
  });
});
