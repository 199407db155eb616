// The conversation summaries (last seq, state, first retained seq) this thread has read from the file, kept up to
// date by the writer's append results, so that a customer seen since the start gets its stream's hello without a
// read of the file (a reconnect: another tab, a new page, a network blip). The writer is the only one that writes
// the file and its results arrive in commit order, so a known summary stays exact; retention, which moves first
// seqs, and a writer that died (whose last commits may never have been reported) make this thread forget them all.
// Bounded: the customers remembered longest ago are forgotten first (and read again when they come back).

import type { ConversationSummary, LogEntry } from '../types.js';

export const DEFAULT_SUMMARIES_CAPACITY = 50_000;

export class KnownSummaries {
  private readonly known = new Map<string, ConversationSummary>();

  constructor(private readonly capacity = DEFAULT_SUMMARIES_CAPACITY) {}

  get(customerId: string): ConversationSummary | undefined {
    const summary = this.known.get(customerId);
    return summary && { ...summary };
  }

  /** A summary just read from the file. */
  remember(summary: ConversationSummary): void {
    this.known.delete(summary.customerId);
    this.known.set(summary.customerId, { ...summary });
    if (this.known.size > this.capacity) this.known.delete(this.known.keys().next().value!);
  }

  /**
   * An entry the writer committed. A read may already have seen it (it reads the file, which the commit reached
   * before its result reached this thread): an entry not newer than the known head changes nothing.
   */
  appended(entry: LogEntry): void {
    const known = this.known.get(entry.customerId);
    if (!known || entry.seq <= known.lastSeq) return;
    this.known.set(entry.customerId, {
      customerId: entry.customerId,
      lastSeq: entry.seq,
      // None retained before it (a new customer, or one whose log retention emptied): it is the first.
      firstSeq: known.firstSeq === 0 ? entry.seq : known.firstSeq,
      state: entry.state ?? known.state,
    });
  }

  forgetAll(): void {
    this.known.clear();
  }
}
