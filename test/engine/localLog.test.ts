// The local store's schema 4: messages are an append-only log, a customer's seqs are merged into message_seqs in
// batches, and the rows not merged yet ("hot") are found through memory. These tests read across hot and merged
// rows, at a merge's every moment, after a kill -9 that left rows hot, and check the lock on DATA_DIR and the
// move from a schema 3 file.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { normalizeDownLinkMsg, type NormalizedMessage, type RawDownLinkMsg } from '../../src/aicc/downlink.js';
import { LocalEngine, type LocalEngineOptions } from '../../src/engine/local/index.js';
import { createLogger } from '../../src/logger.js';
import { downLinkMsg, type Msg } from '../support/fixtures.js';
import { tempDir } from '../support/gateway.js';
import { schema3File } from '../support/localSchema3.js';
import { waitFor } from '../support/streams.js';

const log = createLogger('silent');
const open = (dataDir: string, more: Partial<LocalEngineOptions> = {}) =>
  LocalEngine.open({ dataDir, durability: 'full', busyTimeoutMs: 5000, log, ...more });
let made = 0;
/** A new message (its own messageCode) to `to`. */
const msg = (to: string, overrides: Msg = {}): NormalizedMessage =>
  normalizeDownLinkMsg(downLinkMsg({ to, messageCode: `m${made++}`, ...overrides }) as RawDownLinkMsg, 0);
const file = (dir: string) => join(dir, 'gateway.sqlite');

/** What the file holds: merged rows and the watermark. */
function fileState(dir: string): { merged: number; mergedUpto: number; messages: number } {
  const db = new Database(file(dir), { readonly: true });
  try {
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    return {
      merged: count('SELECT count(*) AS n FROM message_seqs'),
      mergedUpto: count('SELECT merged_upto AS n FROM log_state'),
      messages: count('SELECT count(*) AS n FROM messages'),
    };
  } finally {
    db.close();
  }
}

async function seqsOf(engine: LocalEngine, customerId: string): Promise<{ since: number[]; pages: number[]; before: number[] }> {
  const since = (await engine.readSince(customerId, 0, 1000)).map((e) => e.seq);
  // Paged by 3, as a client catching up does.
  const pages: number[] = [];
  for (let after = 0; ; ) {
    const page = (await engine.readSince(customerId, after, 3)).map((e) => e.seq);
    if (page.length === 0) break;
    pages.push(...page);
    after = page[page.length - 1]!;
  }
  const before = (await engine.readBefore(customerId, Number.MAX_SAFE_INTEGER, 1000)).map((e) => e.seq);
  return { since, pages, before };
}

const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('local store, schema 4: reads across hot and merged rows', () => {
  it('finds every message, in order, once, whether merged, hot or half of each; a purge takes hot rows too', async () => {
    const dir = tempDir();
    // Merged when the test says so only.
    const engine = await open(dir, { mergeAt: 1_000_000 });
    try {
      await engine.append([msg('c1'), msg('c2'), msg('c1')]);
      assert.deepEqual(fileState(dir).merged, 0, 'nothing merged yet: read from the hot rows only');
      assert.deepEqual(await seqsOf(engine, 'c1'), { since: [1, 2], pages: [1, 2], before: [1, 2] });
      await engine.mergeNow();
      assert.deepEqual(fileState(dir), { merged: 3, mergedUpto: 3, messages: 3 });
      await engine.append([msg('c1'), msg('c1'), msg('c2'), msg('c1')]);
      // c1: seqs 1–2 merged, 3–5 hot.
      assert.deepEqual(await seqsOf(engine, 'c1'), { since: upTo(5), pages: upTo(5), before: upTo(5) });
      assert.deepEqual((await engine.readBefore('c1', 4, 2)).map((e) => e.seq), [2, 3]);
      assert.deepEqual((await engine.readSince('c1', 1, 2)).map((e) => e.seq), [2, 3]);
      const summary = await engine.conversation('c1');
      assert.deepEqual([summary.firstSeq, summary.lastSeq], [1, 5]);
      assert.deepEqual((await engine.conversation('c2')).lastSeq, 2);

      // Retention takes the oldest rows, merged and hot alike, and their index entries with them.
      const cutoff = Date.now() + 1;
      await waitFor(() => Date.now() > cutoff, 'the clock to pass the cutoff');
      await engine.append([msg('c3')]);
      assert.equal(await engine.purgeOlderThan(cutoff, 100), 7);
      assert.deepEqual(await seqsOf(engine, 'c1'), { since: [], pages: [], before: [] });
      const purged = await engine.conversation('c1');
      assert.deepEqual([purged.firstSeq, purged.lastSeq], [0, 5]);
      assert.deepEqual((await engine.append([msg('c1')]))[0]!.seq, 6, 'no seq handed out twice after the purge');
      await engine.mergeNow();
      assert.deepEqual(fileState(dir), { merged: 2, mergedUpto: 9, messages: 2 });
      assert.deepEqual(await seqsOf(engine, 'c1'), { since: [6], pages: [6], before: [6] });
    } finally {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives a new message a row id of its own after retention deleted the newest rows, merged or not', async () => {
    // SQLite alone would give the next row max(id) + 1, the id of a deleted row the reader still knows.
    const dir = tempDir();
    const engine = await open(dir, { mergeAt: 1_000_000 });
    try {
      await engine.append([msg('c1'), msg('c1')]);
      await engine.mergeNow();
      await engine.append([msg('c1')]);
      const cutoff = Date.now() + 1;
      await waitFor(() => Date.now() > cutoff, 'the clock to pass the cutoff');
      assert.equal(await engine.purgeOlderThan(cutoff, 100), 3);
      assert.deepEqual((await engine.append([msg('c1'), msg('c1')])).map((o) => o.seq), [4, 5]);
      assert.deepEqual(await seqsOf(engine, 'c1'), { since: [4, 5], pages: [4, 5], before: [4, 5] });
      assert.equal((await engine.conversation('c1')).firstSeq, 4);
      await engine.mergeNow();
      assert.deepEqual(fileState(dir), { merged: 2, mergedUpto: 5, messages: 2 });
      assert.deepEqual(await seqsOf(engine, 'c1'), { since: [4, 5], pages: [4, 5], before: [4, 5] });
    } finally {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads each seq once while a merge has committed but the reader has not dropped the rows yet', async () => {
    const dir = tempDir();
    const engine = await open(dir, { mergeAt: 1_000_000 });
    try {
      await engine.append(Array.from({ length: 6 }, () => msg('c1')));
      // The writer's merge, as committed in the file before its report reaches the reader: the rows are in
      // message_seqs and still in the reader's map.
      const side = new Database(file(dir));
      side.exec(`INSERT INTO message_seqs (customer, seq, id) SELECT customer, seq, id FROM messages WHERE id <= 4 ORDER BY customer, seq;
        UPDATE log_state SET merged_upto = 4`);
      side.close();
      assert.deepEqual(await seqsOf(engine, 'c1'), { since: upTo(6), pages: upTo(6), before: upTo(6) });
      assert.deepEqual((await engine.readSince('c1', 2, 3)).map((e) => e.seq), [3, 4, 5]);
      assert.deepEqual((await engine.readBefore('c1', 6, 3)).map((e) => e.seq), [3, 4, 5]);
      assert.deepEqual([(await engine.conversation('c1')).firstSeq, (await engine.conversation('c1')).lastSeq], [1, 6]);
    } finally {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps every read whole and gapless while merges run between the commits', async () => {
    const dir = tempDir();
    const engine = await open(dir, { mergeAt: 16, mergeChunkRows: 5 });
    const customers = ['c1', 'c2', 'c3'];
    try {
      let written = 0;
      const writing: Promise<void> = (async () => {
        for (let round = 0; round < 60; round++) {
          await engine.append(customers.flatMap((c) => [msg(c), msg(c)]));
          written = round + 1;
        }
      })();
      let reads = 0;
      writing.catch(() => (written = 60));
      while (written < 60) {
        for (const customer of customers) {
          const { since, before } = await seqsOf(engine, customer);
          assert.deepEqual(since, upTo(since.length), `${customer} gapless, in order, each seq once`);
          assert.deepEqual(before, since);
          reads++;
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      await writing;
      assert.ok(reads > 3, 'reads ran beside the writes');
      assert.ok(fileState(dir).merged > 0, 'merges ran');
      for (const customer of customers) assert.deepEqual((await seqsOf(engine, customer)).pages, upTo(120));
    } finally {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A child process that opens the engine on dir and runs `body` (a function of engine and msg), then prints "ready". */
function child(dir: string, body: string, more = '{}'): { process: ChildProcess; ready: Promise<string> } {
  const engineModule = new URL('../../src/engine/local/index.ts', import.meta.url).href;
  const loggerModule = new URL('../../src/logger.ts', import.meta.url).href;
  const script = `const { LocalEngine } = await import(${JSON.stringify(engineModule)});
    const { createLogger } = await import(${JSON.stringify(loggerModule)});
    try {
      const engine = await LocalEngine.open({ dataDir: ${JSON.stringify(dir)}, durability: 'full', busyTimeoutMs: 5000, log: createLogger('silent'), ...${more} });
      ${body}
      console.log('ready');
    } catch (err) {
      console.log('failed: ' + err.message);
    }`;
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = new Promise<string>((resolve) => {
    let out = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    proc.once('exit', () => resolve(out.trim()));
  });
  return { process: proc, ready };
}

async function kill(proc: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGKILL');
  await exited;
}

describe('local store, schema 4: a restart with hot rows', () => {
  it('finds the rows a gateway killed (-9) before merging them left, carries on their seqs, and catches their retries', async () => {
    const dir = tempDir();
    try {
      // 20 commits, never merged (the threshold is out of reach and the kill comes before the idle merge).
      const body = `for (let i = 0; i < 20; i++) await engine.append([
          { customerId: 'c1', dedupeKey: 'code:k' + i, timestamp: 0, message: { channel: 'WEB', from: 'a', to: 'c1', controlType: 'CHAT', sourceType: 'AGENT', mediaType: 'TEXT', content: 'm' + i, timestamp: 0 } },
          { customerId: 'c2', dedupeKey: 'code:j' + i, timestamp: 0, message: { channel: 'WEB', from: 'a', to: 'c2', controlType: 'CHAT', sourceType: 'AGENT', mediaType: 'TEXT', content: 'n' + i, timestamp: 0 } },
        ]);`;
      const writer = child(dir, body, '{ mergeAt: 1000000 }');
      assert.equal(await writer.ready, 'ready');
      await kill(writer.process);
      assert.deepEqual(fileState(dir), { merged: 0, mergedUpto: 0, messages: 40 }, 'every row left hot');

      const engine = await open(dir);
      try {
        assert.deepEqual(await seqsOf(engine, 'c1'), { since: upTo(20), pages: upTo(20), before: upTo(20) });
        assert.deepEqual((await engine.conversation('c2')).lastSeq, 20);
        const retry = { ...msg('c1', { messageCode: 'k3' }), dedupeKey: 'code:k3' };
        const [again, next] = await engine.append([retry, msg('c1')]);
        assert.deepEqual([again!.seq, again!.duplicate, next!.seq, next!.duplicate], [4, true, 21, false]);
        await engine.mergeNow();
        assert.deepEqual(fileState(dir), { merged: 41, mergedUpto: 41, messages: 41 });
        assert.deepEqual((await seqsOf(engine, 'c1')).pages, upTo(21));
      } finally {
        await engine.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('local store, schema 4: one gateway per DATA_DIR', () => {
  it('refuses a second process at start, naming DATA_DIR, and a kill -9 of the first leaves no stale lock', async () => {
    const dir = tempDir();
    try {
      const first = child(dir, `await engine.append([{ customerId: 'c1', dedupeKey: 'code:a', timestamp: 0,
        message: { channel: 'WEB', from: 'a', to: 'c1', controlType: 'CHAT', sourceType: 'AGENT', mediaType: 'TEXT', content: 'x', timestamp: 0 } }]);`);
      assert.equal(await first.ready, 'ready');
      const second = child(dir, '');
      assert.equal(await second.ready, `failed: DATA_DIR ${dir} is in use by another gateway (it holds ${join(dir, 'gateway.lock')}); a DATA_DIR takes one gateway: stop the other one or give this one its own DATA_DIR`);
      await assert.rejects(open(dir), /is in use by another gateway/);
      await kill(first.process);
      const engine = await open(dir);
      try {
        assert.deepEqual((await engine.append([msg('c1')]))[0]!.seq, 2);
      } finally {
        await engine.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('local store, schema 4: a schema 3 file', () => {
  it('moves to schema 4 with every seq merged, so reads, heads and retries carry on', async () => {
    const dir = tempDir();
    const rows = Array.from({ length: 50 }, (_, i) => ({ customer: `c${i % 3}`, msg: msg(`c${i % 3}`, { timestamp: 1_700_000_000_000 + i }) }));
    schema3File(dir, rows);
    try {
      const engine = await open(dir);
      try {
        assert.deepEqual(fileState(dir), { merged: 50, mergedUpto: 50, messages: 50 });
        assert.deepEqual(await seqsOf(engine, 'c0'), { since: upTo(17), pages: upTo(17), before: upTo(17) });
        const summary = await engine.conversation('c1');
        assert.deepEqual([summary.firstSeq, summary.lastSeq], [1, 17]);
        const [retried, next] = await engine.append([rows[4]!.msg, msg('c1')]);
        assert.deepEqual([retried!.seq, retried!.duplicate, next!.seq], [2, true, 18]);
      } finally {
        await engine.close();
      }
      const db = new Database(file(dir), { readonly: true });
      try {
        assert.equal(db.pragma('user_version', { simple: true }), 4);
        const indexes = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'messages' ORDER BY name").all() as { name: string }[];
        assert.deepEqual(indexes.map((i) => i.name), ['messages_by_dedupe_key', 'messages_by_stored_at', 'messages_with_state']);
      } finally {
        db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
