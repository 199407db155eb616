// The customers' AICC sessions on one node: a small table in a SQLite file of its own beside the log, written
// from the main thread (a session changes a few times per conversation), so the log's writer thread is not
// involved and a restarted gateway carries on its conversations with AICC instead of starting new ones. A session
// (its ccmessaging-token) lasts as long as the history: retention deletes those not written since its cutoff.

import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { AiccSessionRecord } from '../types.js';

export const SESSIONS_FILE = 'aicc-sessions.sqlite';

export class LocalSessions {
  private readonly db: Database.Database;
  private readonly select: Database.Statement<[string], { session: string }>;
  private readonly upsert: Database.Statement<[string, string, number]>;
  private readonly remove: Database.Statement<[string]>;
  private readonly purge: Database.Statement<[number, number]>;
  private readonly startOps: Database.Statement<[string, number]>;
  private readonly selectOps: Database.Statement<[string, number], { id: string }>;
  private readonly endOps: Database.Statement<[string]>;
  private readonly purgeOps: Database.Statement<[number]>;

  constructor(dataDir: string, busyTimeoutMs: number) {
    this.db = new Database(join(dataDir, SESSIONS_FILE));
    this.db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    this.db.pragma('journal_mode = WAL');
    this.db.exec('CREATE TABLE IF NOT EXISTS aicc_sessions (customer_id TEXT PRIMARY KEY, session TEXT NOT NULL) WITHOUT ROWID');
    // Files from before sessions were purged have no write time: their sessions count as written now.
    const columns = this.db.prepare<[], { name: string }>('PRAGMA table_info(aicc_sessions)').all();
    if (!columns.some((c) => c.name === 'updated_at')) {
      this.db.transaction(() => {
        this.db.exec('ALTER TABLE aicc_sessions ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0');
        this.db.prepare('UPDATE aicc_sessions SET updated_at = ?').run(Date.now());
      })();
    }
    this.db.exec('CREATE INDEX IF NOT EXISTS aicc_sessions_by_updated_at ON aicc_sessions (updated_at)');
    this.select = this.db.prepare('SELECT session FROM aicc_sessions WHERE customer_id = ?');
    this.upsert = this.db.prepare(
      `INSERT INTO aicc_sessions (customer_id, session, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (customer_id) DO UPDATE SET session = excluded.session, updated_at = excluded.updated_at`,
    );
    this.remove = this.db.prepare('DELETE FROM aicc_sessions WHERE customer_id = ?');
    // Operator sign-ins (the /ops cookie): a digest of the session id and when it expires.
    this.db.exec('CREATE TABLE IF NOT EXISTS ops_sessions (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID');
    this.startOps = this.db.prepare('INSERT OR REPLACE INTO ops_sessions (id, expires_at) VALUES (?, ?)');
    this.selectOps = this.db.prepare('SELECT id FROM ops_sessions WHERE id = ? AND expires_at > ?');
    this.endOps = this.db.prepare('DELETE FROM ops_sessions WHERE id = ?');
    this.purgeOps = this.db.prepare('DELETE FROM ops_sessions WHERE expires_at <= ?');
    this.purge = this.db.prepare(
      'DELETE FROM aicc_sessions WHERE customer_id IN (SELECT customer_id FROM aicc_sessions WHERE updated_at < ? ORDER BY updated_at LIMIT ?)',
    );
  }

  get(customerId: string): AiccSessionRecord | undefined {
    const row = this.select.get(customerId);
    return row ? (JSON.parse(row.session) as AiccSessionRecord) : undefined;
  }

  set(customerId: string, session: AiccSessionRecord | undefined): void {
    if (session) this.upsert.run(customerId, JSON.stringify(session), Date.now());
    else this.remove.run(customerId);
  }

  /** Deletes up to `limit` sessions not written since `cutoffMs`, and the expired operator sign-ins; returns how many. */
  purgeOlderThan(cutoffMs: number, limit: number): number {
    this.purgeOps.run(Date.now());
    return this.purge.run(cutoffMs, limit).changes;
  }

  startOpsSession(id: string, expiresAtMs: number): void {
    this.startOps.run(id, expiresAtMs);
  }

  opsSessionValid(id: string): boolean {
    return this.selectOps.get(id, Date.now()) !== undefined;
  }

  endOpsSession(id: string): void {
    this.endOps.run(id);
  }

  close(): void {
    this.db.close();
  }
}
