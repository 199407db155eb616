// Limits with several nodes on one Redis are counted in Redis: two nodes enforce PUSH_RATE_LIMIT together (not
// twice it), and MAX_CONNECTIONS_PER_CUSTOMER counts a customer's streams on every node. Still 429 + Retry-After.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { customerToken, startGateway, type InProcessGateway } from '../support/gateway.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { connectWs, waitFor } from '../support/streams.js';

const LIMIT = 50;
// Enough that counting per node (twice the bucket, twice the refill) would show even if the burst lasts seconds.
const BURST = 300;
let redis: TestRedis;
let nodes: InProcessGateway[];

before(async () => {
  redis = await startRedis();
  const env = { REDIS_URL: redis.url, PUSH_RATE_LIMIT: String(LIMIT), MAX_CONNECTIONS_PER_CUSTOMER: '2' };
  nodes = [await startGateway(env), await startGateway(env)];
});

after(async () => {
  await Promise.all(nodes.map((n) => n.close()));
  await redis.stop();
});

describe('limits shared by the nodes on one Redis', () => {
  it(`accepts about PUSH_RATE_LIMIT=${LIMIT}/s in total from pushes alternating between two nodes`, async () => {
    const headers = { 'x-app-key': 'app1', authorization: `Bearer ${await nodes[0]!.token('app1')}` };
    const answers: { node: number; status: number; resultCode: string; retryAfter: string | null }[] = [];
    // All at once, so the whole burst falls within about one window of the limit.
    const started = Date.now();
    await Promise.all(Array.from({ length: BURST }, async (_, i) => {
      const res = await nodes[i % 2]!.push(pushBody([downLinkMsg({ to: `limited-${i % 10}`, messageCode: `b-${i}` })]), headers);
      answers.push({ node: i % 2, status: res.status, resultCode: res.body.resultCode, retryAfter: res.headers.get('retry-after') });
    }));
    const seconds = (Date.now() - started) / 1000;
    const accepted = answers.filter((a) => a.status === 200 && a.resultCode === '0');
    const refused = answers.filter((a) => a.status === 429);
    // A full bucket (LIMIT) plus what refills while the burst lasts; per-node counting would allow twice that.
    const bound = LIMIT + Math.ceil(LIMIT * seconds) + 1;
    console.log(`# shared push limit: ${accepted.length} of ${BURST} accepted in ${seconds.toFixed(2)} s over two nodes (at most ${bound})`);
    assert.equal(accepted.length + refused.length, BURST, 'every push is accepted or refused with 429');
    assert.ok(accepted.length >= LIMIT, `the burst takes at least the bucket (${accepted.length})`);
    assert.ok(accepted.length <= bound, `${accepted.length} accepted, at most ${bound}`);
    for (const node of [0, 1]) assert.ok(refused.some((a) => a.node === node), `node ${node + 1} refuses too`);
    for (const a of refused) {
      assert.equal(a.resultCode, '8', 'RATE_LIMITED');
      assert.ok(Number(a.retryAfter) >= 1, 'Retry-After says when to try again');
    }
  });

  it('counts a customer\'s streams on every node against MAX_CONNECTIONS_PER_CUSTOMER', async () => {
    const token = await customerToken('two-nodes-many-tabs');
    const [a, b] = [await connectWs(nodes[0]!.url, token), await connectWs(nodes[1]!.url, token)];
    await waitFor(() => a.frames.length > 0 && b.frames.length > 0, 'one stream on each node');
    const third = await connectWs(nodes[0]!.url, token);
    assert.equal((await third.closed).code, 4009, 'the third is refused although its node holds only one');
    b.close();
    await b.closed;
    // The place is given back once the other node has seen the close: try until a stream is admitted.
    let admitted: Awaited<ReturnType<typeof connectWs>> | undefined;
    while (!admitted) {
      const attempt = await connectWs(nodes[0]!.url, token);
      await waitFor(() => attempt.frames.length > 0 || attempt.socket.readyState !== attempt.socket.OPEN, 'hello or close');
      if (attempt.frames.some((f) => f.type === 'hello')) admitted = attempt;
    }
    admitted.close();
    a.close();
  });
});
