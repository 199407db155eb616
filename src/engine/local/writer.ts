// The SQLite writer thread. It owns the only write connection, so commits (and their fsyncs) never stall the
// event loop, and it commits each batch of pushes it is handed in one transaction: one fsync for many pushes.

import { parentPort, workerData } from 'node:worker_threads';
import type { NormalizedMessage } from '../../aicc/downlink.js';
import { migrate, openDatabase, type DatabaseOptions } from './database.js';

export type WriterRequest =
  | { id: number; type: 'append'; requests: NormalizedMessage[][] }
  | { id: number; type: 'ping' }
  | { id: number; type: 'close' };

/** What the writer tells of each stored message: its seq and, for a duplicate, the message as first stored. */
export type WrittenMessage = { seq: number; storedAt: number; duplicateOf?: string };

export type WriterReply =
  | { id: number; ok: true; result?: WrittenMessage[][] }
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
const takeNextSeq = db.prepare<[string], { last_seq: number }>(
  `INSERT INTO customers (id, last_seq) VALUES (?, 1)
   ON CONFLICT (id) DO UPDATE SET last_seq = last_seq + 1
   RETURNING last_seq`,
);
const insertMessage = db.prepare(
  `INSERT INTO messages (customer_id, seq, dedupe_key, control_type, body, stored_at)
   VALUES (?, ?, ?, ?, ?, ?)`,
);
const selectOne = db.prepare('SELECT 1');

// Only seqs travel back to the main thread, which already holds the messages; copying them back would cost
// as much as storing them.
function appendOne(msg: NormalizedMessage, storedAt: number): WrittenMessage {
  const existing = findByDedupeKey.get(msg.customerId, msg.dedupeKey);
  if (existing) return { seq: existing.seq, storedAt: existing.stored_at, duplicateOf: existing.body };
  const seq = takeNextSeq.get(msg.customerId)!.last_seq;
  insertMessage.run(msg.customerId, seq, msg.dedupeKey, msg.message.controlType, JSON.stringify(msg.message), storedAt);
  return { seq, storedAt };
}

// BEGIN IMMEDIATE takes the write lock up front, so a locked database fails here (after busy_timeout) rather
// than half-way through. Any failure rolls the whole batch back; every push in it is answered non-zero.
const appendBatch = db
  .transaction((requests: NormalizedMessage[][]) => {
    const storedAt = Date.now();
    return requests.map((messages) => messages.map((msg) => appendOne(msg, storedAt)));
  })
  .immediate;

port.on('message', (request: WriterRequest) => {
  try {
    switch (request.type) {
      case 'append':
        reply({ id: request.id, ok: true, result: appendBatch(request.requests) });
        break;
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
