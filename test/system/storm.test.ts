// The reconnect storm of `npm run bench` (bench/storm.ts), small: 300 customers on the SDK in two processes,
// one gateway node on SQLite killed with kill -9 and started again, then stopped with SIGTERM and started
// again. Only the invariants are asserted: every customer back, every message once and in order. The timings
// it measures are the benchmark's business.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SDK } from '../../bench/customerProcesses.js';
import { measureStorm } from '../../bench/storm.js';

describe('a reconnect storm, small', () => {
  it('brings every customer back, with every message once and in order, after kill -9 and after SIGTERM', async (t) => {
    const result = await measureStorm({ customers: 300, perProcess: 150, sdk: SDK.source, gateway: 'source' });
    t.diagnostic(JSON.stringify(result));
    assert.equal(result.restarts.kill9!.neverBack, 0, 'every customer back after kill -9');
    assert.equal(result.restarts.sigterm!.neverBack, 0, 'every customer back after SIGTERM');
    assert.deepEqual(result.messages, { lost: 0, duplicated: 0, reordered: 0 });
  });
});
