// The local engine answers a conversation's summary from memory once it has read it (a stream's hello on a
// reconnect then needs no read of the file), and the summary it remembers follows appends and retention exactly.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { normalizeDownLinkMsg, type RawDownLinkMsg } from '../../src/aicc/downlink.js';
import { LocalEngine } from '../../src/engine/local/index.js';
import { createLogger } from '../../src/logger.js';
import { downLinkMsg } from '../support/fixtures.js';
import { tempDir } from '../support/gateway.js';
import { waitFor } from '../support/streams.js';

let engine: LocalEngine;
let headReads = 0;

before(async () => {
  engine = await LocalEngine.open({ dataDir: tempDir(), durability: 'relaxed', busyTimeoutMs: 1000, log: createLogger('silent') });
  // The one read of a customer's head (queries.ts QUERIES.head), counted.
  const statement = (engine as unknown as { log: { selectHead: { get: (...args: unknown[]) => unknown } } }).log.selectHead;
  const get = statement.get.bind(statement);
  statement.get = (...args) => {
    headReads++;
    return get(...args);
  };
});

after(() => engine.close());

const msg = (fields: Parameters<typeof downLinkMsg>[0]) => normalizeDownLinkMsg(downLinkMsg(fields) as RawDownLinkMsg, 0);

describe('conversation summaries in memory', () => {
  it('reads a customer once, then follows its appends without reading', async () => {
    const to = 'summary-appends';
    await engine.append([msg({ to })]);
    headReads = 0;
    assert.deepEqual([(await engine.conversation(to)).lastSeq, headReads], [1, 1]);
    assert.deepEqual([(await engine.conversation(to)).lastSeq, headReads], [1, 1], 'the second time from memory');
    await engine.append([msg({ to, controlType: 'TRANS2AGENT', sourceType: 'SYSTEM', mediaType: null, content: null }), msg({ to })]);
    const summary = await engine.conversation(to);
    assert.deepEqual([summary.lastSeq, summary.firstSeq, headReads], [3, 1, 1]);
    const stored = await freshRead(to);
    assert.equal(stored.state.phase, 'agent', 'the state moved with the appends');
    assert.deepEqual(summary, stored, 'what the file says');
  });

  it('reads again after retention purged', async () => {
    const to = 'summary-purge';
    await engine.append([msg({ to }), msg({ to })]);
    assert.equal((await engine.conversation(to)).firstSeq, 1);
    const cutoff = Date.now() + 1;
    await waitFor(() => Date.now() > cutoff, 'the clock to pass the cutoff');
    await engine.purgeOlderThan(cutoff, 1000);
    assert.deepEqual((await engine.conversation(to)), { customerId: to, lastSeq: 2, firstSeq: 0, state: (await freshRead(to)).state });
    await engine.append([msg({ to })]);
    assert.deepEqual([(await engine.conversation(to)).lastSeq, (await engine.conversation(to)).firstSeq], [3, 3]);
  });
});

/**
 * The summary as the store reads it when nothing is remembered. (Not through a second engine on the same file: a
 * DATA_DIR takes one gateway, dataDirLock.ts.)
 */
async function freshRead(customerId: string) {
  (engine as unknown as { log: { forgetSummaries(): void } }).log.forgetSummaries();
  const reads = headReads;
  try {
    return await engine.conversation(customerId);
  } finally {
    headReads = reads;
    (engine as unknown as { log: { forgetSummaries(): void } }).log.forgetSummaries();
  }
}
