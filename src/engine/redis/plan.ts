// Plans one customer's batch of writes in Node, so the conversation state comes from the one pure TypeScript
// `nextState` both engines share (no second copy of it in Lua). The plan is only valid for the head it was
// computed from; the append script checks that head and refuses a stale plan.

import type { NormalizedMessage } from '../../aicc/downlink.js';
import { nextState } from '../../conversation/state.js';
import type { ConversationState } from '../../protocol/index.js';
import type { AppendOutcome, LogEntry } from '../types.js';

/** What a customer's log ends with: its newest seq and the state after it. */
export interface Head {
  lastSeq: number;
  state: ConversationState;
}

export type NewEntry = LogEntry & { dedupeKey: string };

/** A message already in the store: its outcome is read back (the message as first stored) after the write. */
export type StoredDuplicate = { storedSeq: number; pushed: NormalizedMessage };

export type PlannedOutcome = AppendOutcome | StoredDuplicate;

export interface Plan {
  entries: NewEntry[];
  /** One list per request, one outcome per message, in the order given. */
  outcomes: PlannedOutcome[][];
  head: Head;
}

/**
 * `stored` maps the dedupe keys already in the store to their seq. A key seen twice in the batch (a retry that
 * arrived while the first push was still being written) is stored once; the second copy is its duplicate.
 */
export function planAppend(
  head: Head,
  requests: readonly (readonly NormalizedMessage[])[],
  stored: ReadonlyMap<string, number>,
  storedAt: number,
): Plan {
  let { lastSeq, state } = head;
  const entries: NewEntry[] = [];
  const inBatch = new Map<string, NewEntry>();
  const outcomes = requests.map((messages) =>
    messages.map((msg): PlannedOutcome => {
      const storedSeq = stored.get(msg.dedupeKey);
      if (storedSeq !== undefined) return { storedSeq, pushed: msg };
      const earlier = inBatch.get(msg.dedupeKey);
      if (earlier) return { ...outcomeOf(earlier), duplicate: true };
      lastSeq += 1;
      const after = nextState(state, msg.message, lastSeq);
      const entry: NewEntry = {
        customerId: msg.customerId,
        seq: lastSeq,
        message: msg.message,
        storedAt,
        ...(after !== state ? { state: after } : {}),
        dedupeKey: msg.dedupeKey,
      };
      state = after;
      entries.push(entry);
      inBatch.set(msg.dedupeKey, entry);
      return { ...outcomeOf(entry), duplicate: false };
    }),
  );
  return { entries, outcomes, head: { lastSeq, state } };
}

export function isStoredDuplicate(outcome: PlannedOutcome): outcome is StoredDuplicate {
  return 'storedSeq' in outcome;
}

function outcomeOf({ dedupeKey: _, ...entry }: NewEntry): LogEntry {
  return entry;
}
