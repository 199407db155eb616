// A local store file as a schema 3 gateway left it (src/engine/local/database.ts moves it to today's schema on
// open): its tables and indexes exactly as schema 3 created them, the (customer, seq) index among them.

import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { NormalizedMessage } from '../../src/aicc/downlink.js';
import { dedupeTimeOf } from '../../src/engine/local/dedupeTime.js';
import { serializeMessage } from '../../src/engine/messageJson.js';

export const SCHEMA_3 = `
  CREATE TABLE customers (key INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, last_seq INTEGER NOT NULL, state TEXT);
  CREATE TABLE messages (
    id INTEGER PRIMARY KEY, customer INTEGER NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL,
    dedupe_key TEXT NOT NULL, control_type TEXT NOT NULL, body TEXT NOT NULL, stored_at INTEGER NOT NULL, state TEXT
  );
  CREATE UNIQUE INDEX messages_by_customer_seq ON messages (customer, seq);
  CREATE UNIQUE INDEX messages_by_dedupe_key ON messages (ts, customer, dedupe_key);
  CREATE INDEX messages_by_stored_at ON messages (stored_at);
  CREATE INDEX messages_with_state ON messages (customer, seq) WHERE state IS NOT NULL;
  CREATE TABLE media_grants (
    customer_id TEXT NOT NULL, media_id TEXT NOT NULL, grant_json TEXT NOT NULL, granted_at INTEGER NOT NULL,
    PRIMARY KEY (customer_id, media_id)
  );
  CREATE INDEX media_grants_by_granted_at ON media_grants (granted_at);
  PRAGMA user_version = 3;
`;

/** Writes `gateway.sqlite` in dir as schema 3 did: each row its customer's next seq, stored at 1000 + its index. */
export function schema3File(dir: string, rows: { customer: string; msg: NormalizedMessage; state?: object }[]): void {
  const db = new Database(join(dir, 'gateway.sqlite'));
  db.pragma('journal_mode = WAL');
  db.exec(SCHEMA_3);
  const keyOf = db.prepare<[string], { key: number }>('SELECT key FROM customers WHERE id = ?');
  const addCustomer = db.prepare('INSERT INTO customers (id, last_seq, state) VALUES (?, 0, NULL)');
  const insert = db.prepare(
    'INSERT INTO messages (customer, seq, ts, dedupe_key, control_type, body, stored_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  db.transaction(() => {
    const seqs = new Map<string, number>();
    rows.forEach((row, i) => {
      if (!keyOf.get(row.customer)) addCustomer.run(row.customer);
      const key = keyOf.get(row.customer)!.key;
      const seq = (seqs.get(row.customer) ?? 0) + 1;
      seqs.set(row.customer, seq);
      const state = row.state ? JSON.stringify(row.state) : null;
      const { msg } = row;
      insert.run(key, seq, dedupeTimeOf(msg), msg.dedupeKey, msg.message.controlType, serializeMessage(msg.message), 1000 + i, state);
    });
  })();
  db.close();
}
