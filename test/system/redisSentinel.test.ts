// Three gateway nodes on a Sentinel setup (a primary, a replica, three sentinels; min-replicas-to-write 1):
// every message reaches its customer once and in order, and when the primary is killed with SIGKILL under load
// the sentinels promote the replica, the refused pushes are retried, and nothing acknowledged is lost.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GatewayNodes } from '../support/nodes.js';
import { startSentinel, waitForServer, type TestSentinel } from '../support/redisTopologies.js';
import { waitFor } from '../support/streams.js';

let sentinel: TestSentinel;
let gw: GatewayNodes;

before(async () => {
  sentinel = await startSentinel();
  gw = new GatewayNodes(sentinel.url);
  await gw.start(3);
});

after(async () => {
  await gw?.stop();
  await sentinel?.stop();
});

describe('several gateway nodes behind Redis Sentinel', () => {
  it('delivers pushes sent to any node to customers on every node, each once and in order', async () => {
    const customers = await gw.followers(12, 'sentinel');
    const result = await gw.load(customers, 300, 6);
    assert.equal(await gw.assertDelivered(customers, result), 300);
    assert.equal(result.failures.length, 0);
    for (const c of customers) c.stop();
  });

  it('loses nothing acknowledged when the primary is killed with SIGKILL under load and the replica is promoted', async () => {
    const customers = await gw.followers(12, 'failover');
    const old = await sentinel.primary();
    let killedAt = 0;
    let promotedAt = 0;
    let firstAckAfter = 0;
    let failover: Promise<void> | undefined;
    const result = await gw.load(customers, 400, 6, (progress) => {
      if (killedAt && !firstAckAfter && promotedAt) firstAckAfter = Date.now();
      if (progress.acknowledged.size < 100 || killedAt) return;
      killedAt = Date.now();
      failover = (async () => {
        await old.kill();
        await waitFor(() => progress.failures.length > 0, 'a push refused while there is no primary');
        await waitForServer(async () => (await sentinel.primary()) !== old, 'the sentinels to promote the replica', 60_000);
        promotedAt = Date.now();
        // The old primary comes back and the sentinels make it a replica of the new one: with a replica again,
        // the new primary takes writes (min-replicas-to-write 1).
        await old.restart();
      })();
    });
    await failover;
    const delivered = await gw.assertDelivered(customers, result);
    const lost = await gw.lostFromStore(customers, result);
    const refused = result.failures.length;
    console.log(`# sentinel failover: ${result.acknowledged.size} acknowledged, ${refused} pushes refused and retried, ` +
      `replica promoted ${promotedAt - killedAt} ms after the kill, writes back ${firstAckAfter - killedAt} ms after it, ${delivered} delivered, ${lost} lost`);
    assert.ok(refused > 0, 'pushes were refused while there was no primary');
    assert.ok(result.failures.every((f) => f.status === 500 && f.resultCode === '13'), 'refused with 500 and resultCode 13, which AICC retries');
    assert.equal(lost, 0);
    assert.equal(delivered, result.acknowledged.size);
    for (const c of customers) c.stop();
  });
});
