// The writer thread's side of message_seqs (database.ts): which rows are not merged yet ("hot"), each customer's
// newest hot seq (a head needs it: the file's index does not have it yet), and the merge itself. A merge copies
// the hot rows into message_seqs sorted by (customer, seq) and moves the watermark in the same transaction, so a
// crash before its commit leaves the rows hot (and found again at the next start), never half merged.

import type Database from 'better-sqlite3';
import { QUERIES } from './queries.js';

/** Merge once this many rows are hot (bench/writerCost.ts measured 16k–64k; see MERGE_AT in writer.ts). */
export interface MergeOptions {
  mergeAt: number;
}

export class SeqMerger {
  private mergedUpto: number;
  private hot = 0;
  /** Customer key → its newest hot row. */
  private readonly newest = new Map<number, { seq: number; id: number }>();
  /** Appended in the transaction under way: known once it commits. */
  private staged: number[] = [];
  private readonly bound: Database.Statement<[number, number], { upto: number | null }>;
  private readonly copy: Database.Statement<[number, number]>;
  private readonly mark: Database.Statement<[number]>;

  constructor(
    private readonly db: Database.Database,
    private readonly options: MergeOptions,
  ) {
    this.mergedUpto = (db.prepare(QUERIES.mergedUpto).get() as { merged_upto: number }).merged_upto;
    // Bounded by mergeAt (and what arrived since the last idle merge): the start reads no more than that.
    for (const row of db.prepare(QUERIES.hotRows).iterate(this.mergedUpto) as Iterable<{ id: number; customer: number; seq: number }>) {
      this.hot++;
      this.newest.set(row.customer, { seq: row.seq, id: row.id });
    }
    this.bound = db.prepare(QUERIES.mergeBound);
    this.copy = db.prepare(QUERIES.mergeRows);
    this.mark = db.prepare(QUERIES.setMergedUpto);
  }

  get hotRows(): number {
    return this.hot;
  }

  get due(): boolean {
    return this.hot >= this.options.mergeAt;
  }

  /** The customer's newest seq among the hot rows, 0 when it has none. */
  newestHotSeq(customerKey: number): number {
    return this.newest.get(customerKey)?.seq ?? 0;
  }

  /** A row appended in the transaction under way. */
  appended(customerKey: number, seq: number, id: number): void {
    this.staged.push(customerKey, seq, id);
  }

  commit(): void {
    const staged = this.staged;
    for (let i = 0; i < staged.length; i += 3) this.newest.set(staged[i]!, { seq: staged[i + 1]!, id: staged[i + 2]! });
    this.hot += staged.length / 3;
    this.staged = [];
  }

  discard(): void {
    this.staged = [];
  }

  /** Retention deleted rows: those above the watermark will never be merged. */
  deleted(ids: readonly number[]): void {
    for (const id of ids) if (id > this.mergedUpto) this.hot--;
  }

  /**
   * Merges the hot rows, at most `limit` of them (the oldest), in one transaction; returns the new watermark, or
   * undefined when nothing was hot. The primary key refuses a (customer, seq) already there: a second writer.
   */
  merge(limit = Number.MAX_SAFE_INTEGER): number | undefined {
    if (this.hot <= 0) return undefined;
    const done = this.db.transaction(() => {
      const upto = this.bound.get(this.mergedUpto, limit)?.upto ?? null;
      if (upto === null) return undefined;
      const merged = this.copy.run(this.mergedUpto, upto).changes;
      this.mark.run(upto);
      return { upto, merged };
    }).immediate();
    // Only once committed: a failed merge leaves the rows hot, as the file does.
    if (!done) this.hot = 0;
    else this.afterMerge(done.upto, done.merged);
    return done?.upto;
  }

  private afterMerge(upto: number, merged: number): void {
    this.mergedUpto = upto;
    this.hot = Math.max(0, this.hot - merged);
    for (const [key, row] of this.newest) if (row.id <= upto) this.newest.delete(key);
  }
}
