// Jobs (engine/jobs.ts) shared by the nodes on one Redis. Per kind, a sorted set holds the customers that
// need the job (scored by when it was last wanted) and one lease key per customer names the node running it,
// with a short TTL that node renews every second. Every node, every second, renews its own leases and takes
// the free ones, so a job whose node died runs again elsewhere within about LEASE_MS. All the keys share the
// hash tag {jobs}, so each script below touches one slot, on a Cluster too.

import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { JobKind, JobRunner, Jobs } from '../jobs.js';
import type { RedisConnection } from '../../redis/connection.js';

/** How long a lease outlives its node's last renewal: the longest a job stands still when its node dies. */
const LEASE_MS = 3000;
const TICK_MS = 1000;
/** Jobs one node takes in one tick: after a node's death the others share its jobs out over a few ticks. */
const TAKE_PER_TICK = 100;

const registry = (kind: JobKind) => `aicc:{jobs}:${kind}`;
const leasePrefix = (kind: JobKind) => `aicc:{jobs}:${kind}:lease:`;

/** KEYS[1]: registry. ARGV: node, lease ms, most to take, lease prefix. Takes free leases of wanted jobs. */
const TAKE = `
local taken = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if #taken >= tonumber(ARGV[3]) then break end
  if redis.call('SET', ARGV[4] .. id, ARGV[1], 'NX', 'PX', ARGV[2]) then taken[#taken + 1] = id end
end
return taken
`;

/**
 * KEYS[1]: registry. ARGV: node, lease ms, lease prefix, then the customers whose job this node runs. Renews
 * the leases still this node's and still wanted, drops the others; returns the customers still held.
 */
const RENEW = `
local held = {}
for i = 4, #ARGV do
  local lease = ARGV[3] .. ARGV[i]
  if redis.call('GET', lease) == ARGV[1] then
    if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
      redis.call('PEXPIRE', lease, ARGV[2])
      held[#held + 1] = ARGV[i]
    else
      redis.call('DEL', lease)
    end
  end
end
return held
`;

/** ARGV: node, lease prefix, customers. Gives up this node's leases (a graceful stop: others take them at once). */
const RELEASE = `
for i = 3, #ARGV do
  if redis.call('GET', ARGV[2] .. ARGV[i]) == ARGV[1] then redis.call('DEL', ARGV[2] .. ARGV[i]) end
end
return 1
`;

type Scripted = {
  aiccJobsTake(registry: string, node: string, leaseMs: number, most: number, prefix: string): Promise<string[]>;
  aiccJobsRenew(registry: string, node: string, leaseMs: number, prefix: string, ...customers: string[]): Promise<string[]>;
  aiccJobsRelease(registry: string, node: string, prefix: string, ...customers: string[]): Promise<number>;
};

export function redisJobs(redis: RedisConnection, log: Logger): Jobs {
  redis.defineCommand('aiccJobsTake', { lua: TAKE, numberOfKeys: 1 });
  redis.defineCommand('aiccJobsRenew', { lua: RENEW, numberOfKeys: 1 });
  redis.defineCommand('aiccJobsRelease', { lua: RELEASE, numberOfKeys: 1 });
  const scripted = redis as unknown as Scripted;
  const node = randomUUID();
  const runners = new Map<JobKind, JobRunner>();
  /** The jobs running here, per kind. */
  const running = new Map<JobKind, Set<string>>();
  let lastRenewal = Date.now();
  let failing = false;

  const mine = (kind: JobKind) => {
    let set = running.get(kind);
    if (!set) running.set(kind, (set = new Set()));
    return set;
  };
  const start = (kind: JobKind, customerId: string) => {
    if (mine(kind).has(customerId)) return;
    mine(kind).add(customerId);
    log.info({ job: kind, customerId }, 'job started on this node');
    runners.get(kind)?.start(customerId);
  };
  const stop = (kind: JobKind, customerId: string) => {
    if (!mine(kind).delete(customerId)) return;
    runners.get(kind)?.stop(customerId);
  };

  async function tick(): Promise<void> {
    for (const kind of runners.keys()) {
      const held = [...mine(kind)];
      if (held.length > 0) {
        const still = new Set(await scripted.aiccJobsRenew(registry(kind), node, LEASE_MS, leasePrefix(kind), ...held));
        for (const customerId of held) if (!still.has(customerId)) stop(kind, customerId);
      }
      for (const customerId of await scripted.aiccJobsTake(registry(kind), node, LEASE_MS, TAKE_PER_TICK, leasePrefix(kind))) {
        start(kind, customerId);
      }
    }
    lastRenewal = Date.now();
    if (failing) log.info('jobs: redis reachable again; leases renewed');
    failing = false;
  }

  const timer = setInterval(() => {
    tick().catch((err: Error) => {
      if (!failing) log.warn({ err: { message: err.message } }, 'jobs: leases not renewed (redis unreachable)');
      failing = true;
      // Once our leases may have lapsed another node may run the jobs: stop them here rather than run twice.
      if (Date.now() - lastRenewal > LEASE_MS) {
        for (const [kind, set] of running) for (const customerId of [...set]) stop(kind, customerId);
      }
    });
  }, TICK_MS);
  timer.unref();

  return {
    runWith(kind, runner) {
      runners.set(kind, runner);
    },
    async want(kind, customerId) {
      await redis.zadd(registry(kind), Date.now(), customerId);
      if (mine(kind).has(customerId)) return;
      // Whoever wants it first usually runs it at once; otherwise the next tick of some node takes it.
      if (await redis.set(`${leasePrefix(kind)}${customerId}`, node, 'PX', LEASE_MS, 'NX')) start(kind, customerId);
    },
    async drop(kind, customerId) {
      await redis.zrem(registry(kind), customerId);
      stop(kind, customerId);
    },
    async lastWanted(kind, customerId) {
      const score = await redis.zscore(registry(kind), customerId);
      return score === null ? undefined : Number(score);
    },
    async close() {
      clearInterval(timer);
      for (const [kind, set] of running) {
        const customers = [...set];
        for (const customerId of customers) stop(kind, customerId);
        if (customers.length > 0) await scripted.aiccJobsRelease(registry(kind), node, leasePrefix(kind), ...customers).catch(() => undefined);
      }
    },
  };
}
