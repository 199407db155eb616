// The body parser refuses numbers a double cannot hold (they would be stored as null) and nothing else; the
// walk that finds them runs only when the text could contain one, so both sides of that test are checked here.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJson } from '../../src/http/jsonBody.js';

const body = (value: string) => Buffer.from(`{"messages":[{"n":${value}}],"timestamp":1}`);

describe('parseJson and numbers', () => {
  for (const literal of ['1e400', '1E+400', '-1e309', '9.9e308', '1e0400', '9'.repeat(309), `${'9'.repeat(210)}e99`]) {
    it(`refuses ${literal.length > 20 ? `${literal.slice(0, 12)}… (${literal.length} chars)` : literal}`, () => {
      assert.throws(() => parseJson(body(literal)), /body\.messages\[0\]\.n: a number too large/);
    });
  }

  for (const literal of ['1e308', '1.7e308', '1e-400', '-0.5e-5', `${'9'.repeat(209)}e99`, '12345678901234567890']) {
    it(`keeps ${literal.length > 20 ? `${literal.slice(0, 12)}… (${literal.length} chars)` : literal}`, () => {
      const parsed = parseJson(body(literal)) as { messages: { n: number }[] };
      assert.equal(parsed.messages[0]!.n, Number(literal));
      assert.ok(Number.isFinite(parsed.messages[0]!.n));
    });
  }

  it('keeps text that only looks like a large number', () => {
    const parsed = parseJson(Buffer.from('{"content":"error e999 at 1e400","n":1}')) as { content: string };
    assert.equal(parsed.content, 'error e999 at 1e400');
  });
});
