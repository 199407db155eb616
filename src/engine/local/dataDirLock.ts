// One gateway per DATA_DIR. The store's file no longer refuses a seq handed out twice when a message is written
// (message_seqs keeps one row per seq, but its merge skips a second one: seqMerge.ts), so two writers must never
// share it. The lock is an
// exclusive SQLite lock (an OS file lock) on a small file beside the store, held by an open transaction for as
// long as the engine is open: the OS drops it when the process ends, however it ends (kill -9 leaves no stale lock).

import { join } from 'node:path';
import Database from 'better-sqlite3';
import { StartupError } from '../../errors.js';

const LOCK_FILE = 'gateway.lock';

/** A StartupError: the command says it in one line, without a stack trace. */
export class DataDirInUseError extends StartupError {
  constructor(dataDir: string, options: { cause: unknown }) {
    super(
      `DATA_DIR ${dataDir} is in use by another gateway (it holds ${join(dataDir, LOCK_FILE)}); ` +
        'a DATA_DIR takes one gateway: stop the other one or give this one its own DATA_DIR',
      options,
    );
    this.name = 'DataDirInUseError';
  }
}

/** Takes the lock, or throws DataDirInUseError at once when another process (or engine) holds it. */
export function lockDataDir(dataDir: string): { release(): void } {
  // timeout 0: a lock held by another gateway is not going away; say so at once.
  const db = new Database(join(dataDir, LOCK_FILE), { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY')) throw new DataDirInUseError(dataDir, { cause: err });
    throw err;
  }
  return { release: () => db.close() };
}
