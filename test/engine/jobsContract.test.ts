// One contract for Jobs (src/engine/jobs.ts), every implementation: the local one (one node: every job runs here)
// and the Redis one (a lease per job, shared by the nodes). Whoever wants a job gets it started once, a drop stops
// it, kinds are apart, close stops what runs here; on Redis, two nodes never both run one job.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { localJobs, type JobKind, type JobRunner, type Jobs } from '../../src/engine/jobs.js';
import { RedisEngine } from '../../src/engine/redis/index.js';
import { createLogger } from '../../src/logger.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { waitFor } from '../support/streams.js';

const log = createLogger('silent');
let counter = 0;
const newCustomer = () => `job-${process.pid}-${++counter}`;

/** A runner that records what it was told. */
function recorder(): JobRunner & { started: string[]; stopped: string[]; running: Set<string> } {
  const started: string[] = [];
  const stopped: string[] = [];
  const running = new Set<string>();
  return {
    started,
    stopped,
    running,
    start(customerId) {
      started.push(customerId);
      running.add(customerId);
    },
    stop(customerId) {
      stopped.push(customerId);
      running.delete(customerId);
    },
  };
}

function contract(name: string, setup: () => Promise<{ jobs(): Jobs; teardown(): Promise<void> }>) {
  describe(`jobs contract: ${name}`, () => {
    let subject: Awaited<ReturnType<typeof setup>>;
    before(async () => {
      subject = await setup();
    });
    after(() => subject.teardown());

    async function withJobs<T>(fn: (jobs: Jobs, runners: Record<JobKind, ReturnType<typeof recorder>>) => Promise<T>): Promise<T> {
      const jobs = subject.jobs();
      const runners = { queue: recorder(), poll: recorder() };
      jobs.runWith('queue', runners.queue);
      jobs.runWith('poll', runners.poll);
      try {
        return await fn(jobs, runners);
      } finally {
        await jobs.close();
      }
    }

    it('starts a wanted job once, however often it is wanted, and remembers when it was last wanted', () =>
      withJobs(async (jobs, runners) => {
        const customer = newCustomer();
        const before = Date.now();
        await jobs.want('queue', customer);
        await jobs.want('queue', customer);
        assert.deepEqual(runners.queue.started, [customer]);
        const last = await jobs.lastWanted('queue', customer);
        assert.ok(last !== undefined && last >= before - 1000, `last wanted at ${last}`);
      }));

    it('stops a dropped job, forgets it, and does nothing for a job nobody wanted', () =>
      withJobs(async (jobs, runners) => {
        const customer = newCustomer();
        await jobs.want('queue', customer);
        await jobs.drop('queue', customer);
        assert.deepEqual(runners.queue.stopped, [customer]);
        assert.equal(await jobs.lastWanted('queue', customer), undefined);
        await jobs.drop('queue', newCustomer());
        assert.deepEqual(runners.queue.stopped, [customer], 'no stop for a job that never ran');
      }));

    it('keeps kinds apart: wanting one kind starts nothing of another', () =>
      withJobs(async (jobs, runners) => {
        const customer = newCustomer();
        await jobs.want('poll', customer);
        assert.deepEqual(runners.poll.started, [customer]);
        assert.deepEqual(runners.queue.started, []);
        assert.equal(await jobs.lastWanted('queue', customer), undefined);
        await jobs.drop('queue', customer);
        assert.ok(runners.poll.running.has(customer), 'dropping the other kind leaves it running');
      }));

    it('stops every job running here on close', async () => {
      const jobs = subject.jobs();
      const runner = recorder();
      jobs.runWith('queue', runner);
      const customers = [newCustomer(), newCustomer(), newCustomer()];
      for (const customer of customers) await jobs.want('queue', customer);
      await jobs.close();
      assert.deepEqual([...runner.running], []);
      assert.deepEqual(runner.stopped.sort(), [...customers].sort());
    });
  });
}

contract('local', async () => ({ jobs: () => localJobs(), teardown: async () => {} }));

let redis: TestRedis;
const engines: RedisEngine[] = [];
contract('redis', async () => {
  redis = await startRedis();
  const engine = await RedisEngine.open({ url: redis.url, log, historyTtlMs: 3_600_000 });
  engines.push(engine);
  return {
    jobs: () => engine.jobs(),
    teardown: async () => {
      await Promise.all(engines.splice(0).map((e) => e.close()));
      await redis.stop();
    },
  };
});

describe('jobs on redis: several nodes', () => {
  let store: TestRedis;
  before(async () => {
    store = await startRedis();
  });
  after(() => store.stop());

  it('runs a job wanted on two nodes on exactly one of them, and the other takes it when that one closes', async () => {
    const [a, b] = await Promise.all([0, 1].map(() => RedisEngine.open({ url: store.url, log, historyTtlMs: 3_600_000 })));
    const [jobsA, jobsB] = [a!.jobs(), b!.jobs()];
    const [runA, runB] = [recorder(), recorder()];
    jobsA.runWith('queue', runA);
    jobsB.runWith('queue', runB);
    try {
      const customer = newCustomer();
      await Promise.all([jobsA.want('queue', customer), jobsB.want('queue', customer)]);
      assert.equal(runA.running.size + runB.running.size, 1, 'one node runs it');
      const [holder, other] = runA.running.size === 1 ? [jobsA, runB] : [jobsB, runA];
      await holder.close();
      // The other node takes the released lease on one of its next ticks (about a second).
      await waitFor(() => other.running.has(customer), 'the other node runs the job');
      assert.deepEqual(other.started, [customer]);
    } finally {
      await Promise.all([jobsA.close(), jobsB.close()]);
      await Promise.all([a!.close(), b!.close()]);
    }
  });
});
