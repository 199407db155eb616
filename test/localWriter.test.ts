// The local engine's writer keeps each customer's head (last seq, conversation state) in memory after the first
// read. These tests show that this changes nothing a user can see: seqs stay gapless and duplicates are known
// across a restart, a second writer on the same file is noticed, and a rolled-back commit moves no head.

import assert from 'node:assert/strict';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { normalizeDownLinkMsg, type RawDownLinkMsg, type NormalizedMessage } from '../src/aicc/downlink.js';
import { INITIAL_STATE } from '../src/conversation/state.js';
import { Heads } from '../src/engine/local/heads.js';
import { LocalEngine } from '../src/engine/local/index.js';
import { GatewayError } from '../src/errors.js';
import { createLogger } from '../src/logger.js';
import { downLinkMsg, type Msg } from './support/fixtures.js';
import { tempDir } from './support/gateway.js';

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

  it('notices a second writer on the same file and stays gapless', async () => {
    const dir = tempDir();
    const a = await open(dir);
    const b = await open(dir);
    try {
      // a learns c1's head, b writes behind its back, then a writes again with a head that is now stale.
      assert.equal((await a.append([msg()]))[0]!.seq, 1);
      assert.equal((await b.append([msg()]))[0]!.seq, 2);
      const [third, fourth] = await a.append([msg(), msg()]);
      assert.deepEqual([third!.seq, fourth!.seq], [3, 4]);
      assert.equal((await b.append([msg()]))[0]!.seq, 5);
      assert.deepEqual((await a.readSince('c1', 0, 10)).map((e) => e.seq), [1, 2, 3, 4, 5]);
    } finally {
      await a.close();
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
    const engine = await open(dir);
    try {
      // 30,000 messages of 3 KB: about 100 MB through the WAL, well past its 64 MB checkpoint size.
      const content = 'x'.repeat(3000);
      const total = 30_000;
      const pushes: Promise<unknown>[] = [];
      for (let i = 0; i < total; i += 100) {
        const push = Array.from({ length: 100 }, (_, j) => msg({ to: `c${(i + j) % 50}`, messageCode: `w${i + j}`, content }));
        pushes.push(engine.append(push));
        if (pushes.length === 20) await Promise.all(pushes.splice(0));
      }
      await Promise.all(pushes);
      const walBytes = statSync(join(dir, 'gateway.sqlite-wal')).size;
      // The checkpoint size (64 MB) plus at most one commit (4,096 messages of 3 KB) beyond it.
      assert.ok(walBytes <= 64 * 2 ** 20 + 16 * 2 ** 20, `the WAL holds ${walBytes} bytes`);
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

describe('Heads', () => {
  const loader = () => {
    const loads: string[] = [];
    const load = (id: string) => (loads.push(id), { lastSeq: 10, state: INITIAL_STATE });
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
