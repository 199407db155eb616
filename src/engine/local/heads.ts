// Each customer's head (its key in the file, last seq and conversation state) as the writer thread last
// committed it. A head is read from the file when its customer is first written to (never all at start: a store
// of millions of messages opens at once), and the writer is the only one that writes the file, so from then on it
// is known without asking SQLite again. A transaction works on a staged copy: its heads become the known ones
// only once it committed, and are dropped when it rolled back. Bounded: the customers written longest ago are
// forgotten first (and read again from the file when they come back).

import { INITIAL_STATE } from '../../conversation/state.js';
import type { ConversationState } from '../../protocol/index.js';

export interface Head {
  /** The customer's key in the file (database.ts), 0 until the customer's first message gives it a row. */
  key: number;
  lastSeq: number;
  state: ConversationState;
}

export const DEFAULT_HEADS_CAPACITY = 100_000;

/** A row of QUERIES.head (queries.ts). */
export interface HeadRow {
  key: number;
  floor_seq: number;
  floor_state: string | null;
  newest_seq: number | null;
  state_seq: number | null;
  state: string | null;
}

/**
 * The newest of the customer's newest merged message, its newest hot one (not in message_seqs yet: seqMerge.ts,
 * hotRows.ts) and its floor (database.ts).
 */
export function headOf(row: HeadRow | undefined, newestHotSeq: (key: number) => number = () => 0): Head {
  if (!row) return { key: 0, lastSeq: 0, state: INITIAL_STATE };
  const fromMessage = row.state_seq !== null && row.state_seq >= row.floor_seq;
  const state = fromMessage ? row.state : row.floor_state;
  return {
    key: row.key,
    lastSeq: Math.max(row.floor_seq, row.newest_seq ?? 0, newestHotSeq(row.key)),
    state: state ? (JSON.parse(state) as ConversationState) : INITIAL_STATE,
  };
}

export class Heads {
  private readonly known = new Map<string, Head>();
  private staged: StagedHeads | undefined;

  constructor(
    private readonly load: (customerId: string) => Head,
    private readonly capacity = DEFAULT_HEADS_CAPACITY,
  ) {}

  /** Starts a transaction's view of the heads. */
  stage(): StagedHeads {
    this.staged = new StagedHeads((customerId) => this.known.get(customerId) ?? this.load(customerId));
    return this.staged;
  }

  /** The staged transaction committed: its heads are now the known ones. */
  commit(): void {
    const staged = this.staged;
    this.staged = undefined;
    if (!staged) return;
    for (const [customerId, head] of staged.changed()) {
      // Re-inserted, so the map's order is the order of last writes and the oldest is first.
      this.known.delete(customerId);
      this.known.set(customerId, head);
    }
    while (this.known.size > this.capacity) this.known.delete(this.known.keys().next().value!);
  }

  /** The staged transaction rolled back: what it moved never happened. */
  discard(): void {
    this.staged = undefined;
  }

  get size(): number {
    return this.known.size;
  }
}

export class StagedHeads {
  private readonly heads = new Map<string, Head>();
  private readonly moved = new Set<string>();

  constructor(private readonly lookup: (customerId: string) => Head) {}

  get(customerId: string): Head {
    let head = this.heads.get(customerId);
    if (!head) this.heads.set(customerId, (head = { ...this.lookup(customerId) }));
    return head;
  }

  /** The customer was given its row (and key) in this transaction. */
  keyed(customerId: string, key: number): void {
    this.get(customerId).key = key;
  }

  advance(customerId: string, lastSeq: number, state: ConversationState): void {
    const head = this.get(customerId);
    head.lastSeq = lastSeq;
    head.state = state;
    this.moved.add(customerId);
  }

  /** The heads this transaction moved, to be known once it commits. */
  *changed(): IterableIterator<[string, Head]> {
    for (const customerId of this.moved) yield [customerId, this.heads.get(customerId)!];
  }
}
