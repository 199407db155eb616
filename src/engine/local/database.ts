// Opens the gateway's SQLite file with the settings both the writer thread and the reader share, creates the
// tables on first use, and brings a file written by an older gateway up to date.

import Database from 'better-sqlite3';
import type { Durability } from '../../config.js';

export interface DatabaseOptions {
  durability: Durability;
  busyTimeoutMs: number;
}

const SCHEMA_VERSION = 2;

const TABLES = `
  -- key: the customer's number in the message indexes, where a small integer takes a fraction of the room of
  -- the id (a commit writes fewer index pages: about a fifth more messages/s measured). Never reused: a
  -- customer's row outlives its messages.
  -- state: the conversation state (JSON) after the customer's newest message.
  CREATE TABLE IF NOT EXISTS customers (
    key       INTEGER PRIMARY KEY,
    id        TEXT    NOT NULL UNIQUE,
    last_seq  INTEGER NOT NULL,
    state     TEXT
  );

  -- A rowid table, so that rows (a few hundred bytes each) are appended in arrival order and a commit writes
  -- few pages; the customer's order lives in the (customer, seq) index.
  CREATE TABLE IF NOT EXISTS messages (
    id            INTEGER PRIMARY KEY,
    customer      INTEGER NOT NULL,   -- customers.key
    seq           INTEGER NOT NULL,
    dedupe_key    TEXT    NOT NULL,
    control_type  TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    stored_at     INTEGER NOT NULL,
    state         TEXT                -- the conversation state (JSON) this message led to, when it changed it
  );
`;

const INDEXES = `
  CREATE UNIQUE INDEX IF NOT EXISTS messages_by_customer_seq ON messages (customer, seq);
  CREATE UNIQUE INDEX IF NOT EXISTS messages_by_dedupe_key ON messages (customer, dedupe_key);
  CREATE INDEX IF NOT EXISTS messages_by_stored_at ON messages (stored_at);

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
 * the schema 2 tables, in their order and with their ids, seqs and dedupe keys unchanged, in one transaction:
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
  INSERT INTO messages (id, customer, seq, dedupe_key, control_type, body, stored_at, state)
    SELECT m.id, c.key, m.seq, m.dedupe_key, m.control_type, m.body, m.stored_at, m.state
    FROM messages_schema1 m JOIN customers c ON c.id = m.customer_id ORDER BY m.id;
`;

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
    if (version === 1) fromSchema1(db);
    else db.exec(TABLES);
    db.exec(INDEXES);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

function fromSchema1(db: Database.Database): void {
  const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  db.exec(FROM_SCHEMA_1);
  const before = count('messages_schema1');
  const after = count('messages');
  if (after !== before) throw new Error(`moving to schema 2 copied ${after} of ${before} messages`);
  db.exec('DROP TABLE messages_schema1; DROP TABLE customers_schema1;');
}
