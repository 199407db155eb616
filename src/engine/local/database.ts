// Opens the gateway's SQLite file with the settings both the writer thread and the reader share, and creates
// the tables on first use.

import Database from 'better-sqlite3';
import type { Durability } from '../../config.js';

export interface DatabaseOptions {
  durability: Durability;
  busyTimeoutMs: number;
}

const SCHEMA_VERSION = 1;

const SCHEMA = `
  -- state: the conversation state (JSON) after the customer's newest message.
  CREATE TABLE IF NOT EXISTS customers (
    id        TEXT PRIMARY KEY,
    last_seq  INTEGER NOT NULL,
    state     TEXT
  ) WITHOUT ROWID;

  -- A rowid table, so that rows (a few hundred bytes each) are appended in arrival order and a commit writes
  -- few pages; the customer's order lives in the (customer_id, seq) index.
  CREATE TABLE IF NOT EXISTS messages (
    id            INTEGER PRIMARY KEY,
    customer_id   TEXT    NOT NULL,
    seq           INTEGER NOT NULL,
    dedupe_key    TEXT    NOT NULL,
    control_type  TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    stored_at     INTEGER NOT NULL,
    state         TEXT                -- the conversation state (JSON) this message led to, when it changed it
  );

  CREATE UNIQUE INDEX IF NOT EXISTS messages_by_customer_seq ON messages (customer_id, seq);
  CREATE UNIQUE INDEX IF NOT EXISTS messages_by_dedupe_key ON messages (customer_id, dedupe_key);
  CREATE INDEX IF NOT EXISTS messages_by_stored_at ON messages (stored_at);

  -- Media a customer may fetch (engine/mediaGrants.ts): grant is the MediaGrant as JSON. Added within
  -- schema 1: CREATE IF NOT EXISTS brings older files up to date, and an older gateway ignores the table.
  CREATE TABLE IF NOT EXISTS media_grants (
    customer_id  TEXT    NOT NULL,
    media_id     TEXT    NOT NULL,
    grant_json   TEXT    NOT NULL,
    granted_at   INTEGER NOT NULL,
    PRIMARY KEY (customer_id, media_id)
  );
  CREATE INDEX IF NOT EXISTS media_grants_by_granted_at ON media_grants (granted_at);
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
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(`the database was written by a newer gateway (schema ${version}, this one knows ${SCHEMA_VERSION})`);
  }
  db.exec(SCHEMA);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
}
