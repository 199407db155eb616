// The SQLite writer thread. It owns the only write connection, so commits (and their fsyncs) never stall the
// event loop, and it commits each batch of pushes it is handed in one transaction: one fsync for many pushes.
// It also keeps each customer's conversation state, advanced in the transaction that stores the message.

import { parentPort, workerData } from 'node:worker_threads';
import type { NormalizedMessage } from '../../aicc/downlink.js';
import { INITIAL_STATE, nextState } from '../../conversation/state.js';
import type { ConversationState } from '../../protocol/index.js';
import { mediaGrantOf } from '../mediaGrants.js';
import type { MediaGrant } from '../types.js';
import { migrate, openDatabase, type DatabaseOptions } from './database.js';

export type WriterRequest =
  | { id: number; type: 'append'; requests: NormalizedMessage[][] }
  | { id: number; type: 'purge'; cutoffMs: number; limit: number }
  | { id: number; type: 'grant'; customerId: string; grants: MediaGrant[] }
  | { id: number; type: 'ping' }
  | { id: number; type: 'close' };

/** What the writer tells of each message: its seq, the state it led to, or the message as first stored. */
export type WrittenMessage = { seq: number; storedAt: number; state?: ConversationState; duplicateOf?: string };

export type WriterReply =
  | { id: number; ok: true; result?: WrittenMessage[][] | number }
  | { id: number; ok: false; error: { message: string; code?: string } }
  | { type: 'ready' };

export interface WriterData extends DatabaseOptions {
  path: string;
}

const port = parentPort!;
const { path, ...options } = workerData as WriterData;
const db = openDatabase(path, options);
migrate(db);

const findByDedupeKey = db.prepare<[string, string], { seq: number; body: string; stored_at: number }>(
  'SELECT seq, body, stored_at FROM messages WHERE customer_id = ? AND dedupe_key = ?',
);
const readCustomer = db.prepare<[string], { last_seq: number; state: string | null }>(
  'SELECT last_seq, state FROM customers WHERE id = ?',
);
const writeCustomer = db.prepare(
  `INSERT INTO customers (id, last_seq, state) VALUES (?, ?, ?)
   ON CONFLICT (id) DO UPDATE SET last_seq = excluded.last_seq, state = excluded.state`,
);
const insertMessage = db.prepare(
  `INSERT INTO messages (customer_id, seq, dedupe_key, control_type, body, stored_at, state)
   VALUES (?, ?, ?, ?, ?, ?, ?)`,
);
const purgeBatch = db.prepare(
  'DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE stored_at < ? ORDER BY stored_at LIMIT ?)',
);
const insertGrant = db.prepare(
  `INSERT INTO media_grants (customer_id, media_id, grant_json, granted_at) VALUES (?, ?, ?, ?)
   ON CONFLICT (customer_id, media_id) DO UPDATE SET granted_at = excluded.granted_at`,
);
const purgeGrants = db.prepare(
  'DELETE FROM media_grants WHERE rowid IN (SELECT rowid FROM media_grants WHERE granted_at < ? ORDER BY granted_at LIMIT ?)',
);
const selectOne = db.prepare('SELECT 1');

function grant(customerId: string, item: MediaGrant, at: number): void {
  insertGrant.run(customerId, item.mediaId, JSON.stringify(item), at);
}

// Only seqs and states travel back to the main thread, which already holds the messages.
function appendOne(msg: NormalizedMessage, storedAt: number): WrittenMessage {
  // In the message's transaction, retries included: the push is answered "0" only once the grant is stored too.
  const media = mediaGrantOf(msg.message);
  if (media) grant(msg.customerId, media, storedAt);
  const existing = findByDedupeKey.get(msg.customerId, msg.dedupeKey);
  if (existing) return { seq: existing.seq, storedAt: existing.stored_at, duplicateOf: existing.body };
  const customer = readCustomer.get(msg.customerId);
  const seq = (customer?.last_seq ?? 0) + 1;
  const before: ConversationState = customer?.state ? JSON.parse(customer.state) : INITIAL_STATE;
  const after = nextState(before, msg.message, seq);
  const changed = after !== before;
  writeCustomer.run(msg.customerId, seq, JSON.stringify(after));
  insertMessage.run(
    msg.customerId, seq, msg.dedupeKey, msg.message.controlType, JSON.stringify(msg.message), storedAt,
    changed ? JSON.stringify(after) : null,
  );
  return changed ? { seq, storedAt, state: after } : { seq, storedAt };
}

// BEGIN IMMEDIATE takes the write lock up front, so a locked database fails here (after busy_timeout) rather
// than half-way through. Any failure rolls the whole batch back; every push in it is answered non-zero.
const appendBatch = db.transaction((requests: NormalizedMessage[][]) => {
  const storedAt = Date.now();
  return requests.map((messages) => messages.map((msg) => appendOne(msg, storedAt)));
}).immediate;

port.on('message', (request: WriterRequest) => {
  try {
    switch (request.type) {
      case 'append':
        reply({ id: request.id, ok: true, result: appendBatch(request.requests) });
        break;
      case 'purge':
        purgeGrants.run(request.cutoffMs, request.limit);
        reply({ id: request.id, ok: true, result: purgeBatch.run(request.cutoffMs, request.limit).changes });
        break;
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
        db.close();
        reply({ id: request.id, ok: true });
        port.close();
        break;
    }
  } catch (err) {
    const { message, code } = err as { message: string; code?: string };
    reply({ id: request.id, ok: false, error: { message, code } });
  }
});

reply({ type: 'ready' });

function reply(message: WriterReply): void {
  port.postMessage(message);
}
