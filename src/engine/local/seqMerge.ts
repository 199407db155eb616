// The writer thread's side of message_seqs (database.ts): which rows are not merged yet ("hot"), each customer's
// newest hot seq (a head needs it: the file's index does not have it yet), and the merge itself. A merge copies
// the hot rows into message_seqs sorted by (customer, seq) and moves the watermark in the same transaction, so a
// crash before its commit leaves the rows hot (and found again at the next start), never half merged.

import type Database from 'better-sqlite3';
import { QUERIES } from './queries.js';

/** A merge's rows sorted by (customer, seq) and numbered from 0 in that order (n), so a chunk is a range of n. */
export const MERGING_TABLE = 'CREATE TEMP TABLE IF NOT EXISTS merging (n INTEGER PRIMARY KEY, customer INTEGER, seq INTEGER, id INTEGER)';

/** Rows as parallel arrays (cheap to copy to the reader's thread). */
export interface HotRowList {
  customerIds: string[];
  seqs: number[];
  ids: number[];
}

export interface MergeOptions {
  /** Hot rows that start a merge. */
  mergeAt: number;
  /** Rows a merge writes a transaction: it is taken in steps, so pushes wait for one step, not the whole merge. */
  chunkRows: number;
}

/** A merge under way: the hot rows up to `upto`, sorted into a temporary table, written a chunk at a time. */
interface Pending {
  upto: number;
  total: number;
  done: number;
  merged: number;
}

export class SeqMerger {
  private mergedUpto: number;
  private hot = 0;
  /** Customer key → its newest hot row. */
  private readonly newest = new Map<number, { seq: number; id: number }>();
  /** Appended in the transaction under way: known once it commits. */
  private staged: number[] = [];
  private pending: Pending | undefined;
  /** The hot rows found at start, for the reader's map (hotRows.ts), in the order they were stored. */
  readonly atStart: HotRowList = { customerIds: [], seqs: [], ids: [] };
  private readonly bound: Database.Statement<[number], { upto: number | null }>;
  private readonly sortHot: Database.Statement<[number, number]>;
  private readonly copyChunk: Database.Statement<[number, number]>;
  private readonly mark: Database.Statement<[number]>;

  constructor(
    private readonly db: Database.Database,
    private readonly options: MergeOptions,
  ) {
    this.mergedUpto = (db.prepare(QUERIES.mergedUpto).get() as { merged_upto: number }).merged_upto;
    // Bounded by mergeAt (and what arrived since the last idle merge): the start reads no more than that, once,
    // here, and hands the reader what it needs (atStart).
    const rows = db.prepare(QUERIES.hotRows).iterate(this.mergedUpto) as Iterable<{ id: number; key: number; customer_id: string; seq: number }>;
    for (const row of rows) {
      this.hot++;
      this.newest.set(row.key, { seq: row.seq, id: row.id });
      this.atStart.customerIds.push(row.customer_id);
      this.atStart.seqs.push(row.seq);
      this.atStart.ids.push(row.id);
    }
    // The sorted copy of a merge's rows lives in memory, on this connection only: a crash loses it, and the next
    // start merges again from the watermark.
    db.pragma('temp_store = MEMORY');
    db.exec(MERGING_TABLE);
    this.bound = db.prepare(QUERIES.mergeBound);
    this.sortHot = db.prepare(QUERIES.sortHot);
    this.copyChunk = db.prepare(QUERIES.mergeChunk);
    this.mark = db.prepare(QUERIES.setMergedUpto);
  }

  get mergedUptoNow(): number {
    return this.mergedUpto;
  }

  get hotRows(): number {
    return this.hot;
  }

  /** Enough rows are hot to start a merge, or one is under way: the writer takes a step after each commit. */
  get due(): boolean {
    return this.pending !== undefined || this.hot >= this.options.mergeAt;
  }

  get merging(): boolean {
    return this.pending !== undefined;
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

  /** Retention deleted rows (never while a merge is under way: see finish): those above the watermark are gone. */
  deleted(ids: readonly number[]): void {
    for (const id of ids) if (id > this.mergedUpto) this.hot--;
  }

  /**
   * One step of a merge: the first sorts the hot rows (up to the newest now) into the temporary table, each next
   * writes the next chunk of them to message_seqs in a transaction of its own, in (customer, seq) order, so a page
   * is written once for all its rows; the last one moves the watermark with its chunk. A crash between steps
   * leaves the watermark where it was: the next merge writes the chunks again, and OR IGNORE skips what is there.
   * So a second row given a seq already indexed would be skipped without a word: nothing here refuses it; only
   * the lock on DATA_DIR (one writer: dataDirLock.ts) makes sure none is. Returns the new watermark once the merge
   * is complete.
   */
  step(): number | undefined {
    if (!this.pending) {
      if (this.hot <= 0) return undefined;
      const upto = this.bound.get(this.mergedUpto)?.upto ?? null;
      if (upto === null) {
        this.hot = 0;
        return undefined;
      }
      this.db.exec('DELETE FROM temp.merging');
      const total = this.sortHot.run(this.mergedUpto, upto).changes;
      this.pending = { upto, total, done: 0, merged: 0 };
      // The sort is a step of its own: pushes wait for it or for a chunk, never for both.
      return undefined;
    }
    const pending = this.pending;
    const from = pending.done;
    const to = Math.min(pending.total, from + this.options.chunkRows);
    const last = to === pending.total;
    const merged = this.db.transaction(() => {
      const changes = this.copyChunk.run(from, to).changes;
      if (last) this.mark.run(pending.upto);
      return changes;
    }).immediate();
    pending.done = to;
    pending.merged += merged;
    if (!last) return undefined;
    this.pending = undefined;
    this.afterMerge(pending.upto, pending.merged);
    return pending.upto;
  }

  private afterMerge(upto: number, merged: number): void {
    this.mergedUpto = upto;
    this.hot = Math.max(0, this.hot - merged);
    for (const [key, row] of this.newest) if (row.id <= upto) this.newest.delete(key);
  }
}
