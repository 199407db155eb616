// Opens the gateway's SQLite file with the settings both the writer thread and the reader share, creates the
// tables on first use, and brings a file written by an older gateway up to date.

import Database from 'better-sqlite3';
import type { Durability } from '../../config.js';
import { timeOf } from './dedupeTime.js';

export interface DatabaseOptions {
  durability: Durability;
  busyTimeoutMs: number;
}

export const SCHEMA_VERSION = 4;

const TABLES = `
  -- key: the customer's number in the message indexes, where a small integer takes a fraction of the room of
  -- the id (a commit writes fewer index pages: about a fifth more messages/s measured). Never reused: a
  -- customer's row outlives its messages.
  -- last_seq, state: a floor under the customer's head, written when retention deletes the customer's messages
  -- (and, before schema 3, at every commit). The head is the newer of the floor and the customer's newest message
  -- (heads.ts), so a commit writes messages only and a seq is never handed out twice.
  CREATE TABLE IF NOT EXISTS customers (
    key       INTEGER PRIMARY KEY,
    id        TEXT    NOT NULL UNIQUE,
    last_seq  INTEGER NOT NULL,
    state     TEXT
  );

  -- A rowid table, so that rows (a few hundred bytes each) are appended in arrival order and a commit writes
  -- few pages. A customer's order lives in message_seqs (merged) and in memory (the rows not merged yet).
  CREATE TABLE IF NOT EXISTS messages (
    id            INTEGER PRIMARY KEY,
    customer      INTEGER NOT NULL,   -- customers.key
    seq           INTEGER NOT NULL,
    ts            INTEGER NOT NULL,   -- leads the dedupe index: the message's time, or 0 (dedupeTime.ts)
    dedupe_key    TEXT    NOT NULL,
    control_type  TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    stored_at     INTEGER NOT NULL,
    state         TEXT                -- the conversation state (JSON) this message led to, when it changed it
  );

  -- Each customer's seqs and the rows holding them. Not written by a commit (an index on messages ordered by the
  -- customer took a page per customer per commit: most of what a commit wrote): the writer merges the rows
  -- appended since merged_upto in batches sorted by (customer, seq), so that a page is written once for many
  -- commits (seqMerge.ts). One row per seq: only one writer hands them out (dataDirLock.ts).
  CREATE TABLE IF NOT EXISTS message_seqs (
    customer  INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    id        INTEGER NOT NULL,     -- messages.id
    PRIMARY KEY (customer, seq)
  ) WITHOUT ROWID;

  -- One row: the messages up to merged_upto (messages.id) are in message_seqs, written in the merge's transaction.
  CREATE TABLE IF NOT EXISTS log_state (
    one          INTEGER PRIMARY KEY CHECK (one = 1),
    merged_upto  INTEGER NOT NULL
  );
  INSERT OR IGNORE INTO log_state (one, merged_upto) VALUES (1, 0);
`;

const INDEXES = `
  -- Schema 3's (customer, seq) index, written at every commit; message_seqs took its place.
  DROP INDEX IF EXISTS messages_by_customer_seq;
  -- Led by the time, so the keys a commit adds sit together at the index's right edge: a commit of ~1,000 messages
  -- over ~500 customers writes a few pages of it, not one per customer (about twice the messages/s on a store
  -- holding 1.5M messages, measured). A retry carries the same key and the same ts, so it still collides here.
  CREATE UNIQUE INDEX IF NOT EXISTS messages_by_dedupe_key ON messages (ts, customer, dedupe_key);
  CREATE INDEX IF NOT EXISTS messages_by_stored_at ON messages (stored_at);
  -- A customer's conversation state is that of its newest message that changed it: few messages do, so this index
  -- stays small and finds it in one step however many messages followed.
  CREATE INDEX IF NOT EXISTS messages_with_state ON messages (customer, seq) WHERE state IS NOT NULL;

  -- Media a customer may fetch (engine/mediaGrants.ts): grant is the MediaGrant as JSON. Few rows, so keyed by
  -- the customer's id itself.
  CREATE TABLE IF NOT EXISTS media_grants (
    customer_id  TEXT    NOT NULL,
    media_id     TEXT    NOT NULL,
    grant_json   TEXT    NOT NULL,
    granted_at   INTEGER NOT NULL,
    PRIMARY KEY (customer_id, media_id)
  );
  CREATE INDEX IF NOT EXISTS media_grants_by_granted_at ON media_grants (granted_at);
`;

/**
 * Schema 1 kept the customer's id (text) in every message and both message indexes. Its rows are copied into
 * today's tables, in their order and with their ids, seqs and dedupe keys unchanged, in one transaction:
 * a crash half-way leaves the schema 1 file as it was. The writer stored a customer's row with its messages,
 * but a customer found only in `messages` is given a row too (its newest seq, the initial state), so that no
 * message is left behind.
 */
const FROM_SCHEMA_1 = `
  ALTER TABLE customers RENAME TO customers_schema1;
  ALTER TABLE messages RENAME TO messages_schema1;
  DROP INDEX messages_by_customer_seq;
  DROP INDEX messages_by_dedupe_key;
  DROP INDEX messages_by_stored_at;
  ${TABLES}
  INSERT INTO customers (id, last_seq, state) SELECT id, last_seq, state FROM customers_schema1 ORDER BY id;
  INSERT INTO customers (id, last_seq, state)
    SELECT customer_id, max(seq), NULL FROM messages_schema1
    WHERE customer_id NOT IN (SELECT id FROM customers) GROUP BY customer_id ORDER BY customer_id;
  INSERT INTO messages (id, customer, seq, ts, dedupe_key, control_type, body, stored_at, state)
    SELECT m.id, c.key, m.seq, ${tsOfRow('m')}, m.dedupe_key, m.control_type, m.body, m.stored_at, m.state
    FROM messages_schema1 m JOIN customers c ON c.id = m.customer_id ORDER BY m.id;
`;

/**
 * Schema 2 led the dedupe index by the customer, so a commit touched a page of it per customer. Its messages are
 * copied into the schema 3 table, in their order and with their ids, seqs and dedupe keys unchanged, each given
 * the ts dedupeTime.ts would give it, in one transaction: a crash half-way leaves the schema 2 file as it was.
 * Its customers rows were each customer's head, rewritten at every commit: they stay, as floors.
 */
const FROM_SCHEMA_2 = `
  ALTER TABLE messages RENAME TO messages_schema2;
  DROP INDEX messages_by_customer_seq;
  DROP INDEX messages_by_dedupe_key;
  DROP INDEX messages_by_stored_at;
  ${TABLES}
  INSERT INTO messages (id, customer, seq, ts, dedupe_key, control_type, body, stored_at, state)
    SELECT m.id, m.customer, m.seq, ${tsOfRow('m')}, m.dedupe_key, m.control_type, m.body, m.stored_at, m.state
    FROM messages_schema2 m ORDER BY m.id;
`;

/**
 * dedupeTimeOf (dedupeTime.ts) for the rows of an older file, through the same function: the stored body is the
 * message as it came, so Number() of its `timestamp` is what the key was made from.
 */
function tsOfRow(alias: string): string {
  return `CASE WHEN ${alias}.dedupe_key GLOB 'hash:*' OR ${alias}.dedupe_key GLOB 'status:*'
    THEN dedupe_time(json_extract(${alias}.body, '$.timestamp')) ELSE 0 END`;
}

export function openDatabase(path: string, options: DatabaseOptions): Database.Database {
  const db = new Database(path);
  db.pragma(`busy_timeout = ${options.busyTimeoutMs}`);
  db.pragma('journal_mode = WAL');
  // FULL fsyncs the WAL at every commit, so an acknowledged push survives a power cut; NORMAL survives a
  // crash of the process but may lose the last commits when the machine itself goes down.
  db.pragma(`synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`);
  return db;
}

export function migrate(db: Database.Database): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(`the database was written by a newer gateway (schema ${version}, this one knows ${SCHEMA_VERSION})`);
    }
    db.function('dedupe_time', { deterministic: true }, (raw: unknown) => timeOf(Number(raw)));
    if (version === 1) copyMessages(db, FROM_SCHEMA_1, 'messages_schema1', 'customers_schema1');
    else if (version === 2) copyMessages(db, FROM_SCHEMA_2, 'messages_schema2');
    else db.exec(TABLES);
    if (version >= 1 && version < 4) mergeAllMessages(db);
    db.exec(INDEXES);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

/**
 * Schemas 1 to 3 kept a customer's seqs in an index on messages: they are copied into message_seqs whole, sorted
 * (so each page is written once), and every message counts as merged.
 */
export function mergeAllMessages(db: Database.Database): void {
  db.exec(`
    INSERT INTO message_seqs (customer, seq, id) SELECT customer, seq, id FROM messages ORDER BY customer, seq;
    UPDATE log_state SET merged_upto = coalesce((SELECT max(id) FROM messages), 0);
  `);
}

function copyMessages(db: Database.Database, script: string, oldMessages: string, oldCustomers?: string): void {
  const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  db.exec(script);
  const before = count(oldMessages);
  const after = count('messages');
  if (after !== before) throw new Error(`moving to schema ${SCHEMA_VERSION} copied ${after} of ${before} messages`);
  db.exec(`DROP TABLE ${oldMessages};${oldCustomers ? ` DROP TABLE ${oldCustomers};` : ''}`);
}
