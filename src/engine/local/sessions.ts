// The customers' AICC sessions on one node: a small table in a SQLite file of its own beside the log, written
// from the main thread (a session changes a few times per conversation), so the log's writer thread is not
// involved and a restarted gateway carries on its conversations with AICC instead of starting new ones.

import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { AiccSessionRecord } from '../types.js';

export const SESSIONS_FILE = 'aicc-sessions.sqlite';

export class LocalSessions {
  private readonly db: Database.Database;
  private readonly select: Database.Statement<[string], { session: string }>;
  private readonly upsert: Database.Statement<[string, string]>;
  private readonly remove: Database.Statement<[string]>;

  constructor(dataDir: string, busyTimeoutMs: number) {
    this.db = new Database(join(dataDir, SESSIONS_FILE));
    this.db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    this.db.pragma('journal_mode = WAL');
    this.db.exec('CREATE TABLE IF NOT EXISTS aicc_sessions (customer_id TEXT PRIMARY KEY, session TEXT NOT NULL) WITHOUT ROWID');
    this.select = this.db.prepare('SELECT session FROM aicc_sessions WHERE customer_id = ?');
    this.upsert = this.db.prepare(
      'INSERT INTO aicc_sessions (customer_id, session) VALUES (?, ?) ON CONFLICT (customer_id) DO UPDATE SET session = excluded.session',
    );
    this.remove = this.db.prepare('DELETE FROM aicc_sessions WHERE customer_id = ?');
  }

  get(customerId: string): AiccSessionRecord | undefined {
    const row = this.select.get(customerId);
    return row ? (JSON.parse(row.session) as AiccSessionRecord) : undefined;
  }

  set(customerId: string, session: AiccSessionRecord | undefined): void {
    if (session) this.upsert.run(customerId, JSON.stringify(session));
    else this.remove.run(customerId);
  }

  close(): void {
    this.db.close();
  }
}
