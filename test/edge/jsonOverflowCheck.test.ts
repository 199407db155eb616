// The JSON parser's overflow pre-check runs on every body before authentication, so its work must grow with the
// body's length, never faster: counted here by the characters it reads, on the bodies that made the regular
// expression it replaced retry at every offset (long runs of digits). It still says what that expression said.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { mayOverflow, parseJson, type Characters } from '../../src/http/jsonBody.js';

const MB = 1024 * 1024;
/** The expression the check replaced: the reference for what it must find. */
const REFERENCE = /[eE]\+?\d{3}|\d{210}/;

/** `text` as the check reads it, counting every character it asks for. */
function counted(text: string): { chars: Characters; reads: () => number } {
  let reads = 0;
  return {
    chars: { length: text.length, charCodeAt: (i: number) => (reads++, text.charCodeAt(i)) },
    reads: () => reads,
  };
}

describe('the overflow pre-check', () => {
  const hostile = {
    'runs of 209 digits (one short of a hit)': `[${Array.from({ length: Math.ceil(MB / 210) }, () => '9'.repeat(209)).join(',')}]`,
    'one string of a million digits': `{"a":"${'7'.repeat(MB)}"}`,
    'exponents of two digits, back to back': `{"a":"${'e+12'.repeat(MB / 4)}"}`,
    'digits and e alternating': `{"a":"${'1e1'.repeat(MB / 3)}"}`,
  };

  for (const [name, text] of Object.entries(hostile)) {
    it(`reads each character at most a few times: ${name} (1 MB)`, () => {
      const { chars, reads } = counted(text);
      const hit = mayOverflow(chars);
      assert.equal(hit, REFERENCE.test(text), 'the same verdict as the expression');
      assert.ok(reads() <= 3 * text.length, `${reads()} reads for ${text.length} characters`);
    });
  }

  it('a 1 MB body of digit runs is parsed (and refused only for what it holds) within the test timeout', () => {
    const body = Buffer.from(hostile['runs of 209 digits (one short of a hit)']);
    assert.ok(Array.isArray(parseJson(body)));
    assert.throws(() => parseJson(Buffer.from(`[${'9'.repeat(MB)}]`)), /too large to represent/);
  });

  it('says what the expression said, on any mix of digits, exponents and separators', () => {
    const piece = fc.oneof(
      fc.constantFrom('e', 'E', '+', '-', '.', ',', '"', 'x'),
      fc.integer({ min: 0, max: 260 }).map((n) => '5'.repeat(n)),
      fc.integer({ min: 0, max: 4 }).map((n) => '0'.repeat(n)),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        const text = pieces.join('');
        assert.equal(mayOverflow(text), REFERENCE.test(text), JSON.stringify(text.slice(0, 80)));
      }),
      { seed: 20_261_206, numRuns: 2000 },
    );
  });
});
