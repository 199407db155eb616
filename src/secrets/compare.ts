// The one comparison of secrets: time that depends on neither value's content nor length, so a caller cannot
// guess a secret (or its length) one character at a time from how long a refusal takes.

import { createHash, timingSafeEqual } from 'node:crypto';

/** Both sides are hashed to equal lengths first, then compared with node's timingSafeEqual. */
export function constantTimeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const digestA = createHash('sha256').update(a).digest();
  const digestB = createHash('sha256').update(b).digest();
  return timingSafeEqual(digestA, digestB);
}
