// The local store's schema 3: the dedupe index is led by the message's time, and a customer's head is read from
// its newest message (its row keeps only a floor, raised by retention). These tests show that what counts as a
// duplicate did not change, that heads survive a restart and a purge, that a schema 2 file is carried over whole
// (test/system/schemaMoveKill.test.ts kills the move half-way), and that every query still walks an index.

import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { normalizeDownLinkMsg, type NormalizedMessage, type RawDownLinkMsg } from '../../src/aicc/downlink.js';
import { migrate } from '../../src/engine/local/database.js';
import { dedupeTimeOf } from '../../src/engine/local/dedupeTime.js';
import { LocalEngine } from '../../src/engine/local/index.js';
import { QUERIES } from '../../src/engine/local/queries.js';
import { MERGING_TABLE } from '../../src/engine/local/seqMerge.js';
import { createLogger } from '../../src/logger.js';
import { customerMessage, statusEntry } from '../../src/conversation/entries.js';
import { downLinkMsg, type Msg } from '../support/fixtures.js';
import { tempDir } from '../support/gateway.js';
import { schema2File } from '../support/localSchema2.js';
import { waitFor } from '../support/streams.js';

const log = createLogger('silent');
const open = (dataDir: string) => LocalEngine.open({ dataDir, durability: 'full', busyTimeoutMs: 5000, log });
const msg = (overrides: Msg = {}): NormalizedMessage => normalizeDownLinkMsg(downLinkMsg({ to: 'c1', ...overrides }) as RawDownLinkMsg, 0);
const file = (dir: string) => join(dir, 'gateway.sqlite');
const seqsOf = (outcomes: { seq: number; duplicate: boolean }[]) => outcomes.map((o) => [o.seq, o.duplicate]);

async function withEngine(dir: string, body: (engine: LocalEngine) => Promise<void>): Promise<void> {
  const engine = await open(dir);
  try {
    await body(engine);
  } finally {
    await engine.close();
  }
}

describe('local store, schema 3: what counts as a duplicate', () => {
  it('catches a retry of every kind of key, across a restart, and allStored agrees', async () => {
    const dir = tempDir();
    const hashed = msg({ timestamp: 1_700_000_000_123 });
    const hashedAsText = msg({ timestamp: '1700000000456' });
    const coded = msg({ messageCode: 'code-1' });
    const fromCustomer = customerMessage('c1', 'channel', 'client-1', { kind: 'text', text: 'hi' });
    const status = statusEntry('c1', 4, 'sent');
    const all = [hashed, hashedAsText, coded, fromCustomer, status];
    try {
      await withEngine(dir, async (engine) => {
        assert.deepEqual(seqsOf(await engine.append(all)), [[1, false], [2, false], [3, false], [4, false], [5, false]]);
        assert.equal(await engine.allStored(all), true);
      });
      await withEngine(dir, async (engine) => {
        // A retry of AICC's push repeats its messages; a client's retry carries the same clientMessageId but a
        // new time; the same status entry handed in again is the same entry.
        const clientRetry = { ...customerMessage('c1', 'channel', 'client-1', { kind: 'text', text: 'hi' }), timestamp: Date.now() + 60_000 };
        const again = [msg({ ...hashed.message, timestamp: 1_700_000_000_123 }), hashedAsText, msg({ messageCode: 'code-1', timestamp: 5 }), clientRetry, status];
        assert.equal(await engine.allStored(again), true);
        assert.deepEqual(seqsOf(await engine.append(again)), [[1, true], [2, true], [3, true], [4, true], [5, true]]);
        // The same words at another time are another message.
        const later = msg({ ...hashed.message, timestamp: 1_700_000_000_124 });
        assert.equal(await engine.allStored([later]), false);
        assert.deepEqual(seqsOf(await engine.append([later])), [[6, false]]);
      });
      const db = new Database(file(dir), { readonly: true });
      try {
        const rows = db.prepare('SELECT seq, ts FROM messages ORDER BY seq').all() as { seq: number; ts: number }[];
        assert.deepEqual(rows.map((r) => r.ts), [1_700_000_000_123, 1_700_000_000_456, 0, 0, status.timestamp, 1_700_000_000_124]);
      } finally {
        db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives a key the same time however its timestamp was written, and 0 when there is none to read', () => {
    const at = (timestamp: unknown) => dedupeTimeOf(msg({ timestamp }));
    assert.equal(at(1_700_000_000_000), 1_700_000_000_000);
    assert.equal(at('0001700000000000'), 1_700_000_000_000);
    assert.equal(at('9007199254740993'), 0, 'past 2^53 Number() rounds, so the hash may not tell them apart');
    assert.equal(at(0), 0);
    assert.equal(dedupeTimeOf(msg({ messageCode: 'x', timestamp: 1_700_000_000_000 })), 0);
    assert.equal(dedupeTimeOf({ dedupeKey: 'client:abc', timestamp: 1_700_000_000_000 }), 0);
  });
});

describe('local store, schema 3: heads', () => {
  it('reads a head back from the newest message after a restart, and from the floor once retention took them all', async () => {
    const dir = tempDir();
    try {
      const connect = () => msg({ controlType: 'CONNECT', mediaType: null, content: null, senderNickname: 'Lily' });
      // After the agent connected, Lily's messages leave the state as it is: the newest state is an older message's.
      const fromLily = () => msg({ senderNickname: 'Lily' });
      await withEngine(dir, async (engine) => {
        await engine.append([msg({ to: 'c2' }), connect(), fromLily(), fromLily(), msg({ to: 'c2' })]);
      });
      await withEngine(dir, async (engine) => {
        assert.deepEqual(await engine.conversation('c1'), {
          customerId: 'c1', lastSeq: 3, firstSeq: 1, state: { phase: 'agent', canSend: true, seq: 1, agentNickname: 'Lily' },
        });
        assert.deepEqual(seqsOf(await engine.append([fromLily()])), [[4, false]]);
        const cutoff = Date.now() + 1;
        await waitFor(() => Date.now() > cutoff, 'the clock to pass the cutoff');
        assert.equal(await engine.purgeOlderThan(cutoff, 100), 6);
      });
      const db = new Database(file(dir), { readonly: true });
      try {
        const floors = db.prepare('SELECT id, last_seq, state FROM customers ORDER BY id').all() as { id: string; last_seq: number; state: string }[];
        assert.deepEqual(floors.map((f) => [f.id, f.last_seq, JSON.parse(f.state)?.agentNickname]), [['c1', 4, 'Lily'], ['c2', 2, 'Alice']]);
      } finally {
        db.close();
      }
      await withEngine(dir, async (engine) => {
        const summary = await engine.conversation('c1');
        assert.deepEqual([summary.lastSeq, summary.firstSeq, summary.state.agentNickname], [4, 0, 'Lily']);
        assert.deepEqual(seqsOf(await engine.append([fromLily(), msg({ to: 'c2' })])), [[5, false], [3, false]], 'no seq is handed out twice');
        assert.equal((await engine.conversation('c1')).state.agentNickname, 'Lily');
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('local store, schema 3: a schema 2 file', () => {
  it('moves to schema 3 keeping every message, seq, state and dedupe key, so a retry of an old message is still caught', async () => {
    const dir = tempDir();
    const agent = { phase: 'agent', canSend: true, seq: 2, agentNickname: 'Lily' };
    const rows = [
      { customer: 'c1', msg: msg({ timestamp: 1_700_000_000_001 }) },
      { customer: 'c1', msg: msg({ controlType: 'CONNECT', mediaType: null, content: null, timestamp: '1700000000002' }), state: agent },
      { customer: 'c2', msg: msg({ to: 'c2', messageCode: 'aicc-7' }) },
      { customer: 'c1', msg: customerMessage('c1', 'channel', 'client-9', { kind: 'text', text: 'hello' }) },
      { customer: 'c1', msg: statusEntry('c1', 3, 'sent') },
    ];
    schema2File(dir, rows);
    try {
      await withEngine(dir, async (engine) => {
        assert.deepEqual(await engine.conversation('c1'), { customerId: 'c1', state: agent, lastSeq: 4, firstSeq: 1 });
        assert.deepEqual((await engine.readSince('c1', 0, 10)).map((e) => [e.seq, e.storedAt, e.state?.phase]), [
          [1, 1000, undefined], [2, 1001, 'agent'], [3, 1003, undefined], [4, 1004, undefined],
        ]);
        assert.deepEqual((await engine.readBefore('c1', 3, 1)).map((e) => e.message), [rows[1]!.msg.message]);
        assert.equal(await engine.allStored(rows.map((r) => r.msg)), true);
        const retried = rows.map((r) => (r.msg.dedupeKey.startsWith('client:') ? { ...r.msg, timestamp: Date.now() } : r.msg));
        assert.deepEqual(seqsOf(await engine.append(retried)), [[1, true], [2, true], [1, true], [3, true], [4, true]]);
        assert.deepEqual(seqsOf(await engine.append([msg(), msg({ to: 'c2' })])), [[5, false], [2, false]]);
      });
      const db = new Database(file(dir), { readonly: true });
      try {
        assert.equal(db.pragma('user_version', { simple: true }), 4);
        const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string }[];
        assert.deepEqual(tables.map((t) => t.name), ['customers', 'log_state', 'media_grants', 'message_seqs', 'messages']);
        const ts = db.prepare('SELECT ts FROM messages ORDER BY id LIMIT 5').all() as { ts: number }[];
        assert.deepEqual(ts.map((r) => r.ts), [1_700_000_000_001, 1_700_000_000_002, 0, 0, rows[4]!.msg.timestamp]);
      } finally {
        db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

});

describe('local store, schema 3: query plans', () => {
  // The index each query reads messages (and message_seqs) through: EXPLAIN QUERY PLAN's SEARCH steps, in order.
  const EXPECTED: Record<keyof typeof QUERIES, string[]> = {
    readSince: ['PRIMARY KEY', 'INTEGER PRIMARY KEY'],
    readBefore: ['PRIMARY KEY', 'INTEGER PRIMARY KEY'],
    byId: ['INTEGER PRIMARY KEY'],
    head: ['PRIMARY KEY', 'messages_with_state', 'messages_with_state'],
    firstSeq: ['PRIMARY KEY'],
    exists: ['INTEGER PRIMARY KEY'],
    isStored: ['messages_by_dedupe_key'],
    duplicate: ['messages_by_dedupe_key'],
    oldest: ['messages_by_stored_at'],
    stateAsOf: ['messages_with_state'],
    raiseFloor: [],
    deleteMessage: ['INTEGER PRIMARY KEY'],
    deleteSeq: ['PRIMARY KEY'],
    mergedUpto: [],
    // The hot rows: a range of rowids from the watermark, never the table from its start.
    hotRows: ['INTEGER PRIMARY KEY'],
    mergeBound: ['INTEGER PRIMARY KEY'],
    sortHot: ['INTEGER PRIMARY KEY'],
    mergeChunk: [],
    setMergedUpto: [],
    mediaGrant: [],
    purgeGrants: [],
  };

  it('reads messages through an index in every query, never by scanning a table', () => {
    const db = new Database(':memory:');
    try {
      migrate(db);
      db.exec(MERGING_TABLE);
      for (const [name, sql] of Object.entries(QUERIES)) {
        const params = new Array((sql.match(/\?/g) ?? []).length).fill(1);
        const steps = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((s) => s.detail);
        // log_state holds one row (the merge's watermark): reading it whole is one step; a subquery is read whole
        // once it has searched its table.
        const scans = steps.filter((step) => step.startsWith('SCAN') && step !== 'SCAN log_state' && !step.startsWith('SCAN (subquery'));
        assert.deepEqual(scans, [], `${name} scans: ${steps.join(' | ')}`);
        const onMessages = steps.filter((step) => /^SEARCH (messages|m|message_seqs|s)\b/.test(step));
        const indexes = onMessages.map(
          (step) => /USING (?:COVERING )?INDEX (\w+)|USING (INTEGER PRIMARY KEY|PRIMARY KEY)/.exec(step)?.slice(1).find(Boolean),
        );
        assert.deepEqual(indexes, EXPECTED[name as keyof typeof QUERIES], `${name}: ${steps.join(' | ')}`);
      }
    } finally {
      db.close();
    }
  });
});
