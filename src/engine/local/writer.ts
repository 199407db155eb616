// The SQLite writer thread. It owns the only write connection, so commits (and their fsyncs) never stall the
// event loop, and it commits all the pushes waiting for it in one transaction: one fsync for many pushes.
// It also keeps each customer's conversation state, advanced in the transaction that stores the message.

import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { nextState } from '../../conversation/state.js';
import type { ConversationState } from '../../protocol/index.js';
import type { MediaGrant } from '../types.js';
import { migrate, openDatabase } from './database.js';
import { Heads, headOf, type HeadRow, type StagedHeads } from './heads.js';
import { QUERIES } from './queries.js';
import { SeqMerger } from './seqMerge.js';
import type { AppendBatch, AppendResult, WriterData, WriterReply, WriterRequest } from './writerProtocol.js';

const port = parentPort!;
const { path, walLimitBytes, mergeAt, mergeChunkRows, ...options } = workerData as WriterData;
const db = openDatabase(path, options);
// A merge writes message_seqs pages spread over the file: keep more of them in memory than SQLite's 2 MB default,
// so a merge rarely has to read a page back.
db.pragma('cache_size = -32768');
migrate(db);
// SQLite copies the WAL back into the file (a checkpoint, with its own fsync) on the commit that takes the WAL past
// this many pages. Its default, 1,000 pages (4 MB), checkpoints every few commits under load, and each one copies
// index pages the next commits change again: a page changed by many commits is best copied once for all of them.
// Measured with schema 3 (whose commits wrote a (customer, seq) index page per customer): 64 MB about a third more rows/s
// than the default, and 256 MB, on a store holding 1.5M messages, 11 % less writer CPU and 14 % fewer bytes
// written a message than 64 MB (bench/writerCost.ts). The price: the WAL file takes up to that much room (it is cut
// back to that size after each checkpoint), and a start after a crash reads it whole (about 0.2–0.3 s for 256 MB).
const WAL_LIMIT_BYTES = 256 * 2 ** 20;
const walLimit = walLimitBytes ?? WAL_LIMIT_BYTES;
db.pragma(`wal_autocheckpoint = ${Math.ceil(walLimit / (db.pragma('page_size', { simple: true }) as number))}`);
db.pragma(`journal_size_limit = ${walLimit}`);

const findByDedupeKey = db.prepare<[number, number, string], { seq: number; body: string; stored_at: number }>(QUERIES.duplicate);
const readHead = db.prepare<[string], HeadRow>(QUERIES.head);
const insertCustomer = db.prepare<[string], { key: number }>('INSERT INTO customers (id, last_seq) VALUES (?, 0) RETURNING key');
// The dedupe index makes a retried message's row a no-op; only then is anything read back.
const insertMessage = db.prepare(
  `INSERT INTO messages (id, customer, seq, ts, dedupe_key, control_type, body, stored_at, state)
   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
);
const oldestMessages = db.prepare<[number, number], { id: number; customer: number; seq: number }>(QUERIES.oldest);
const stateAsOf = db.prepare<[number, number], { seq: number; state: string }>(QUERIES.stateAsOf);
const raiseFloor = db.prepare<[number, string | null, number, number]>(QUERIES.raiseFloor);
const deleteMessage = db.prepare<[number]>(QUERIES.deleteMessage);
const insertGrant = db.prepare(
  `INSERT INTO media_grants (customer_id, media_id, grant_json, granted_at) VALUES (?, ?, ?, ?)
   ON CONFLICT (customer_id, media_id) DO UPDATE SET granted_at = excluded.granted_at`,
);
const purgeGrants = db.prepare(QUERIES.purgeGrants);
const deleteSeq = db.prepare<[number, number]>(QUERIES.deleteSeq);
const selectOne = db.prepare('SELECT 1');

/**
 * A merge of this many hot rows writes each message_seqs page it touches once for all of them: more rows a merge,
 * fewer bytes a message, but longer merge steps and more rows to read at a start after a crash. On a store holding
 * 1.5M messages (bench/writerCost.ts, 2026-12-06) 32,768 wrote 2,064 bytes a message against 1,801 for 65,536, for
 * the same writer CPU within the noise (11.9–12.6 µs against 12.1–13.5), with steps about half as long.
 */
const MERGE_AT = 32_768;
/** The rows a step of a merge writes in one transaction: the pushes arriving meanwhile wait for one step only. */
const MERGE_CHUNK_ROWS = 8192;
/** A writer idle this long merges what is hot, so a quiet gateway starts again with almost nothing to read. */
const IDLE_MERGE_MS = 1000;
const merger = new SeqMerger(db, { mergeAt: mergeAt ?? MERGE_AT, chunkRows: mergeChunkRows ?? MERGE_CHUNK_ROWS });
let lastWriteAt = Date.now();

/**
 * The next message's row id, handed out here rather than by SQLite, which takes max(id) + 1 and so gives again
 * the ids of the newest rows once retention deleted them all: a reader's map could then hold an id now naming
 * another message, and a row below the watermark would never be merged. Never below the watermark, never reused
 * while this thread runs (a restarted thread's reader reads its hot rows afresh: index.ts).
 */
let nextId = Math.max((db.prepare('SELECT max(id) AS id FROM messages').get() as { id: number | null }).id ?? 0, merger.mergedUptoNow) + 1;

function grant(customerId: string, item: MediaGrant, at: number): void {
  insertGrant.run(customerId, item.mediaId, JSON.stringify(item), at);
}

const heads = new Heads((customerId) => headOf(readHead.get(customerId), (key) => merger.newestHotSeq(key)));

/**
 * Bounds one transaction, so one commit never holds the lock (and the pushes waiting on it) for long. A batch
 * larger than this on its own still goes in whole: a push is stored atomically.
 */
const MAX_MESSAGES_PER_COMMIT = 4096;

// BEGIN IMMEDIATE takes the write lock up front, so a locked database fails here (after busy_timeout) rather
// than half-way through. Any failure rolls the whole group back (and the heads it moved, which were staged);
// every push in it is answered non-zero.
const appendGroup = db.transaction((batches: AppendBatch[]): AppendResult[] => {
  const storedAt = Date.now();
  const staged = heads.stage();
  // The customers' rows are not written: a head is read back from the messages themselves (heads.ts).
  return batches.map((batch) => appendBatch(batch, staged, storedAt));
}).immediate;

function appendBatch(batch: AppendBatch, staged: StagedHeads, storedAt: number): AppendResult {
  const result: AppendResult = { storedAt, seqs: new Array(batch.customers.length), ids: new Array(batch.customers.length).fill(0), states: [], duplicates: [] };
  // In the messages' transaction, retries included: the push is answered "0" only once its grants are stored too.
  for (const [i, grantJson, mediaId] of batch.grants) insertGrant.run(batch.customers[i]!, mediaId, grantJson, storedAt);
  for (let i = 0; i < batch.customers.length; i++) {
    const customerId = batch.customers[i]!;
    const head = staged.get(customerId);
    // A new customer: its row comes first, in this transaction (a rollback takes the key back with it).
    if (head.key === 0) staged.keyed(customerId, insertCustomer.get(customerId)!.key);
    const seq = head.lastSeq + 1;
    const after = nextState(head.state, batch.stateInputs[i]!, seq);
    const changed = after !== head.state;
    const stateJson = changed ? JSON.stringify(after) : null;
    const ts = batch.dedupeTimes[i]!;
    // No index refuses a seq taken twice (message_seqs keeps one row per seq, its merge skips a second): this
    // thread is the only writer of the file, which the lock on DATA_DIR makes sure of (dataDirLock.ts).
    const id = nextId;
    const inserted = insertMessage.run(id, head.key, seq, ts, batch.dedupeKeys[i]!, batch.controlTypes[i]!, batch.bodies[i]!, storedAt, stateJson);
    if (inserted.changes === 1) {
      nextId++;
      staged.advance(customerId, seq, after);
      merger.appended(head.key, seq, id);
      result.seqs[i] = seq;
      result.ids[i] = id;
      if (changed) result.states.push([i, after]);
      continue;
    }
    const existing = findByDedupeKey.get(ts, head.key, batch.dedupeKeys[i]!);
    if (!existing) throw new Error('a message met the dedupe index but its first copy is not there');
    result.seqs[i] = existing.seq;
    result.duplicates.push([i, existing.seq, existing.stored_at, existing.body]);
  }
  return result;
}

/**
 * Deletes up to `limit` of the messages stored before the cutoff, oldest first. A customer's head is read from its
 * newest message, so before a customer's messages go its floor is raised to the newest seq deleted (and the state
 * as of that seq): a customer whose every message expired carries on from there, and never reuses a seq. Their
 * entries in message_seqs go in the same transaction; a hot one is simply never merged.
 */
const purge = db.transaction((cutoffMs: number, limit: number): { id: number; customer: number; seq: number }[] => {
  const rows = oldestMessages.all(cutoffMs, limit);
  const newestGone = new Map<number, number>();
  for (const { customer, seq } of rows) newestGone.set(customer, Math.max(seq, newestGone.get(customer) ?? 0));
  for (const [customer, seq] of newestGone) raiseFloor.run(seq, stateAsOf.get(customer, seq)?.state ?? null, customer, seq);
  for (const { id, customer, seq } of rows) {
    deleteMessage.run(id);
    deleteSeq.run(customer, seq);
  }
  return rows;
});

type AppendRequest = Extract<WriterRequest, { type: 'append' }>;

/**
 * Group commit without waiting on the main thread: every append that queued up while the last transaction ran
 * (its fsync, mostly) is taken off the port at once and committed in the next one, in order of arrival.
 */
function commitGroup(group: AppendRequest[]): void {
  const firstId = nextId;
  try {
    const results = appendGroup(group.map((request) => request.batch));
    heads.commit();
    merger.commit();
    group.forEach((request, i) => reply({ id: request.id, ok: true, result: results[i]! }));
  } catch (err) {
    heads.discard();
    merger.discard();
    nextId = firstId;
    for (const request of group) fail(request.id, err);
  }
  lastWriteAt = Date.now();
  // After the replies: the pushes of this commit are answered before the merge's step runs.
  if (merger.due) mergeStep();
}

/** What the steps of the merge under way took, for its report. */
let mergeTook = { steps: 0, ms: 0, longestStepMs: 0 };

/**
 * One step of the merge (seqMerge.ts); once it completes, the reader is told, and drops the rows from its map.
 * A failed step is tried again later (the rows stay hot and readable: nothing is lost).
 */
function mergeStep(): number | undefined | false {
  try {
    const rows = merger.hotRows;
    const started = performance.now();
    const upto = merger.step();
    const ms = performance.now() - started;
    mergeTook = { steps: mergeTook.steps + 1, ms: mergeTook.ms + ms, longestStepMs: Math.max(mergeTook.longestStepMs, ms) };
    if (upto === undefined) return undefined;
    const round = (n: number) => Math.round(n * 10) / 10;
    reply({ type: 'merged', upto, rows, steps: mergeTook.steps, ms: round(mergeTook.ms), longestStepMs: round(mergeTook.longestStepMs) });
    mergeTook = { steps: 0, ms: 0, longestStepMs: 0 };
    return upto;
  } catch (err) {
    const { message, code } = err as { message: string; code?: string };
    reply({ type: 'mergeFailed', error: { message, code } });
    return false;
  }
}

/** Every step of the merge under way, and then (with `andHot`) a whole merge of what is hot now. */
function mergeToEnd(andHot: boolean): number | undefined {
  let upto: number | undefined;
  while (merger.merging) {
    const step = mergeStep();
    if (step === false) return undefined;
    upto = step ?? upto;
  }
  if (andHot && merger.hotRows > 0) {
    do {
      const step = mergeStep();
      if (step === false) return undefined;
      upto = step ?? upto;
    } while (merger.merging);
  }
  return upto;
}

// The idle merge, a step at each tick. unref: it never keeps the thread alive on its own.
setInterval(() => {
  if (closed) return;
  if (merger.merging || (merger.hotRows > 0 && Date.now() - lastWriteAt >= IDLE_MERGE_MS)) mergeStep();
}, IDLE_MERGE_MS / 4).unref();

/** The next request already waiting on the port, if any (synchronously: the event loop is not given a turn). */
function waiting(): WriterRequest | undefined {
  return receiveMessageOnPort(port)?.message as WriterRequest | undefined;
}

let closed = false;

port.on('message', (first: WriterRequest) => {
  let request: WriterRequest | undefined = first;
  while (request && !closed) {
    if (request.type !== 'append') {
      handle(request);
      request = waiting();
      continue;
    }
    const group: AppendRequest[] = [request];
    let size = request.batch.customers.length;
    request = waiting();
    while (request?.type === 'append' && size + request.batch.customers.length <= MAX_MESSAGES_PER_COMMIT) {
      group.push(request);
      size += request.batch.customers.length;
      request = waiting();
    }
    commitGroup(group);
  }
});

function handle(request: Exclude<WriterRequest, AppendRequest>): void {
  try {
    switch (request.type) {
      case 'purge': {
        purgeGrants.run(request.cutoffMs, request.limit);
        // A merge's sorted rows were read before this purge: it completes first, so it indexes no deleted row.
        mergeToEnd(false);
        const gone = purge(request.cutoffMs, request.limit);
        merger.deleted(gone.map((row) => row.id));
        reply({ id: request.id, ok: true, result: gone.length });
        break;
      }
      case 'merge': {
        // Everything hot, now (tests, and the bench that counts the merges' cost).
        const upto = mergeToEnd(true);
        reply({ id: request.id, ok: true, result: upto ?? 0 });
        break;
      }
      case 'grant': {
        const at = Date.now();
        db.transaction(() => request.grants.forEach((g) => grant(request.customerId, g, at)))();
        reply({ id: request.id, ok: true });
        break;
      }
      case 'ping':
        selectOne.get();
        reply({ id: request.id, ok: true });
        break;
      case 'close':
        // The next start then has nothing hot to read (a failed merge leaves the rows hot: nothing is lost).
        mergeToEnd(true);
        closed = true;
        db.close();
        reply({ id: request.id, ok: true });
        port.close();
        break;
    }
  } catch (err) {
    fail(request.id, err);
  }
}

reply({ type: 'ready', hot: merger.atStart });
merger.atStart.customerIds.length = merger.atStart.seqs.length = merger.atStart.ids.length = 0;

function fail(id: number, err: unknown): void {
  const { message, code } = err as { message: string; code?: string };
  reply({ id, ok: false, error: { message, code } });
}

function reply(message: WriterReply): void {
  port.postMessage(message);
}
