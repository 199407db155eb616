// The Redis engine, for several gateway nodes acting as one: any node takes any push, and a customer connected
// to any node receives it. Per customer: a Stream is the ordered log (entry id = seq), a hash holds lastSeq and
// the conversation state, and dedupe keys expire with the history. Every key is hash-tagged by customer, so the
// same code runs on one Redis, behind Sentinel, or on a Redis Cluster.

import type { Logger } from 'pino';
import type { NormalizedMessage } from '../../aicc/downlink.js';
import { INITIAL_STATE } from '../../conversation/state.js';
import { GatewayError, StartupError } from '../../errors.js';
import { mediaGrantOf } from '../mediaGrants.js';
import type { AiccSessionRecord, AppendOutcome, ConversationSummary, Engine, EngineListener, LogEntry, MediaGrant } from '../types.js';
import { connect, waitReady, type RedisConnection } from '../../redis/connection.js';
import { parseRedisUrl } from '../../redis/url.js';
import { RedisFanout, type ChannelPayload, type PubSubMode } from './fanout.js';
import { persistenceWarning } from './persistence.js';
import { keys } from './keys.js';
import { isStoredDuplicate, planAppend, type Head, type Plan, type PlannedOutcome } from './plan.js';
import { appendScript, PURGE_SCRIPT } from './scripts.js';
import { redisLimits } from './limits.js';
import { redisJobs } from './jobs.js';
import type { Jobs } from '../jobs.js';
import type { Limits } from '../limits.js';

export interface RedisEngineOptions {
  url: string;
  /** Dedupe keys live as long as the history they guard (HISTORY_TTL). */
  historyTtlMs: number;
  log: Logger;
  /** How long open() waits for Redis before the start fails. */
  connectWaitMs?: number;
  commandTimeoutMs?: number;
}

type Scripted = {
  aiccAppend(numKeys: number, ...args: (string | number)[]): Promise<number>;
  aiccPurge(key: string, cutoffMs: number, limit: number): Promise<[number, string]>;
};
type StreamEntry = [id: string, fields: string[]];
type Pending = { messages: NormalizedMessage[]; resolve: (o: AppendOutcome[]) => void; reject: (e: Error) => void };

/** Bounds one script: a long script blocks Redis for every other customer while it runs. */
const MAX_MESSAGES_PER_WRITE = 256;
/** Another node writing the same customer makes a plan stale; it is planned again, a bounded number of times. */
const MAX_ATTEMPTS = 30;
/** Heads (lastSeq, state) this node wrote last, so a customer's next write needs no read first. */
const HEAD_CACHE_SIZE = 10_000;

export class RedisEngine implements Engine {
  private readonly queues = new Map<string, Pending[]>();
  private readonly writing = new Set<Promise<void>>();
  private readonly heads = new Map<string, Head>();
  /** Retention-index writes not yet answered (appends do not wait for them; purges do). */
  private readonly indexWrites = new Set<Promise<void>>();
  private readonly fanout: RedisFanout;
  private closing = false;

  private constructor(
    private readonly redis: RedisConnection,
    private readonly subscriber: RedisConnection,
    private readonly options: RedisEngineOptions,
    private readonly pubsub: PubSubMode,
    /** Replicas that must hold a write before it is acknowledged (REDIS_URL's ?wait=N). */
    private readonly waitReplicas: number,
  ) {
    this.fanout = new RedisFanout(subscriber, options.log, pubsub);
    redis.defineCommand('aiccAppend', { lua: appendScript(pubsub === 'sharded' ? 'SPUBLISH' : 'PUBLISH') });
    redis.defineCommand('aiccPurge', { lua: PURGE_SCRIPT, numberOfKeys: 1 });
    let lost = false;
    redis.on('error', (err: Error) => {
      if (!lost) options.log.error({ err: { message: err.message } }, 'redis unreachable; pushes answer 500 until it is back');
      lost = true;
    });
    redis.on('ready', () => {
      if (lost) options.log.info('redis reachable again');
      lost = false;
    });
    subscriber.on('error', () => {
      // Reported by the command connection; the subscriber reconnects on its own.
    });
  }

  /**
   * Connects (a command connection and a subscriber connection) and waits until Redis answers. On a Cluster whose
   * servers know SPUBLISH (7.0+), the subscriber is a sharded one (./fanout.ts).
   */
  static async open(options: RedisEngineOptions): Promise<RedisEngine> {
    const target = parseRedisUrl(options.url);
    const commandTimeoutMs = options.commandTimeoutMs ?? 5000;
    const wait = options.connectWaitMs ?? 10_000;
    // No auto-pipelining: on a Cluster ioredis refuses a pipeline whose keys span slots, and with the shared
    // limits' scripts it sent commands on a connection not yet writable ("Stream isn't writeable").
    const redis = connect(target, { commandTimeoutMs, connectionName: 'aicc-gateway' });
    let subscriber: RedisConnection | undefined;
    try {
      await waitReady(redis, wait);
      const warning = await persistenceWarning(redis);
      if (warning) options.log.warn(warning);
      const pubsub: PubSubMode = target.kind === 'cluster' && (await knowsSpublish(redis)) ? 'sharded' : 'classic';
      subscriber = connect(target, { commandTimeoutMs, connectionName: 'aicc-gateway:fanout', shardedSubscribers: pubsub === 'sharded' });
      const engine = new RedisEngine(redis, subscriber, options, pubsub, target.waitReplicas);
      await waitReady(subscriber, wait);
      return engine;
    } catch (err) {
      redis.disconnect();
      subscriber?.disconnect();
      throw new StartupError(`REDIS_URL: Redis at ${describe(options.url)} did not answer: ${(err as Error).message}`);
    }
  }

  /**
   * Stores a push. Its messages are grouped by customer and each customer's group is written by one atomic
   * script, so a push for several customers is stored customer by customer, not all at once. That is safe: if
   * one customer's write fails the push answers 500, AICC pushes it again, and what was already stored is
   * recognised by its dedupe key and answered as a duplicate, not stored twice.
   */
  async append(messages: readonly NormalizedMessage[]): Promise<AppendOutcome[]> {
    if (this.closing) throw new GatewayError('SHUTTING_DOWN', 'the gateway is shutting down');
    const groups = new Map<string, number[]>();
    messages.forEach((msg, i) => {
      const group = groups.get(msg.customerId);
      if (group) group.push(i);
      else groups.set(msg.customerId, [i]);
    });
    const outcomes: AppendOutcome[] = new Array(messages.length);
    await Promise.all(
      [...groups].map(async ([customerId, indexes]) => {
        const written = await this.enqueue(customerId, indexes.map((i) => messages[i]!));
        written.forEach((outcome, k) => (outcomes[indexes[k]!] = outcome));
      }),
    );
    return outcomes;
  }

  /**
   * One EXISTS per customer over the dedupe keys of its messages: the keys share the customer's hash tag, so
   * each call stays in one slot of a Cluster; the customers' calls run side by side.
   */
  async allStored(messages: readonly NormalizedMessage[]): Promise<boolean> {
    if (messages.some((msg) => msg.ephemeral)) return false;
    const byCustomer = new Map<string, Set<string>>();
    for (const msg of messages) {
      const dedupeKeys = byCustomer.get(msg.customerId) ?? new Set<string>();
      dedupeKeys.add(keys.dedupe(msg.customerId, msg.dedupeKey));
      byCustomer.set(msg.customerId, dedupeKeys);
    }
    const found = await Promise.all(
      // EXISTS counts a key once per mention, hence the distinct keys.
      [...byCustomer.values()].map(async (dedupeKeys) => (await this.command(() => this.redis.exists(...dedupeKeys))) === dedupeKeys.size),
    );
    return found.every(Boolean);
  }

  async publishEphemeral(messages: readonly NormalizedMessage[]): Promise<void> {
    await Promise.all(
      messages.map((msg) =>
        this.redis[this.pubsub === 'sharded' ? 'spublish' : 'publish'](
          keys.channel(msg.customerId), JSON.stringify({ c: msg.customerId, x: msg.message } satisfies ChannelPayload),
        )
          // Typing is worth something only now: while Redis is away it is dropped, and the push still succeeds.
          .catch(() => undefined),
      ),
    );
  }

  subscribe(customerId: string, listener: EngineListener): () => void {
    return this.fanout.subscribe(customerId, listener);
  }

  async readSince(customerId: string, afterSeq: number, limit: number): Promise<LogEntry[]> {
    const rows = await this.command(() => this.redis.xrange(keys.log(customerId), `${afterSeq + 1}-0`, '+', 'COUNT', limit));
    return rows.map((row) => entryOf(customerId, row as StreamEntry));
  }

  async readBefore(customerId: string, beforeSeq: number, limit: number): Promise<LogEntry[]> {
    if (beforeSeq <= 1) return [];
    const rows = await this.command(() =>
      this.redis.xrevrange(keys.log(customerId), `${beforeSeq - 1}-0`, '-', 'COUNT', limit),
    );
    return rows.map((row) => entryOf(customerId, row as StreamEntry)).reverse();
  }

  async conversation(customerId: string): Promise<ConversationSummary> {
    const replies = await this.command(() =>
      this.redis.multi().hmget(keys.meta(customerId), 'lastSeq', 'state').xrange(keys.log(customerId), '-', '+', 'COUNT', 1).exec(),
    );
    const [[, meta], [, first]] = replies as [[unknown, (string | null)[]], [unknown, StreamEntry[]]];
    return {
      customerId,
      state: meta[1] ? JSON.parse(meta[1]) : INITIAL_STATE,
      lastSeq: Number(meta[0] ?? 0),
      firstSeq: first[0] ? seqOf(first[0][0]) : 0,
    };
  }

  async grantMedia(customerId: string, grants: readonly MediaGrant[]): Promise<void> {
    if (grants.length === 0) return;
    const key = keys.media(customerId);
    // HSETNX: the first grant of an id stands (an upload stays an upload if AICC later sends the same id).
    const multi = this.redis.multi();
    for (const g of grants) multi.hsetnx(key, g.mediaId, JSON.stringify(g));
    await this.command(() => multi.pexpire(key, this.options.historyTtlMs).exec());
  }

  async mediaGrant(customerId: string, mediaId: string): Promise<MediaGrant | undefined> {
    const json = await this.command(() => this.redis.hget(keys.media(customerId), mediaId));
    return json ? JSON.parse(json) : undefined;
  }

  /**
   * Walks the customers whose oldest entry is older than the cutoff (the retention index) and trims their logs.
   * Several nodes may run this at once: each trim is one atomic script and the index updates are idempotent.
   */
  async purgeOlderThan(cutoffMs: number, limit: number): Promise<number> {
    const scripted = this.redis as unknown as Scripted;
    // On a Cluster the index lives on another node than the logs: what this node indexed is there first.
    await Promise.all(this.indexWrites);
    const due = await this.command(() => this.redis.zrangebyscore(keys.retention, '-inf', `(${cutoffMs}`, 'LIMIT', 0, limit));
    let total = 0;
    for (const customerId of due) {
      if (total >= limit) break;
      const [deleted, oldest] = await this.command(() => scripted.aiccPurge(keys.log(customerId), cutoffMs, limit - total));
      total += Number(deleted);
      await this.command(() => this.reindex(customerId, Number(oldest)));
    }
    await this.purgeSessions(cutoffMs, limit);
    return total;
  }

  /**
   * The AICC sessions (ccmessaging-tokens) not written since the cutoff go with the history, as on the local
   * engine; their keys' own expiry (HISTORY_TTL after the last write) is the same rule for a cutoff of now minus
   * HISTORY_TTL. A session written again meanwhile has a newer score and is kept.
   */
  private async purgeSessions(cutoffMs: number, limit: number): Promise<void> {
    const stale = await this.command(() => this.redis.zrangebyscore(keys.sessionRetention, '-inf', `(${cutoffMs}`, 'LIMIT', 0, limit));
    for (const customerId of stale) {
      const score = await this.command(() => this.redis.zscore(keys.sessionRetention, customerId));
      if (score === null || Number(score) >= cutoffMs) continue;
      await this.command(() => this.redis.del(keys.aiccSession(customerId)));
      await this.command(() => this.redis.zrem(keys.sessionRetention, customerId));
    }
  }

  async aiccSession(customerId: string): Promise<AiccSessionRecord | undefined> {
    const stored = await this.command(() => this.redis.get(keys.aiccSession(customerId)));
    return stored ? (JSON.parse(stored) as AiccSessionRecord) : undefined;
  }

  async setAiccSession(customerId: string, session: AiccSessionRecord | undefined): Promise<void> {
    const key = keys.aiccSession(customerId);
    await this.command(async () => {
      if (session) {
        await this.redis.set(key, JSON.stringify(session), 'PX', this.options.historyTtlMs);
        await this.redis.zadd(keys.sessionRetention, Date.now(), customerId);
      } else {
        await this.redis.del(key);
        await this.redis.zrem(keys.sessionRetention, customerId);
      }
    });
  }

  async startOpsSession(id: string, expiresAtMs: number): Promise<void> {
    const ttl = Math.max(1, expiresAtMs - Date.now());
    await this.command(() => this.redis.set(keys.opsSession(id), String(expiresAtMs), 'PX', ttl));
  }

  async opsSessionValid(id: string): Promise<boolean> {
    const expiresAt = await this.command(() => this.redis.get(keys.opsSession(id)));
    return expiresAt !== null && Number(expiresAt) > Date.now();
  }

  async endOpsSession(id: string): Promise<void> {
    await this.command(() => this.redis.del(keys.opsSession(id)));
  }

  /** Rate limits and connection caps counted in Redis, shared by every node (./limits.ts). */
  limits(): Limits {
    return redisLimits(this.redis);
  }

  /** Per-customer jobs (queue watching, polling) run by one node at a time under a lease (./jobs.ts). */
  jobs(): Jobs {
    return redisJobs(this.redis, this.options.log);
  }

  async ping(): Promise<void> {
    // Ready only when both connections are: without the subscriber, streams here would receive nothing live.
    if (!this.fanout.ready) throw new Error('the redis subscriber connection is down');
    await this.command(() => this.redis.ping());
  }

  async close(): Promise<void> {
    this.closing = true;
    while (this.writing.size > 0) await Promise.allSettled([...this.writing]);
    await Promise.allSettled([this.redis.quit(), this.subscriber.quit()]);
    this.redis.disconnect();
    this.subscriber.disconnect();
  }

  /** One write at a time per customer on this node; pushes that queue meanwhile share the next script. */
  private enqueue(customerId: string, messages: NormalizedMessage[]): Promise<AppendOutcome[]> {
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(customerId);
      if (queue) {
        queue.push({ messages, resolve, reject });
        return;
      }
      this.queues.set(customerId, [{ messages, resolve, reject }]);
      const run = this.drain(customerId).finally(() => this.writing.delete(run));
      this.writing.add(run);
    });
  }

  private async drain(customerId: string): Promise<void> {
    const queue = this.queues.get(customerId)!;
    while (queue.length > 0) {
      let count = 0;
      let take = 0;
      while (take < queue.length && (take === 0 || count + queue[take]!.messages.length <= MAX_MESSAGES_PER_WRITE)) {
        count += queue[take]!.messages.length;
        take++;
      }
      const batch = queue.splice(0, take);
      try {
        const results = await this.write(customerId, batch.map((p) => p.messages));
        // After the log, before the answer: a push whose grants fail is answered 500, and AICC's retry (a
        // duplicate by then) grants them again.
        await this.grantMedia(customerId, batch.flatMap((p) => p.messages.map((m) => mediaGrantOf(m.message)).filter((g) => g !== undefined)));
        batch.forEach((pending, i) => pending.resolve(results[i]!));
      } catch (err) {
        this.options.log.error({ err: { message: (err as Error).message }, customerId }, 'store write failed');
        for (const pending of batch) pending.reject(storeError(err));
      }
    }
    this.queues.delete(customerId);
  }

  /** Plans against the customer's head and runs the append script; plans again when another node got there first. */
  private async write(customerId: string, requests: NormalizedMessage[][]): Promise<AppendOutcome[][]> {
    for (let attempt = 1; ; attempt++) {
      const cached = this.heads.get(customerId);
      const { head, stored } = cached ? { head: cached, stored: new Map<string, number>() } : await this.readHead(customerId, requests);
      const plan = planAppend(head, requests, stored, Date.now());
      if (plan.entries.length === 0) return this.resolveDuplicates(customerId, plan.outcomes);
      let result: number;
      try {
        result = await this.runAppend(customerId, head.lastSeq, plan);
      } catch (err) {
        // The write may or may not have happened (a timeout): the head is unknown until read again.
        this.heads.delete(customerId);
        throw err;
      }
      if (result === 1) {
        this.rememberHead(customerId, plan.head);
        // The retention index lives outside the customer's slot, so it cannot be in the script. A write that
        // misses it (the node dies here) is indexed by the customer's next write and purged a little later.
        // Not awaited (it would cost every append a round trip), but remembered: this node's purge waits for it.
        const indexed = this.redis.zadd(keys.retention, 'NX', plan.entries[0]!.storedAt, customerId).then(
          () => undefined,
          () => undefined,
        );
        this.indexWrites.add(indexed);
        void indexed.finally(() => this.indexWrites.delete(indexed));
        if (this.waitReplicas > 0) await this.replicated();
        return this.resolveDuplicates(customerId, plan.outcomes);
      }
      this.heads.delete(customerId);
      if (attempt >= MAX_ATTEMPTS) throw new Error(`too many concurrent writers for customer ${customerId}`);
      // Another node is writing this customer now: step aside a random moment so the two stop colliding.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 * attempt, 20)));
    }
  }

  private async readHead(customerId: string, requests: NormalizedMessage[][]) {
    const dedupeKeys = [...new Set(requests.flat().map((m) => m.dedupeKey))];
    const pipeline = this.redis.pipeline().hmget(keys.meta(customerId), 'lastSeq', 'state');
    for (const key of dedupeKeys) pipeline.get(keys.dedupe(customerId, key));
    const replies = (await pipeline.exec()) ?? [];
    for (const [err] of replies) if (err) throw err;
    const [lastSeq, state] = replies[0]![1] as (string | null)[];
    const stored = new Map<string, number>();
    dedupeKeys.forEach((key, i) => {
      const seq = replies[i + 1]![1] as string | null;
      if (seq !== null) stored.set(key, Number(seq));
    });
    return { head: { lastSeq: Number(lastSeq ?? 0), state: state ? JSON.parse(state) : INITIAL_STATE } as Head, stored };
  }

  private runAppend(customerId: string, expectedLastSeq: number, plan: Plan): Promise<number> {
    const { entries } = plan;
    const payload: ChannelPayload = { c: customerId, e: entries.map(({ dedupeKey: _, ...entry }) => entry) };
    const args: (string | number)[] = [
      expectedLastSeq, JSON.stringify(plan.head.state), this.options.historyTtlMs, keys.channel(customerId),
      JSON.stringify(payload), entries[0]!.storedAt,
    ];
    for (const entry of entries) args.push(JSON.stringify(entry.message), entry.state ? JSON.stringify(entry.state) : '');
    const entryKeys = entries.map((e) => keys.dedupe(customerId, e.dedupeKey));
    return (this.redis as unknown as Scripted).aiccAppend(
      2 + entryKeys.length, keys.meta(customerId), keys.log(customerId), ...entryKeys, ...args,
    );
  }

  /** A retried message is answered with the entry as first stored (read back by its seq). */
  private async resolveDuplicates(customerId: string, outcomes: PlannedOutcome[][]): Promise<AppendOutcome[][]> {
    const seqs = [...new Set(outcomes.flat().filter(isStoredDuplicate).map((o) => o.storedSeq))];
    const found = new Map<number, LogEntry>();
    if (seqs.length > 0) {
      const pipeline = this.redis.pipeline();
      for (const seq of seqs) pipeline.xrange(keys.log(customerId), `${seq}-0`, `${seq}-0`);
      const replies = (await pipeline.exec()) ?? [];
      for (const [err, rows] of replies) {
        if (err) throw err;
        const row = (rows as StreamEntry[])[0];
        if (row) found.set(seqOf(row[0]), entryOf(customerId, row));
      }
    }
    return outcomes.map((list) =>
      list.map((outcome) => {
        if (!isStoredDuplicate(outcome)) return outcome;
        // Purged meanwhile (its dedupe key outlived it by a moment): answer with the message as pushed.
        const entry = found.get(outcome.storedSeq) ?? {
          customerId, seq: outcome.storedSeq, message: outcome.pushed.message, storedAt: Date.now(),
        };
        return { ...entry, duplicate: true };
      }),
    );
  }

  /**
   * Replication is asynchronous: a primary that dies right after answering may take the write with it when its
   * replica is promoted. WAIT holds the answer until the replicas have it; when they do not in time the push
   * answers 500 and AICC's retry is recognised as a duplicate.
   */
  private async replicated(): Promise<void> {
    const timeoutMs = Math.floor((this.options.commandTimeoutMs ?? 5000) / 2);
    const acknowledged = await this.redis.wait(this.waitReplicas, timeoutMs);
    if (acknowledged < this.waitReplicas) {
      throw new Error(`the write reached ${acknowledged} of ${this.waitReplicas} replicas within ${timeoutMs} ms`);
    }
  }

  private rememberHead(customerId: string, head: Head): void {
    this.heads.delete(customerId);
    if (this.heads.size >= HEAD_CACHE_SIZE) this.heads.delete(this.heads.keys().next().value!);
    this.heads.set(customerId, head);
  }

  /**
   * Points the retention index at the customer's oldest entry, or drops the customer when its log is empty. An
   * append racing the drop re-adds itself (ZADD NX after its write), and the check after ZREM catches the rest.
   */
  private async reindex(customerId: string, oldestStoredAt: number): Promise<void> {
    if (oldestStoredAt >= 0) {
      await this.redis.zadd(keys.retention, oldestStoredAt, customerId);
      return;
    }
    await this.redis.zrem(keys.retention, customerId);
    const [first] = (await this.redis.xrange(keys.log(customerId), '-', '+', 'COUNT', 1)) as StreamEntry[];
    if (first) await this.redis.zadd(keys.retention, 'NX', Number(fieldOf(first, 't')), customerId);
  }

  private async command<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw storeError(err);
    }
  }
}

/** Whether the servers have sharded pub/sub (Redis 7.0+): COMMAND INFO answers nil for a command it lacks. */
async function knowsSpublish(redis: RedisConnection): Promise<boolean> {
  const [info] = (await redis.call('COMMAND', 'INFO', 'SPUBLISH')) as unknown[];
  return Array.isArray(info);
}

function entryOf(customerId: string, [id, fields]: StreamEntry): LogEntry {
  const state = fieldOf([id, fields], 's');
  return {
    customerId,
    seq: seqOf(id),
    message: JSON.parse(fieldOf([id, fields], 'm') ?? 'null'),
    storedAt: Number(fieldOf([id, fields], 't')),
    ...(state ? { state: JSON.parse(state) } : {}),
  };
}

function fieldOf([, fields]: StreamEntry, name: string): string | undefined {
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

function seqOf(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

/** The URL without its password, for logs and errors. */
function describe(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}

function storeError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const message = (err as Error)?.message ?? String(err);
  return new GatewayError('STORE_UNAVAILABLE', `the store could not take the write (redis: ${message})`, { cause: err });
}
