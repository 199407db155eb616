// The one rule for a customer id, whichever door it comes through: a push's or a polled message's `to`, a
// customer token's `sub`. Ids a person cannot tell apart would name different logs, so an id that differs from
// another only by what does not show (or shows as a blank) is refused, never silently rewritten: AICC, the
// company's backend and the gateway must all name the customer with the same string.

import { MAX_ID_LENGTH } from '../limits.js';

/**
 * Whitespace at either end; anywhere, a character that shows as nothing or as a blank:
 * - control, format, surrogate and private-use characters (NUL, ZERO WIDTH SPACE, BOM, bidi marks, tags);
 * - line and paragraph separators, and every space but the ASCII one (NO-BREAK SPACE, IDEOGRAPHIC SPACE);
 * - Unicode's default-ignorable characters, which fonts draw as nothing: the Hangul fillers (U+115F, U+1160,
 *   U+3164, U+FFA0), variation selectors (U+FE0F), the combining grapheme joiner, and the like;
 * - the blank Braille pattern (U+2800), a letter that draws as a space.
 */
const INVISIBLE = /^\s|\s$|[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u2800]|(?! )\p{Zs}/u;

export interface IdProblem {
  why: string;
  /** Empty, blank or too long: not an id at all (a token's sub so is an invalid token), where the others are ids. */
  shape: boolean;
}

/** Why `id` cannot be a customer id, or undefined when it can. */
export function idProblem(id: string): IdProblem | undefined {
  // Counted in code points, as the schemas' maxLength counts.
  if (id.length === 0 || (id.length > MAX_ID_LENGTH && [...id].length > MAX_ID_LENGTH)) {
    return { why: `must be 1 to ${MAX_ID_LENGTH} characters`, shape: true };
  }
  if (!id.trim()) return { why: 'must not be blank', shape: true };
  if (INVISIBLE.test(id)) {
    return { why: 'must not start or end with whitespace, nor hold control, invisible or blank characters', shape: false };
  }
  // "é" as one code point or as e + a combining accent looks the same: only the composed form (NFC) is taken.
  if (id.normalize('NFC') !== id) return { why: 'must be in Unicode normalization form C (NFC)', shape: false };
  return undefined;
}
