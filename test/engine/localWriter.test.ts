// The local engine's writer keeps each customer's head (last seq, conversation state) in memory after the first
// read. These tests show that this changes nothing a user can see: seqs stay gapless and duplicates are known
// across a restart, a second writer on the same file is noticed, and a rolled-back commit moves no head.

import assert from 'node:assert/strict';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { normalizeDownLinkMsg, type RawDownLinkMsg, type NormalizedMessage } from '../../src/aicc/downlink.js';
import { INITIAL_STATE } from '../../src/conversation/state.js';
import { serializeMessage } from '../../src/engine/messageJson.js';
import { Heads } from '../../src/engine/local/heads.js';
import { LocalEngine } from '../../src/engine/local/index.js';
import { StartupError } from '../../src/errors.js';
import { GatewayError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { downLinkMsg, type Msg } from '../support/fixtures.js';
import { tempDir } from '../support/gateway.js';

const log = createLogger('silent');
const open = (dataDir: string, busyTimeoutMs = 5000) => LocalEngine.open({ dataDir, durability: 'full', busyTimeoutMs, log });
const msg = (overrides: Msg = {}): NormalizedMessage => normalizeDownLinkMsg(downLinkMsg({ to: 'c1', ...overrides }) as RawDownLinkMsg, 0);

describe('local engine: the writer remembers heads', () => {
  it('continues seqs and dedupe across a restart, and keeps the conversation state', async () => {
    const dir = tempDir();
    let engine: LocalEngine | undefined;
    try {
      const first = msg({ messageCode: 'm1' });
      engine = await open(dir);
      await engine.append([first, msg({ messageCode: 'm2', controlType: 'CONNECT', mediaType: null, senderNickname: 'Lily' })]);
      await engine.close();

      engine = await open(dir);
      const [retried, next] = await engine.append([first, msg({ messageCode: 'm3', sourceType: 'ROBOT' })]);
      assert.equal(retried!.duplicate, true);
      assert.equal(retried!.seq, 1);
      assert.equal(next!.duplicate, false);
      assert.equal(next!.seq, 3);
      const summary = await engine.conversation('c1');
      assert.equal(summary.lastSeq, 3);
      assert.equal(summary.state.phase, 'agent');
      assert.equal(summary.state.agentNickname, 'Lily');
      assert.deepEqual((await engine.readSince('c1', 0, 10)).map((e) => e.seq), [1, 2, 3]);
    } finally {
      await engine?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a second engine on the same DATA_DIR, naming it, and opens once the first is closed', async () => {
    // No index refuses a seq handed out twice when it is written (schema 4): one writer per DATA_DIR is enforced
    // by a lock instead (test/engine/localLog.test.ts shows a second process refused, and kill -9 releasing it).
    const dir = tempDir();
    const a = await open(dir);
    try {
      assert.equal((await a.append([msg()]))[0]!.seq, 1);
      // A StartupError: `aicc-gateway` says it in one line, without a stack trace.
      await assert.rejects(open(dir), (err: Error) => err instanceof StartupError && err.message.includes(`DATA_DIR ${dir} is in use by another gateway`));
      assert.equal((await a.append([msg()]))[0]!.seq, 2, 'the refused engine took nothing from the first');
    } finally {
      await a.close();
    }
    const b = await open(dir);
    try {
      assert.equal((await b.append([msg()]))[0]!.seq, 3);
      assert.deepEqual((await b.readSince('c1', 0, 10)).map((e) => e.seq), [1, 2, 3]);
    } finally {
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a commit that fails moves no head: the next message takes the seq the failed one would have', async () => {
    const dir = tempDir();
    const engine = await open(dir, 50);
    const blocker = new Database(join(dir, 'gateway.sqlite'));
    try {
      assert.equal((await engine.append([msg()]))[0]!.seq, 1);
      blocker.exec('BEGIN IMMEDIATE');
      await assert.rejects(engine.append([msg({ messageCode: 'lost' })]), (err: unknown) => {
        assert.ok(err instanceof GatewayError);
        assert.equal(err.code, 'STORE_UNAVAILABLE');
        return true;
      });
      blocker.exec('COMMIT');
      const [retried] = await engine.append([msg({ messageCode: 'lost' })]);
      assert.equal(retried!.duplicate, false);
      assert.equal(retried!.seq, 2);
      assert.deepEqual((await engine.readSince('c1', 0, 10)).map((e) => e.seq), [1, 2]);
    } finally {
      blocker.close();
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('local engine: the WAL stays bounded', () => {
  it('checkpoints the WAL back into the file under a steady load, so it never outgrows its limit', async () => {
    const dir = tempDir();
    // The production checkpoint size (256 MB) takes ~400 MB of writes to pass: a 16 MB one tests the same rule.
    const walLimitBytes = 16 * 2 ** 20;
    const engine = await LocalEngine.open({ dataDir: dir, durability: 'full', busyTimeoutMs: 5000, log, walLimitBytes });
    try {
      // 30,000 messages of 1.5 KB: about 50 MB through the WAL, well past its 16 MB checkpoint size.
      const content = 'x'.repeat(1_500);
      const total = 30_000;
      const pushes: Promise<unknown>[] = [];
      for (let i = 0; i < total; i += 100) {
        const push = Array.from({ length: 100 }, (_, j) => msg({ to: `c${(i + j) % 50}`, messageCode: `w${i + j}`, content }));
        pushes.push(engine.append(push));
        if (pushes.length === 20) await Promise.all(pushes.splice(0));
      }
      await Promise.all(pushes);
      const walBytes = statSync(join(dir, 'gateway.sqlite-wal')).size;
      // The checkpoint size plus at most one commit (4,096 messages of 1.5 KB, with their index pages) beyond it.
      assert.ok(walBytes > 0 && walBytes <= walLimitBytes + 12 * 2 ** 20, `the WAL holds ${walBytes} bytes`);
      await engine.close();
      const db = new Database(join(dir, 'gateway.sqlite'), { readonly: true });
      try {
        assert.equal((db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n, total);
      } finally {
        db.close();
      }
    } finally {
      await engine.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('local engine: a file written by an older gateway', () => {
  // The tables as schema 1 created them: the customer's id in every message and in both message indexes.
  const SCHEMA_1 = `
    CREATE TABLE customers (id TEXT PRIMARY KEY, last_seq INTEGER NOT NULL, state TEXT) WITHOUT ROWID;
    CREATE TABLE messages (
      id INTEGER PRIMARY KEY, customer_id TEXT NOT NULL, seq INTEGER NOT NULL, dedupe_key TEXT NOT NULL,
      control_type TEXT NOT NULL, body TEXT NOT NULL, stored_at INTEGER NOT NULL, state TEXT
    );
    CREATE UNIQUE INDEX messages_by_customer_seq ON messages (customer_id, seq);
    CREATE UNIQUE INDEX messages_by_dedupe_key ON messages (customer_id, dedupe_key);
    CREATE INDEX messages_by_stored_at ON messages (stored_at);
    CREATE TABLE media_grants (
      customer_id TEXT NOT NULL, media_id TEXT NOT NULL, grant_json TEXT NOT NULL, granted_at INTEGER NOT NULL,
      PRIMARY KEY (customer_id, media_id)
    );
    CREATE INDEX media_grants_by_granted_at ON media_grants (granted_at);
    PRAGMA user_version = 1;
  `;

  it('moves schema 1 to schema 4 keeping every message, seq, dedupe key, state and grant', async () => {
    const dir = tempDir();
    const agentState = { phase: 'agent', canSend: true, seq: 2, agentNickname: 'Lily' };
    const old = [
      { customer: 'c1', seq: 1, msg: msg({ to: 'c1', messageCode: 'm1' }), state: null },
      { customer: 'c2', seq: 1, msg: msg({ to: 'c2', messageCode: 'n1' }), state: null },
      { customer: 'c1', seq: 2, msg: msg({ to: 'c1', messageCode: 'm2', controlType: 'CONNECT', mediaType: null }), state: agentState },
      // A message whose customer has no row (the writer never left one so, but a file may have been edited).
      { customer: 'c3', seq: 4, msg: msg({ to: 'c3', messageCode: 'o4' }), state: null },
    ];
    const file = new Database(join(dir, 'gateway.sqlite'));
    file.exec(SCHEMA_1);
    const insert = file.prepare('INSERT INTO messages (customer_id, seq, dedupe_key, control_type, body, stored_at, state) VALUES (?, ?, ?, ?, ?, ?, ?)');
    old.forEach((row, i) =>
      insert.run(row.customer, row.seq, row.msg.dedupeKey, row.msg.message.controlType, serializeMessage(row.msg.message), 1000 + i, row.state && JSON.stringify(row.state)),
    );
    file.prepare('INSERT INTO customers VALUES (?, ?, ?)').run('c1', 2, JSON.stringify(agentState));
    file.prepare('INSERT INTO customers VALUES (?, ?, ?)').run('c2', 1, null);
    const grant = { mediaId: 'media-1', mediaType: 'IMAGE' };
    file.prepare('INSERT INTO media_grants VALUES (?, ?, ?, ?)').run('c1', 'media-1', JSON.stringify(grant), 1000);
    file.close();

    let engine: LocalEngine | undefined;
    try {
      engine = await open(dir);
      const c1 = await engine.readSince('c1', 0, 10);
      assert.deepEqual(c1.map((e) => [e.seq, e.storedAt, e.message.messageCode, e.state?.agentNickname]), [[1, 1000, 'm1', undefined], [2, 1002, 'm2', 'Lily']]);
      assert.deepEqual(c1[0]!.message, old[0]!.msg.message);
      assert.deepEqual((await engine.readBefore('c1', 3, 1)).map((e) => e.seq), [2]);
      assert.deepEqual(await engine.conversation('c1'), { customerId: 'c1', state: agentState, lastSeq: 2, firstSeq: 1 });
      assert.deepEqual(await engine.conversation('c3'), { customerId: 'c3', state: INITIAL_STATE, lastSeq: 4, firstSeq: 4 });
      assert.deepEqual(await engine.mediaGrant('c1', 'media-1'), grant);
      assert.equal(await engine.allStored([old[1]!.msg]), true);

      // Dedupe and seqs carry on from the old file, for every customer.
      const [retried, next, third, fresh] = await engine.append([old[0]!.msg, msg({ to: 'c1', messageCode: 'm3' }), msg({ to: 'c3', messageCode: 'o5' }), msg({ to: 'c4' })]);
      assert.deepEqual([retried!.duplicate, retried!.seq], [true, 1]);
      assert.deepEqual([next!.duplicate, next!.seq], [false, 3]);
      assert.deepEqual([third!.duplicate, third!.seq], [false, 5]);
      assert.deepEqual([fresh!.duplicate, fresh!.seq], [false, 1]);
      assert.equal((await engine.conversation('c1')).lastSeq, 3);
      await engine.close();
      engine = undefined;

      const after = new Database(join(dir, 'gateway.sqlite'), { readonly: true });
      try {
        assert.equal(after.pragma('user_version', { simple: true }), 4);
        const tables = after.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string }[];
        assert.deepEqual(tables.map((t) => t.name), ['customers', 'log_state', 'media_grants', 'message_seqs', 'messages']);
        assert.equal((after.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n, old.length + 3);
      } finally {
        after.close();
      }
    } finally {
      await engine?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file from a newer gateway and leaves it as it was', async () => {
    const dir = tempDir();
    const file = new Database(join(dir, 'gateway.sqlite'));
    file.pragma('user_version = 5');
    file.close();
    try {
      await assert.rejects(open(dir), /newer gateway \(schema 5, this one knows 4/);
      const after = new Database(join(dir, 'gateway.sqlite'), { readonly: true });
      try {
        assert.equal(after.pragma('user_version', { simple: true }), 5);
        assert.equal((after.prepare("SELECT count(*) AS n FROM sqlite_schema").get() as { n: number }).n, 0);
      } finally {
        after.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Heads', () => {
  const loader = () => {
    const loads: string[] = [];
    const load = (id: string) => (loads.push(id), { key: loads.length, lastSeq: 10, state: INITIAL_STATE });
    return { loads, load };
  };

  it('reads a customer once, then knows it; forgets the least recently written beyond its capacity', () => {
    const { loads, load } = loader();
    const heads = new Heads(load, 2);
    for (const id of ['a', 'b', 'a', 'c']) {
      const staged = heads.stage();
      staged.advance(id, staged.get(id).lastSeq + 1, INITIAL_STATE);
      heads.commit();
    }
    assert.deepEqual(loads, ['a', 'b', 'c']);
    assert.equal(heads.size, 2);
    // b was written longest ago: forgotten, so read again; a is still known, with the seqs it was given.
    const staged = heads.stage();
    assert.equal(staged.get('a').lastSeq, 12);
    assert.equal(staged.get('b').lastSeq, 10);
    assert.deepEqual(loads, ['a', 'b', 'c', 'b']);
  });

  it('drops what a discarded transaction moved', () => {
    const { load } = loader();
    const heads = new Heads(load);
    let staged = heads.stage();
    staged.advance('a', 11, INITIAL_STATE);
    heads.commit();
    staged = heads.stage();
    staged.advance('a', 12, INITIAL_STATE);
    heads.discard();
    assert.equal(heads.stage().get('a').lastSeq, 11);
  });
});
