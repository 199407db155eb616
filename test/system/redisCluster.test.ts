// Three gateway nodes on a real 3-master Redis Cluster: customers spread over the shards, each message reaches
// its customer once and in order, live entries travel by sharded pub/sub (SPUBLISH, on the customer's shard
// only), and a master killed with SIGKILL and restarted under load loses nothing acknowledged.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GatewayNodes } from '../support/nodes.js';
import { ask, startCluster, type TestCluster } from '../support/redisTopologies.js';
import { waitFor } from '../support/streams.js';

let cluster: TestCluster;
let gw: GatewayNodes;

before(async () => {
  cluster = await startCluster();
  gw = new GatewayNodes(cluster.url);
  await gw.start(3);
});

after(async () => {
  await gw?.stop();
  await cluster?.stop();
});

/** Calls of one command on every master, from INFO commandstats. */
async function calls(command: string): Promise<number> {
  let total = 0;
  for (const server of cluster.servers) {
    const stats = String(await ask(server.port, 'INFO', 'commandstats'));
    total += Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(stats)?.[1] ?? 0);
  }
  return total;
}

describe('several gateway nodes on a Redis Cluster', () => {
  it('spreads customers over the shards and delivers each message once, in order, by sharded pub/sub', async () => {
    const customers = await gw.followers(12, 'shards');
    const masters = new Set(await Promise.all(customers.map(async (c) => (await cluster.masterOf(`{${c.customerId}}`)).port)));
    assert.equal(masters.size, 3, 'the customers live on all three shards');
    const [publishBefore, spublishBefore] = [await calls('publish'), await calls('spublish')];
    const result = await gw.load(customers, 300, 6);
    assert.equal(await gw.assertDelivered(customers, result), 300);
    assert.equal(result.failures.length, 0);
    const spublished = (await calls('spublish')) - spublishBefore;
    assert.ok(spublished >= 100, `live entries went out by SPUBLISH (${spublished})`);
    assert.equal((await calls('publish')) - publishBefore, 0, 'no classic PUBLISH, which a Cluster broadcasts to every shard');
    for (const c of customers) c.stop();
  });

  it('loses nothing acknowledged when a master is killed with SIGKILL and restarted under load', async () => {
    const customers = await gw.followers(12, 'restart');
    const victim = await cluster.masterOf(`{${customers[0]!.customerId}}`);
    const onVictim = [];
    for (const c of customers) if ((await cluster.masterOf(`{${c.customerId}}`)) === victim) onVictim.push(c);
    let killedAt = 0;
    let backAt = 0;
    let restarted: Promise<void> | undefined;
    const result = await gw.load(customers, 400, 6, (progress) => {
      if (progress.acknowledged.size < 100 || killedAt) return;
      killedAt = Date.now();
      restarted = (async () => {
        await victim.kill();
        await waitFor(() => progress.failures.length > 0, 'a push for a customer of that shard refused');
        await victim.restart();
        await cluster.healthy();
        backAt = Date.now();
      })();
    });
    await restarted;
    const delivered = await gw.assertDelivered(customers, result);
    const lost = await gw.lostFromStore(customers, result);
    console.log(`# cluster master restart: ${result.acknowledged.size} acknowledged, ${result.failures.length} pushes refused and retried, ` +
      `${onVictim.length} customers on that shard, shard back after ${backAt - killedAt} ms, ${delivered} delivered, ${lost} lost`);
    assert.ok(result.failures.length > 0, 'pushes for the shard were refused while it was down');
    assert.equal(lost, 0);
    assert.equal(delivered, result.acknowledged.size);
    for (const c of customers) c.stop();
  });
});
