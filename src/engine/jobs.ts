// A customer's background work that must run on exactly one node at a time: watching the queue position while
// the customer waits for an agent, and (poll mode) long-polling AICC for the conversation. Whoever learns that
// a customer needs one says so (`want`); one node runs it. With one node (the local engine) that is this node,
// at once (below); with Redis, the node holding the job's lease (engine/redis/jobs.ts), and when that node dies
// another takes the lease within seconds and carries on.

export type JobKind = 'queue' | 'poll';

/** What runs one kind of job on this node: `start` when this node takes it, `stop` when it gives it up. */
export interface JobRunner {
  start(customerId: string): void;
  stop(customerId: string): void;
}

export interface Jobs {
  /** What runs `kind` here; registered before anything is wanted. */
  runWith(kind: JobKind, runner: JobRunner): void;
  /** The customer needs the job (still): it runs on one node; the time counts as the job's last activity. */
  want(kind: JobKind, customerId: string): Promise<void>;
  /** The customer no longer needs it: the node running it stops it. */
  drop(kind: JobKind, customerId: string): Promise<void>;
  /** When the job was last wanted (ms since epoch); undefined when it no longer is. */
  lastWanted(kind: JobKind, customerId: string): Promise<number | undefined>;
  /** Stops the jobs running here (and lets another node take them). */
  close(): Promise<void>;
}

/** One node: every job runs here, from `want` to `drop`. */
export function localJobs(now: () => number = Date.now): Jobs {
  const runners = new Map<JobKind, JobRunner>();
  const wanted = new Map<string, number>();
  const id = (kind: JobKind, customerId: string) => `${kind}\u0000${customerId}`;
  return {
    runWith(kind, runner) {
      runners.set(kind, runner);
    },
    async want(kind, customerId) {
      const key = id(kind, customerId);
      const running = wanted.has(key);
      wanted.set(key, now());
      if (!running) runners.get(kind)?.start(customerId);
    },
    async drop(kind, customerId) {
      if (wanted.delete(id(kind, customerId))) runners.get(kind)?.stop(customerId);
    },
    async lastWanted(kind, customerId) {
      return wanted.get(id(kind, customerId));
    },
    async close() {
      for (const key of [...wanted.keys()]) {
        const [kind, customerId] = key.split('\u0000') as [JobKind, string];
        wanted.delete(key);
        runners.get(kind)?.stop(customerId);
      }
    },
  };
}
