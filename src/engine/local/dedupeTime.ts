// The time that leads a message's key in the dedupe index (database.ts). It only orders the index: two messages
// are the same message when their customer and dedupe key match, so a key must always come with the same time,
// and a retry must bring the time the first copy was stored under.

import type { NormalizedMessage } from '../../aicc/downlink.js';

/**
 * A key hashed from the AICC message (`hash:`) holds the message's own timestamp, which a retry repeats; a status
 * entry's key is made once, with its entry, at the time it carries. Both lead the index with that time, so a
 * commit's keys sit at its right edge. A key AICC's `messageCode` or the customer's `clientMessageId` names
 * (`code:`, `client:`) says nothing of time (a client's retry is a new message made later), so its time is 0.
 */
export function dedupeTimeOf(msg: Pick<NormalizedMessage, 'dedupeKey' | 'timestamp'>): number {
  return takesTime(msg.dedupeKey) ? timeOf(msg.timestamp) : 0;
}

export function takesTime(dedupeKey: string): boolean {
  return dedupeKey.startsWith('hash:') || dedupeKey.startsWith('status:');
}

/**
 * A timestamp as the index takes it: a whole number of ms, or 0 when it is none (NaN for an unreadable one, which
 * the hash holds as null). `value` is Number() of the message's `timestamp`, as normalizeDownLinkMsg reads it.
 */
export function timeOf(value: number): number {
  return Number.isSafeInteger(value) && value > 0 ? value : 0;
}
