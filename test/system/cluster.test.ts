// Several gateway nodes on one Redis, as processes: pushes spread over the nodes reach customers connected to
// other nodes, each message once and in order; a node killed with SIGKILL loses nothing (its customers resume
// on another node); Redis killed and restarted (append-only file, fsync always) loses no acknowledged message.
// The same runs on a real Redis Cluster (test/system/redisCluster.test.ts) and behind Sentinel (test/system/redisSentinel.test.ts).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { GatewayNodes } from '../support/nodes.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { waitFor } from '../support/streams.js';

let redis: TestRedis;
let gw: GatewayNodes;

before(async () => {
  redis = await startRedis();
  gw = new GatewayNodes(redis.url);
  // No TOKEN_SECRET: the nodes share the secret through Redis, so node 1's AccessToken is valid on all three.
  await gw.start(3);
});

after(async () => {
  await gw?.stop();
  await redis?.stop();
});

describe('several gateway nodes on one Redis', () => {
  it('accepts tokens from any node and delivers pushes sent to any node to customers on every node', async () => {
    // A visitor created on node 1 streams from node 3; an AccessToken from node 1 pushes through node 2.
    const visitor = await gw.nodes[0]!.request('POST', '/v1/visitors');
    assert.equal(visitor.status, 201);
    const viaOtherNode = gw.follow(visitor.body.visitorId, visitor.body.token, gw.nodes[2]!);
    const res = await gw.nodes[1]!.push(pushBody([downLinkMsg({ to: visitor.body.visitorId, messageCode: 'v1' })]), gw.pushHeaders);
    assert.equal(res.status, 200);
    await waitFor(() => viaOtherNode.codes.length === 1, 'the visitor to receive the push on another node');
    viaOtherNode.stop();

    const customers = await gw.followers(12, 'spread');
    const result = await gw.load(customers, 600, 8);
    const delivered = await gw.assertDelivered(customers, result);
    assert.equal(delivered, 600);
    assert.equal(result.failures.length, 0);
    for (const c of customers) c.stop();
  });

  it('loses nothing when a node is killed with SIGKILL under load: its customers resume on another node', async () => {
    const customers = await gw.followers(12, 'kill');
    const victim = gw.nodes[2]!;
    const onVictim = customers.filter((c) => c.nodesUsed.has(victim.url));
    let killed = false;
    const result = await gw.load(customers, 900, 8, ({ acknowledged }) => {
      if (acknowledged.size >= 250 && !killed) {
        killed = true;
        gw.kill(victim);
      }
    });
    assert.ok(killed, 'the node was killed during the load');
    await victim.exited;
    const delivered = await gw.assertDelivered(customers, result);
    const lost = await gw.lostFromStore(customers, result);
    const resumed = onVictim.filter((c) => c.nodesUsed.size > 1).length;
    console.log(`# kill -9: ${result.acknowledged.size} acknowledged, ${delivered} delivered, ${resumed}/${onVictim.length} customers of the killed node resumed elsewhere, ${lost} lost`);
    assert.equal(lost, 0);
    assert.equal(delivered, result.acknowledged.size);
    assert.equal(resumed, onVictim.length);
    for (const c of customers) c.stop();
    // Back to three nodes for what follows.
    gw.nodes = [...gw.alive(), await gw.startNode()];
  });

  it('loses no acknowledged message when Redis is killed and restarted under load; pushes answer 500 meanwhile', async () => {
    const customers = await gw.followers(12, 'redis');
    let killed = false;
    let restarted: Promise<void> | undefined;
    let notReady = 0;
    const result = await gw.load(customers, 900, 8, (progress) => {
      if (progress.acknowledged.size < 250 || killed) return;
      killed = true;
      restarted = (async () => {
        await redis.kill();
        // Wait for what AICC and the load balancer would see: a push refused with 500/13, /readyz 503.
        await waitFor(() => progress.failures.some((f) => f.status === 500 && f.resultCode === '13'), 'a push answered 500 with resultCode 13');
        for (const node of gw.alive()) if ((await node.request('GET', '/readyz')).status === 503) notReady++;
        await redis.restart();
      })();
    });
    await restarted;
    assert.ok(killed, 'Redis was killed during the load');
    assert.equal(notReady, 3, 'every node said 503 on /readyz while Redis was down');
    const delivered = await gw.assertDelivered(customers, result);
    const lost = await gw.lostFromStore(customers, result);
    const refused = result.failures.filter((f) => f.status === 500 && f.resultCode === '13').length;
    console.log(`# redis restart: ${result.acknowledged.size} acknowledged, ${refused} pushes refused with 500/13 and retried, ${delivered} delivered, ${lost} lost`);
    assert.equal(lost, 0);
    assert.equal(delivered, result.acknowledged.size);
    for (const node of gw.alive()) assert.equal((await node.request('GET', '/readyz')).status, 200, 'ready again');
    for (const c of customers) c.stop();
  });
});
