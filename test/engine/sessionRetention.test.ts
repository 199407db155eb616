// AICC sessions (they hold ccmessaging-tokens) last as long as the history, on both engines: retention's purge
// deletes the sessions not written since its cutoff and keeps the others. The local engine never purged them.
// An addition to the engine contract (test/engineContract.test.ts), run against each engine.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LocalEngine } from '../../src/engine/local/index.js';
import { SESSIONS_FILE } from '../../src/engine/local/sessions.js';
import { RedisEngine } from '../../src/engine/redis/index.js';
import type { AiccSessionRecord, Engine } from '../../src/engine/types.js';
import { createLogger } from '../../src/logger.js';
import { tempDir } from '../support/gateway.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { waitFor } from '../support/streams.js';

const log = createLogger('silent');
const DAY_MS = 86_400_000;
let counter = 0;
const newCustomer = () => `sessions-${process.pid}-${++counter}`;
const session = (userId: string): AiccSessionRecord => ({ userId, token: `ccm-${userId}`, appliedAt: Date.now(), connected: true, readSeq: 0 });

function contract(name: string, open: () => Promise<Engine>) {
  describe(`AICC sessions go with the history: ${name}`, () => {
    it('purges sessions not written since the cutoff, keeps those written after it', async () => {
      const engine = await open();
      try {
        const [old, renewed, recent] = [newCustomer(), newCustomer(), newCustomer()];
        await engine.setAiccSession(old, session(old));
        await engine.setAiccSession(renewed, session(renewed));
        const cutoff = Date.now() + 1;
        await waitFor(() => Date.now() > cutoff, 'the clock to pass the cutoff');
        await engine.setAiccSession(recent, session(recent));
        await engine.setAiccSession(renewed, { ...session(renewed), readSeq: 3 });
        await engine.purgeOlderThan(cutoff, 100);
        assert.equal(await engine.aiccSession(old), undefined, 'the old session (its ccmessaging-token) is gone');
        assert.equal((await engine.aiccSession(recent))?.token, `ccm-${recent}`);
        assert.equal((await engine.aiccSession(renewed))?.readSeq, 3, 'a session written again is kept');
      } finally {
        await engine.close();
      }
    });
  });
}

contract('local (SQLite)', () => LocalEngine.open({ dataDir: tempDir(), durability: 'relaxed', busyTimeoutMs: 1000, log }));

let redis: TestRedis | undefined;
let ready: Promise<TestRedis> | undefined;
contract('redis', async () => {
  redis = await (ready ??= startRedis());
  return RedisEngine.open({ url: `${redis.url}/2`, historyTtlMs: DAY_MS, log });
});
after(async () => {
  await redis?.stop();
});

describe('local sessions written before they were purged', () => {
  let dataDir: string;
  before(() => {
    dataDir = tempDir();
    const db = new Database(join(dataDir, SESSIONS_FILE));
    db.exec('CREATE TABLE aicc_sessions (customer_id TEXT PRIMARY KEY, session TEXT NOT NULL) WITHOUT ROWID');
    db.prepare('INSERT INTO aicc_sessions VALUES (?, ?)').run('kept-1', JSON.stringify(session('kept-1')));
    db.close();
  });

  it('count as written at the upgrade: a purge of the history before it keeps them', async () => {
    const engine = await LocalEngine.open({ dataDir, durability: 'relaxed', busyTimeoutMs: 1000, log });
    try {
      await engine.purgeOlderThan(Date.now() - 60_000, 100);
      assert.equal((await engine.aiccSession('kept-1'))?.token, 'ccm-kept-1');
      const cutoff = Date.now() + 1;
      await waitFor(() => Date.now() > cutoff, 'the clock to pass the cutoff');
      await engine.purgeOlderThan(cutoff, 100);
      assert.equal(await engine.aiccSession('kept-1'), undefined);
    } finally {
      await engine.close();
    }
  });
});
