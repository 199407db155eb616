// Moving a schema 2 file to schema 3 is one transaction: a gateway killed (-9) half-way through it leaves the
// schema 2 file exactly as it was, and the next start moves it whole.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { normalizeDownLinkMsg, type NormalizedMessage, type RawDownLinkMsg } from '../../src/aicc/downlink.js';
import { LocalEngine } from '../../src/engine/local/index.js';
import { createLogger } from '../../src/logger.js';
import { downLinkMsg } from '../support/fixtures.js';
import { tempDir } from '../support/gateway.js';
import { schema2File } from '../support/localSchema2.js';
import { waitFor } from '../support/streams.js';

const log = createLogger('silent');
const file = (dir: string) => join(dir, 'gateway.sqlite');
const message = (to: string, content: string, timestamp: number): NormalizedMessage =>
  normalizeDownLinkMsg(downLinkMsg({ to, content, timestamp }) as RawDownLinkMsg, 0);

describe('local store: the move from schema 2, interrupted', () => {
  it('leaves the schema 2 file as it was when the move is killed half-way, and moves it on the next start', async () => {
    const dir = tempDir();
    const count = 200_000;
    const rows = Array.from({ length: count }, (_, i) => ({
      customer: `c${i % 500}`,
      msg: message(`c${i % 500}`, `message ${i}`, 1_700_000_000_000 + i),
    }));
    schema2File(dir, rows);
    try {
      // A gateway starting on the file, killed (-9) while its move to schema 3 has written part of its transaction.
      const engineModule = new URL('../../src/engine/local/index.ts', import.meta.url).href;
      const loggerModule = new URL('../../src/logger.ts', import.meta.url).href;
      const script = `const { LocalEngine } = await import(${JSON.stringify(engineModule)});
        const { createLogger } = await import(${JSON.stringify(loggerModule)});
        await LocalEngine.open({ dataDir: ${JSON.stringify(dir)}, durability: 'full', busyTimeoutMs: 5000, log: createLogger('silent') });`;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], { stdio: 'ignore' });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      let over = false;
      void exited.then(() => (over = true));
      const wal = `${file(dir)}-wal`;
      await waitFor(() => over || (existsSync(wal) && statSync(wal).size > 8 * 2 ** 20), 'the move to write its transaction', 120_000);
      assert.equal(over, false, 'the gateway was still moving the file when it was killed');
      child.kill('SIGKILL');
      await exited;

      const db = new Database(file(dir));
      try {
        assert.equal(db.pragma('user_version', { simple: true }), 2, 'killed before its commit');
        const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string }[];
        assert.deepEqual(tables.map((t) => t.name), ['customers', 'media_grants', 'messages']);
        assert.equal((db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n, count);
        assert.equal(db.prepare("SELECT 1 FROM pragma_table_info('messages') WHERE name = 'ts'").get(), undefined);
      } finally {
        db.close();
      }

      const engine = await LocalEngine.open({ dataDir: dir, durability: 'full', busyTimeoutMs: 5000, log });
      try {
        assert.equal((await engine.conversation('c7')).lastSeq, count / 500);
        assert.equal(await engine.allStored([rows[7]!.msg, rows[count - 1]!.msg]), true);
        const outcomes = await engine.append([rows[7]!.msg, message('c7', 'new', Date.now())]);
        assert.deepEqual(outcomes.map((o) => [o.seq, o.duplicate]), [[1, true], [count / 500 + 1, false]]);
      } finally {
        await engine.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
