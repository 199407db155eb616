// This thread's reads of the message log, on its own connection (WAL lets them run beside the writer thread's
// commits): a customer's messages through message_seqs and, for the rows the writer has not merged into it yet,
// the map kept here of them (hotRows.ts); the conversation summaries a stream's hello needs, remembered once read
// (summaries.ts); whether a push's messages are stored. The engine (index.ts) tells it what the writer committed,
// merged or may have lost, and turns its failures into the store's errors.

import type Database from 'better-sqlite3';
import type { NormalizedMessage } from '../../aicc/downlink.js';
import type { ConversationSummary, LogEntry } from '../types.js';
import { dedupeTimeOf } from './dedupeTime.js';
import { headOf, type HeadRow } from './heads.js';
import { HotRows, mergeBySeq } from './hotRows.js';
import { QUERIES } from './queries.js';
import type { HotRowList } from './seqMerge.js';
import { KnownSummaries } from './summaries.js';

type Row = { seq: number; body: string; stored_at: number; state: string | null };
type ReadQuery = Database.Statement<[string, number, number], Row>;

export class LogReader {
  private readonly hot = new HotRows();
  /** The summaries read or told of since the start: a stream's hello for a customer seen since needs no read. */
  private readonly summaries = new KnownSummaries();
  private readonly selectSince: ReadQuery;
  private readonly selectBefore: ReadQuery;
  private readonly selectById: Database.Statement<[number], Row>;
  private readonly selectExists: Database.Statement<[number], { found: number }>;
  private readonly selectHead: Database.Statement<[string], HeadRow>;
  private readonly selectFirstSeq: Database.Statement<[string], { first: number | null }>;
  private readonly selectStored: Database.Statement<[number, string, string], { found: number }>;

  constructor(reader: Database.Database) {
    this.selectSince = reader.prepare(QUERIES.readSince);
    this.selectBefore = reader.prepare(QUERIES.readBefore);
    this.selectById = reader.prepare(QUERIES.byId);
    this.selectExists = reader.prepare(QUERIES.exists);
    this.selectHead = reader.prepare(QUERIES.head);
    this.selectFirstSeq = reader.prepare(QUERIES.firstSeq);
    this.selectStored = reader.prepare(QUERIES.isStored);
  }

  readSince(customerId: string, afterSeq: number, limit: number): LogEntry[] {
    const merged = this.selectSince.all(customerId, afterSeq, limit);
    // A full page of merged rows ends at its last seq: no hot row after it can be on the page.
    const upTo = merged.length === limit ? merged[limit - 1]!.seq : Infinity;
    const hot = this.hot.since(customerId, afterSeq, Infinity).filter(({ seq }) => seq <= upTo);
    return entriesOf(customerId, mergeBySeq(merged, this.hotRowsOf(hot, limit), limit));
  }

  readBefore(customerId: string, beforeSeq: number, limit: number): LogEntry[] {
    const merged = this.selectBefore.all(customerId, beforeSeq, limit);
    // Newest first: a full page of merged rows ends at its oldest seq, and no older hot row can be on the page.
    const downTo = merged.length === limit ? merged[limit - 1]!.seq : -Infinity;
    const hot = this.hot.before(customerId, beforeSeq, Infinity).filter(({ seq }) => seq >= downTo);
    const rows = mergeBySeq(merged, this.hotRowsOf(hot, limit), limit, true);
    return entriesOf(customerId, rows.reverse());
  }

  conversation(customerId: string): ConversationSummary {
    const known = this.summaries.get(customerId);
    if (known) return known;
    const row = this.selectHead.get(customerId);
    const head = headOf(row, () => this.hot.newest(customerId));
    const summary = { customerId, state: head.state, lastSeq: head.lastSeq, firstSeq: row ? this.firstSeq(customerId) : 0 };
    this.summaries.remember(summary);
    return summary;
  }

  /** Stops at the first message not stored: a new push (the usual case) costs one lookup. */
  allStored(messages: readonly NormalizedMessage[]): boolean {
    return messages.every((msg) => !msg.ephemeral && this.selectStored.get(dedupeTimeOf(msg), msg.customerId, msg.dedupeKey) !== undefined);
  }

  /** Rows the writer committed (an id of 0: a duplicate, stored before). Readable from here on. */
  committed(customers: readonly string[], ids: readonly number[], seqs: readonly number[]): void {
    for (let i = 0; i < ids.length; i++) if (ids[i]! > 0) this.hot.add(customers[i]!, seqs[i]!, ids[i]!);
  }

  /** A committed entry, as it is published: the summary known of its customer moves with it. */
  published(entry: LogEntry): void {
    this.summaries.appended(entry);
  }

  /** The writer merged every row up to `upto` and committed: they are found in message_seqs now. */
  merged(upto: number): void {
    this.hot.prune(upto);
  }

  /** A (re)started writer thread's list of the rows above the watermark, read from the file: all that is hot. */
  hotRowsRead(list: HotRowList): void {
    this.hot.clear();
    this.committed(list.customerIds, list.ids, list.seqs);
  }

  /** Retention moved first seqs, or a writer died with commits whose results never came: read summaries again. */
  forgetSummaries(): void {
    this.summaries.forgetAll();
  }

  /** Up to `limit` of the hot rows, in the order given, skipping any retention deleted before they were merged. */
  private hotRowsOf(candidates: { id: number }[], limit: number): Row[] {
    const out: Row[] = [];
    for (const { id } of candidates) {
      if (out.length >= limit) break;
      const row = this.selectById.get(id);
      if (row) out.push(row);
    }
    return out;
  }

  /** A merged row's seq is below every hot one of its customer's: the hot rows count only when none is merged. */
  private firstSeq(customerId: string): number {
    const merged = this.selectFirstSeq.get(customerId)?.first;
    if (merged != null) return merged;
    const first = this.hot.since(customerId, 0, Infinity).find(({ id }) => this.selectExists.get(id) !== undefined);
    return first?.seq ?? 0;
  }
}

function entriesOf(customerId: string, rows: Row[]): LogEntry[] {
  return rows.map((row) => ({
    customerId,
    seq: row.seq,
    message: JSON.parse(row.body),
    storedAt: row.stored_at,
    ...(row.state ? { state: JSON.parse(row.state) } : {}),
  }));
}
