// A store that has lived: about 1.5M messages (a week at a few messages a second, or a busy day) over 20,000
// customers, the load generator's customers among them. Built once with the gateway's own schema into
// bench/.cache (git-ignored) and copied for each run, outside the timed part, so that the throughput step
// measures the writer on a file whose indexes no longer fit in its page cache, as in production.

import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { mergeAllMessages, migrate, openDatabase, SCHEMA_VERSION } from '../src/engine/local/database.js';

export const PREFILLED = { messages: 1_500_000, customers: 20_000, days: 7 };
const CACHE = new URL('.cache/', import.meta.url).pathname;
const FILE = 'gateway.sqlite';

/** Copies the pre-filled store into dataDir (building it first when the cache has none of this schema). */
export function prefilledStore(dataDir: string): { messages: number; builtSeconds: number | null; copySeconds: number } {
  const cached = join(CACHE, `store-schema${SCHEMA_VERSION}-${PREFILLED.messages}.sqlite`);
  let builtSeconds: number | null = null;
  if (!existsSync(cached)) {
    const started = performance.now();
    build(cached);
    builtSeconds = Math.round((performance.now() - started) / 1000);
  }
  const started = performance.now();
  mkdirSync(dataDir, { recursive: true });
  copyFileSync(cached, join(dataDir, FILE));
  return { messages: PREFILLED.messages, builtSeconds, copySeconds: Math.round((performance.now() - started) / 100) / 10 };
}

/**
 * Rows as the gateway writes them for AICC's pushes (messageCode null, so each is known by its hash), stored at
 * an even pace over the last PREFILLED.days, each customer's seqs gapless, a conversation state on its first.
 */
function build(target: string): void {
  mkdirSync(CACHE, { recursive: true });
  const partial = `${target}.partial`;
  rmSync(partial, { force: true });
  const db = openDatabase(partial, { durability: 'relaxed', busyTimeoutMs: 5000 });
  try {
    migrate(db);
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -524288');
    const insertCustomer = db.prepare('INSERT INTO customers (key, id, last_seq) VALUES (?, ?, 0)');
    const insert = db.prepare(
      'INSERT INTO messages (customer, seq, ts, dedupe_key, control_type, body, stored_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const seqs = new Uint32Array(PREFILLED.customers + 1);
    const start = Date.now() - PREFILLED.days * 86_400_000;
    const step = (PREFILLED.days * 86_400_000) / PREFILLED.messages;
    const state = JSON.stringify({ phase: 'agent', canSend: true, seq: 1, agentNickname: 'Agent Smith' });
    const batch = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) {
        // A multiplicative hash spreads consecutive messages over the customers, as concurrent chats do.
        const key = ((i * 2_654_435_761) % PREFILLED.customers) + 1;
        const seq = ++seqs[key]!;
        const at = Math.floor(start + i * step);
        const content = `Thank you for waiting. Let me check the status of your order ${i} for you right away.`;
        const body =
          '{"channel":"WEB","from":"202105284494222653","to":"bench-customer-' + (key - 1) +
          '","controlType":"CHAT","sourceType":"AGENT","mediaType":"TEXT","senderNickname":"Agent Smith","timestamp":' + at +
          ',"content":"' + content + '","messageCode":null}';
        const digest = createHash('sha256').update(JSON.stringify(['202105284494222653', `bench-customer-${key - 1}`, at, 'CHAT', content])).digest('base64url');
        insert.run(key, seq, at, `hash:${digest}`, 'CHAT', body, at, seq === 1 ? state : null);
      }
    });
    db.transaction(() => {
      for (let key = 1; key <= PREFILLED.customers; key++) insertCustomer.run(key, `bench-customer-${key - 1}`);
    })();
    for (let from = 0; from < PREFILLED.messages; from += 100_000) batch(from, Math.min(from + 100_000, PREFILLED.messages));
    // As a gateway leaves it after a quiet moment: every message merged into message_seqs (none hot).
    db.transaction(() => mergeAllMessages(db))();
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  renameSync(partial, target);
  rmSync(`${partial}-wal`, { force: true });
  rmSync(`${partial}-shm`, { force: true });
}
