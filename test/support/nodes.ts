// Several real gateway processes on one Redis setup, and what the multi-node tests do with them: customers'
// browsers that follow their stream and resume on another node when theirs dies, senders that push like AICC
// (a push not answered "0" is pushed again, to the next node), and the checks that nothing acknowledged was
// lost, doubled or reordered.

import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { RedisEngine } from '../../src/engine/redis/index.js';
import { createLogger } from '../../src/logger.js';
import { downLinkMsg, pushBody } from './fixtures.js';
import { baseEnv, customerToken, spawnGateway, tempDir, type ChildGateway } from './gateway.js';
import { waitFor, wsUrl } from './streams.js';

export class GatewayNodes {
  nodes: ChildGateway[] = [];
  readonly dead = new Set<ChildGateway>();
  pushHeaders: Record<string, string> = {};
  run = 0;

  constructor(
    private readonly redisUrl: string,
    private readonly env: Record<string, string> = {},
  ) {}

  /** Starts `count` nodes; the AccessToken of the first is used on all (the secret is shared through Redis). */
  async start(count: number): Promise<void> {
    this.nodes = await Promise.all(Array.from({ length: count }, () => this.startNode()));
    this.pushHeaders = { 'x-app-key': 'app1', authorization: `Bearer ${await this.nodes[0]!.token('app1')}` };
  }

  startNode(env: Record<string, string> = {}): Promise<ChildGateway> {
    return spawnGateway(baseEnv(tempDir(), { REDIS_URL: this.redisUrl, LOG_LEVEL: 'warn', ...this.env, ...env }));
  }

  alive(): ChildGateway[] {
    return this.nodes.filter((n) => !this.dead.has(n));
  }

  kill(node: ChildGateway): void {
    this.dead.add(node);
    node.child.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    await Promise.all(this.alive().map(async (node) => {
      node.child.kill('SIGTERM');
      await node.exited;
    }));
  }

  /** A customer's browser: follows its stream, and on any disconnect resumes from its last seq on a node that is up. */
  follow(customerId: string, token: string, firstNode: ChildGateway) {
    const { dead } = this;
    const alive = () => this.alive();
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

  async followers(count: number, label: string): Promise<Follower[]> {
    const run = ++this.run;
    const alive = () => this.alive();
    return Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const id = `${label}-${process.pid}-${run}-${i}`;
        return this.follow(id, await customerToken(id), alive()[i % alive().length]!);
      }),
    );
  }


  /**
   * `lanes` senders push `total` messages, 1 to 3 per push, each to one of the customers, spreading the pushes
   * over the nodes that are up. Like AICC, a push that is not answered "0" is pushed again (to the next node)
   * until it is. `onAck` runs after every acknowledged push, with the progress so far.
   */
  async load(customers: Follower[], total: number, lanesCount: number, onAck: (progress: LoadResult) => void = () => {}) {
    const { run, pushHeaders } = this;
    const alive = () => this.alive();
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
  async assertDelivered(customers: Follower[], result: LoadResult) {
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
  async lostFromStore(customers: Follower[], result: LoadResult): Promise<number> {
    const engine = await RedisEngine.open({ url: this.redisUrl, historyTtlMs: 86_400_000, log: createLogger('silent') });
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
}

export type Follower = ReturnType<GatewayNodes['follow']>;

export interface LoadResult {
  /** Per lane, the codes it had acknowledged, in order, by customer. */
  lanes: Map<string, string[]>[];
  acknowledged: Map<string, string>;
  failures: { status: number; resultCode?: string }[];
}
