// Several gateway nodes on one Redis, as processes: pushes spread over the nodes reach customers connected to
// other nodes, each message once and in order; a node killed with SIGKILL loses nothing (its customers resume
// on another node); Redis killed and restarted (append-only file, fsync always) loses no acknowledged message.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { RedisEngine } from '../src/engine/redis/index.js';
import { createLogger } from '../src/logger.js';
import { downLinkMsg, pushBody } from './support/fixtures.js';
import { baseEnv, customerToken, spawnGateway, tempDir, type ChildGateway } from './support/gateway.js';
import { startRedis, type TestRedis } from './support/redis.js';
import { waitFor, wsUrl } from './support/streams.js';

let redis: TestRedis;
let nodes: ChildGateway[] = [];
const dead = new Set<ChildGateway>();
let pushHeaders: Record<string, string>;
let run = 0;

const startNode = () => spawnGateway(baseEnv(tempDir(), { REDIS_URL: redis.url, LOG_LEVEL: 'warn' }));
const alive = () => nodes.filter((n) => !dead.has(n));

before(async () => {
  redis = await startRedis();
  nodes = await Promise.all([startNode(), startNode(), startNode()]);
  // No TOKEN_SECRET: the nodes share the secret through Redis, so node 1's AccessToken is valid on all three.
  pushHeaders = { 'x-app-key': 'app1', authorization: `Bearer ${await nodes[0]!.token('app1')}` };
});

after(async () => {
  await Promise.all(alive().map(async (node) => {
    node.child.kill('SIGTERM');
    await node.exited;
  }));
  await redis.stop();
});

/** A customer's browser: follows its stream, and on any disconnect resumes from its last seq on a node that is up. */
function follow(customerId: string, token: string, firstNode: ChildGateway) {
  const state = { customerId, codes: [] as string[], lastSeq: 0, violations: [] as string[], nodesUsed: new Set<string>() };
  let stopped = false;
  let socket: WebSocket | undefined;
  let current = firstNode;
  const open = (node: ChildGateway) => {
    current = node;
    state.nodesUsed.add(node.url);
    socket = new WebSocket(wsUrl(node.url, token, state.lastSeq));
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.type !== 'message') return;
      if (frame.seq !== state.lastSeq + 1) state.violations.push(`${customerId}: seq ${frame.seq} after ${state.lastSeq}`);
      if (frame.seq <= state.lastSeq) return;
      state.lastSeq = frame.seq;
      state.codes.push(frame.message.messageCode);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (stopped) return;
      // Another node when this one is gone, as a load balancer would send it.
      const up = alive();
      const next = dead.has(current) ? up[Math.floor(Math.random() * up.length)]! : current;
      setTimeout(() => open(next), 50);
    });
  };
  open(firstNode);
  return Object.assign(state, {
    stop() {
      stopped = true;
      socket?.terminate();
    },
  });
}

type Follower = ReturnType<typeof follow>;

async function followers(count: number, label: string): Promise<Follower[]> {
  run++;
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const id = `${label}-${process.pid}-${run}-${i}`;
      return follow(id, await customerToken(id), alive()[i % alive().length]!);
    }),
  );
}

interface LoadResult {
  /** Per lane, the codes it had acknowledged, in order, by customer. */
  lanes: Map<string, string[]>[];
  acknowledged: Map<string, string>;
  failures: { status: number; resultCode?: string }[];
}

/**
 * `lanes` senders push `total` messages, 1 to 3 per push, each to one of the customers, spreading the pushes
 * over the nodes that are up. Like AICC, a push that is not answered "0" is pushed again (to the next node)
 * until it is. `onAck` runs after every acknowledged push, with the progress so far.
 */
async function load(customers: Follower[], total: number, lanesCount: number, onAck: (progress: LoadResult) => void = () => {}) {
  const result: LoadResult = { lanes: [], acknowledged: new Map(), failures: [] };
  let next = 0;
  let turn = 0;
  const deadline = Date.now() + 90_000;
  const lane = async (laneIndex: number) => {
    const mine = new Map<string, string[]>();
    result.lanes.push(mine);
    while (next < total) {
      const count = Math.min(1 + (next % 3), total - next);
      const to = customers[(next * 7 + laneIndex) % customers.length]!.customerId;
      const codes = Array.from({ length: count }, (_, k) => `r${run}-${next + k}`);
      next += count;
      const body = pushBody(codes.map((code) => downLinkMsg({ to, messageCode: code, content: code })));
      for (;;) {
        if (Date.now() > deadline) throw new Error('a push was not acknowledged within 90 s');
        const up = alive();
        const node = up[turn++ % up.length]!;
        const res = await node.push(body, pushHeaders).catch(() => ({ status: 0, body: {} as Record<string, string> }));
        if (res.status === 200 && res.body.resultCode === '0') break;
        result.failures.push({ status: res.status, resultCode: res.body?.resultCode });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      for (const code of codes) result.acknowledged.set(code, to);
      mine.set(to, [...(mine.get(to) ?? []), ...codes]);
      onAck(result);
    }
  };
  await Promise.all(Array.from({ length: lanesCount }, (_, i) => lane(i)));
  return result;
}

/** Every acknowledged message reached its customer once, in seq order with no gap, in each lane's order. */
async function assertDelivered(customers: Follower[], result: LoadResult) {
  const expected = new Map(customers.map((c) => [c.customerId, 0]));
  for (const to of result.acknowledged.values()) expected.set(to, expected.get(to)! + 1);
  for (const c of customers) {
    await waitFor(() => c.codes.length >= expected.get(c.customerId)!, `${c.customerId} to receive ${expected.get(c.customerId)} messages`, 30_000);
  }
  for (const c of customers) {
    assert.deepEqual(c.violations, [], 'no gap, no repeat, no disorder');
    assert.equal(new Set(c.codes).size, c.codes.length, 'each message once');
    const position = new Map(c.codes.map((code, i) => [code, i]));
    for (const lane of result.lanes) {
      const sent = lane.get(c.customerId) ?? [];
      const at = sent.map((code) => position.get(code) ?? -1);
      assert.ok(at.every((p, i) => p >= 0 && (i === 0 || p > at[i - 1]!)), `${c.customerId}: a lane's messages arrive in its order`);
    }
  }
  return customers.reduce((sum, c) => sum + c.codes.length, 0);
}

/** Reads every customer's log from Redis itself: acknowledged messages missing from it are lost. */
async function lostFromStore(customers: Follower[], result: LoadResult): Promise<number> {
  const engine = await RedisEngine.open({ url: redis.url, historyTtlMs: 86_400_000, log: createLogger('silent') });
  try {
    let lost = 0;
    for (const c of customers) {
      const entries = await engine.readSince(c.customerId, 0, 100_000);
      assert.deepEqual(entries.map((e) => e.seq), entries.map((_, i) => i + 1), 'gapless seqs in the store');
      const codes = new Set(entries.map((e) => e.message.messageCode));
      assert.equal(codes.size, entries.length, 'nothing stored twice');
      for (const [code, to] of result.acknowledged) if (to === c.customerId && !codes.has(code)) lost++;
    }
    return lost;
  } finally {
    await engine.close();
  }
}

describe('several gateway nodes on one Redis', () => {
  it('accepts tokens from any node and delivers pushes sent to any node to customers on every node', async () => {
    // A visitor created on node 1 streams from node 3; an AccessToken from node 1 pushes through node 2.
    const visitor = await nodes[0]!.request('POST', '/v1/visitors');
    assert.equal(visitor.status, 201);
    const viaOtherNode = follow(visitor.body.visitorId, visitor.body.token, nodes[2]!);
    const res = await nodes[1]!.push(pushBody([downLinkMsg({ to: visitor.body.visitorId, messageCode: 'v1' })]), pushHeaders);
    assert.equal(res.status, 200);
    await waitFor(() => viaOtherNode.codes.length === 1, 'the visitor to receive the push on another node');
    viaOtherNode.stop();

    const customers = await followers(12, 'spread');
    const result = await load(customers, 600, 8);
    const delivered = await assertDelivered(customers, result);
    assert.equal(delivered, 600);
    assert.equal(result.failures.length, 0);
    for (const c of customers) c.stop();
  });

  it('loses nothing when a node is killed with SIGKILL under load: its customers resume on another node', async () => {
    const customers = await followers(12, 'kill');
    const victim = nodes[2]!;
    const onVictim = customers.filter((c) => c.nodesUsed.has(victim.url));
    let killed = false;
    const result = await load(customers, 900, 8, ({ acknowledged }) => {
      if (acknowledged.size >= 250 && !killed) {
        killed = true;
        dead.add(victim);
        victim.child.kill('SIGKILL');
      }
    });
    assert.ok(killed, 'the node was killed during the load');
    await victim.exited;
    const delivered = await assertDelivered(customers, result);
    const lost = await lostFromStore(customers, result);
    const resumed = onVictim.filter((c) => c.nodesUsed.size > 1).length;
    console.log(`# kill -9: ${result.acknowledged.size} acknowledged, ${delivered} delivered, ${resumed}/${onVictim.length} customers of the killed node resumed elsewhere, ${lost} lost`);
    assert.equal(lost, 0);
    assert.equal(delivered, result.acknowledged.size);
    assert.equal(resumed, onVictim.length);
    for (const c of customers) c.stop();
    // Back to three nodes for what follows.
    nodes = [...alive(), await startNode()];
  });

  it('loses no acknowledged message when Redis is killed and restarted under load; pushes answer 500 meanwhile', async () => {
    const customers = await followers(12, 'redis');
    let killed = false;
    let restarted: Promise<void> | undefined;
    let notReady = 0;
    const result = await load(customers, 900, 8, (progress) => {
      if (progress.acknowledged.size < 250 || killed) return;
      killed = true;
      restarted = (async () => {
        await redis.kill();
        // Wait for what AICC and the load balancer would see: a push refused with 500/13, /readyz 503.
        await waitFor(() => progress.failures.some((f) => f.status === 500 && f.resultCode === '13'), 'a push answered 500 with resultCode 13');
        for (const node of alive()) if ((await node.request('GET', '/readyz')).status === 503) notReady++;
        await redis.restart();
      })();
    });
    await restarted;
    assert.ok(killed, 'Redis was killed during the load');
    assert.equal(notReady, 3, 'every node said 503 on /readyz while Redis was down');
    const delivered = await assertDelivered(customers, result);
    const lost = await lostFromStore(customers, result);
    const refused = result.failures.filter((f) => f.status === 500 && f.resultCode === '13').length;
    console.log(`# redis restart: ${result.acknowledged.size} acknowledged, ${refused} pushes refused with 500/13 and retried, ${delivered} delivered, ${lost} lost`);
    assert.equal(lost, 0);
    assert.equal(delivered, result.acknowledged.size);
    for (const node of alive()) assert.equal((await node.request('GET', '/readyz')).status, 200, 'ready again');
    for (const c of customers) c.stop();
  });
});
