// The local engine: one SQLite file in DATA_DIR. Writes go to the writer thread in groups (group commit: the
// pushes that arrive while one commit is under way share the next one); reads run here, on a second connection,
// which WAL lets proceed beside the writer (logReader.ts).

import { mkdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { NormalizedMessage } from '../../aicc/downlink.js';
import type { Durability } from '../../config.js';
import { GatewayError } from '../../errors.js';
import type { AiccSessionRecord, AppendOutcome, ConversationSummary, Engine, EngineListener, LogEntry, MediaGrant } from '../types.js';
import { openDatabase } from './database.js';
import { lockDataDir } from './dataDirLock.js';
import { batchOf, toOutcomes } from './appendBatch.js';
import { LogReader } from './logReader.js';
import { QUERIES } from './queries.js';
import { LocalSessions } from './sessions.js';
import { Hub } from '../hub.js';
import type { HotRowList } from './seqMerge.js';
import type { AppendBatch, AppendResult, WriterData, WriterReply, WriterRequest } from './writerProtocol.js';

export interface LocalEngineOptions {
  dataDir: string;
  durability: Durability;
  busyTimeoutMs: number;
  log: Logger;
  /** The WAL's checkpoint size in bytes (the writer's 256 MB when absent); tests set a small one. */
  walLimitBytes?: number;
  /** Hot rows that start a merge, rows a step of it writes (the writer's own when absent); tests set small ones. */
  mergeAt?: number;
  mergeChunkRows?: number;
}

/**
 * Pushes handed to the writer in one message. The writer groups every message waiting for it into its next
 * transaction, so this only bounds what one structured copy carries.
 */
const MAX_PUSHES_PER_MESSAGE = 512;
const DATABASE_FILE = 'gateway.sqlite';

type Pending = { resolve: (value: AppendOutcome[]) => void; reject: (err: Error) => void; messages: NormalizedMessage[] };
type Call = { resolve: (reply: Extract<WriterReply, { id: number }>) => void; reject: (err: Error) => void };
type WriterCommand =
  | { type: 'append'; batch: AppendBatch }
  | { type: 'purge'; cutoffMs: number; limit: number }
  | { type: 'grant'; customerId: string; grants: MediaGrant[] }
  | { type: 'merge' }
  | { type: 'ping' }
  | { type: 'close' };

export class LocalEngine implements Engine {
  private writer: Promise<Worker> | undefined;
  private readonly calls = new Map<number, Call>();
  private nextCallId = 1;
  private readonly queue: Pending[] = [];
  private readonly appendsUnderWay = new Set<Promise<void>>();
  private flushScheduled = false;
  private closing = false;
  private readonly hub = new Hub();
  private readonly reader: Database.Database;
  private readonly log: LogReader;
  private readonly sessions: LocalSessions;
  private readonly selectGrant: Database.Statement<[string, string], { grant_json: string }>;

  private constructor(
    private readonly options: LocalEngineOptions,
    private readonly path: string,
    private readonly lock: { release(): void },
  ) {
    this.reader = openDatabase(path, options);
    this.log = new LogReader(this.reader);
    this.sessions = new LocalSessions(options.dataDir, options.busyTimeoutMs);
    this.selectGrant = this.reader.prepare(QUERIES.mediaGrant);
  }

  /** Opens (creating when needed) the database in dataDir; fails when the store cannot be opened. */
  static async open(options: LocalEngineOptions): Promise<LocalEngine> {
    mkdirSync(options.dataDir, { recursive: true });
    const path = join(options.dataDir, DATABASE_FILE);
    const lock = lockDataDir(options.dataDir);
    let engine: LocalEngine;
    try {
      // The writer creates the tables; the reader may only open the file once they exist.
      const { worker, hot } = await startWriter(writerDataOf(options, path));
      engine = new LocalEngine(options, path, lock);
      // The writer read them at its start, before any merge (whose report comes after 'ready', handled from here on).
      engine.log.hotRowsRead(hot);
      engine.writer = Promise.resolve(engine.watch(worker));
    } catch (err) {
      lock.release();
      throw err;
    }
    return engine;
  }

  append(messages: readonly NormalizedMessage[]): Promise<AppendOutcome[]> {
    if (this.closing) return Promise.reject(new GatewayError('SHUTTING_DOWN', 'the gateway is shutting down'));
    if (messages.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject, messages: [...messages] });
      // The pushes that reach this point in one turn of the event loop travel to the writer together.
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  async allStored(messages: readonly NormalizedMessage[]): Promise<boolean> {
    return reading(() => this.log.allStored(messages));
  }

  async publishEphemeral(messages: readonly NormalizedMessage[]): Promise<void> {
    for (const msg of messages) {
      this.hub.publish(msg.customerId, { type: 'ephemeral', customerId: msg.customerId, message: msg.message });
    }
  }

  subscribe(customerId: string, listener: EngineListener): () => void {
    return this.hub.subscribe(customerId, listener);
  }

  async readSince(customerId: string, afterSeq: number, limit: number): Promise<LogEntry[]> {
    return reading(() => this.log.readSince(customerId, afterSeq, limit));
  }

  async readBefore(customerId: string, beforeSeq: number, limit: number): Promise<LogEntry[]> {
    return reading(() => this.log.readBefore(customerId, beforeSeq, limit));
  }

  async conversation(customerId: string): Promise<ConversationSummary> {
    return reading(() => this.log.conversation(customerId));
  }

  async grantMedia(customerId: string, grants: readonly MediaGrant[]): Promise<void> {
    if (grants.length === 0) return;
    try {
      await this.call({ type: 'grant', customerId, grants: [...grants] });
    } catch (err) {
      throw storeError(err);
    }
  }

  async mediaGrant(customerId: string, mediaId: string): Promise<MediaGrant | undefined> {
    try {
      const row = this.selectGrant.get(customerId, mediaId);
      return row ? JSON.parse(row.grant_json) : undefined;
    } catch (err) {
      throw storeError(err);
    }
  }

  async purgeOlderThan(cutoffMs: number, limit: number): Promise<number> {
    const reply = await this.call({ type: 'purge', cutoffMs, limit });
    // First seqs moved.
    this.log.forgetSummaries();
    // The AICC sessions (ccmessaging-tokens) go with the history they belong to.
    try {
      this.sessions.purgeOlderThan(cutoffMs, limit);
    } catch (err) {
      throw storeError(err);
    }
    return (reply as { result: number }).result;
  }

  async aiccSession(customerId: string): Promise<AiccSessionRecord | undefined> {
    return this.sessions.get(customerId);
  }

  async setAiccSession(customerId: string, session: AiccSessionRecord | undefined): Promise<void> {
    this.sessions.set(customerId, session);
  }

  async startOpsSession(id: string, expiresAtMs: number): Promise<void> {
    this.sessions.startOpsSession(id, expiresAtMs);
  }

  async opsSessionValid(id: string): Promise<boolean> {
    return this.sessions.opsSessionValid(id);
  }

  async endOpsSession(id: string): Promise<void> {
    this.sessions.endOpsSession(id);
  }

  async ping(): Promise<void> {
    this.reader.prepare('SELECT 1').get();
    await this.call({ type: 'ping' });
  }

  async close(): Promise<void> {
    this.closing = true;
    while (this.appendsUnderWay.size > 0 || this.queue.length > 0) {
      this.flush();
      await Promise.allSettled([...this.appendsUnderWay]);
    }
    const writer = this.writer;
    this.writer = undefined;
    if (writer) {
      const worker = await writer.catch(() => undefined);
      if (worker) {
        await this.send(worker, { type: 'close' }).catch(() => undefined);
        await worker.terminate();
      }
    }
    this.reader.close();
    this.sessions.close();
    this.lock.release();
  }

  /** Merges every hot row now and resolves once this thread's map has dropped them (tests, the bench). */
  async mergeNow(): Promise<void> {
    await this.call({ type: 'merge' });
  }

  /**
   * Hands the queued pushes to the writer at once, without waiting for the commit under way: the writer takes
   * them into its next transaction as soon as that one is done, so it never waits for this thread's answer.
   * Replies come back in commit order, and each push is published and answered as its own reply arrives.
   */
  private flush(): void {
    this.flushScheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_PUSHES_PER_MESSAGE);
      let request: AppendBatch;
      try {
        request = batchOf(batch);
      } catch (err) {
        for (const pending of batch) pending.reject(storeError(err));
        continue;
      }
      const append: Promise<void> = this.call({ type: 'append', batch: request })
        .then(
          (reply) => {
            const result = (reply as { result: AppendResult }).result;
            const outcomes = toOutcomes(batch, result);
            // Readable from here on, as it is published: in the same turn, before any later merge report.
            this.log.committed(request.customers, result.ids, result.seqs);
            // Published in commit order, and only once durable: a listener never sees what a crash could undo.
            batch.forEach((pending, i) => {
              // The outcome is the entry (its extra `duplicate: false` goes nowhere): no copy per message.
              for (const outcome of outcomes[i]!) {
                if (outcome.duplicate) continue;
                this.log.published(outcome);
                this.hub.publish(outcome.customerId, { type: 'entry', entry: outcome });
              }
              pending.resolve(outcomes[i]!);
            });
          },
          (err: Error) => {
            this.options.log.error({ err: { message: err.message }, pushes: batch.length }, 'store write failed');
            for (const pending of batch) pending.reject(storeError(err));
          },
        )
        .finally(() => this.appendsUnderWay.delete(append));
      this.appendsUnderWay.add(append);
    }
  }

  private async call(command: WriterCommand): Promise<Extract<WriterReply, { id: number }>> {
    // A writer that died (out of memory, a native fault) is replaced on the next call: the store heals itself.
    // The rows it committed without a reply reaching here (then acknowledged to a retry as duplicates) are read
    // again from the file, with every other hot row.
    this.writer ??= startWriter(this.writerData()).then(({ worker, hot }) => {
      this.log.hotRowsRead(hot);
      return this.watch(worker);
    });
    const worker = await this.writer;
    return this.send(worker, command);
  }

  private send(worker: Worker, command: WriterCommand): Promise<Extract<WriterReply, { id: number }>> {
    const id = this.nextCallId++;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      worker.postMessage({ ...command, id } satisfies WriterRequest);
    });
  }

  private watch(worker: Worker): Worker {
    worker.on('message', (reply: WriterReply) => {
      if (!('id' in reply)) {
        if (reply.type === 'merged') {
          this.log.merged(reply.upto);
          this.options.log.debug({ rows: reply.rows, ms: reply.ms }, 'store merged the hot rows into message_seqs');
        } else if (reply.type === 'mergeFailed') {
          // The rows stay hot (read from here and merged at a later try): nothing is lost, but the map grows.
          this.options.log.error({ err: reply.error }, 'store writer could not merge the message index');
        }
        return;
      }
      const call = this.calls.get(reply.id);
      if (!call) return;
      this.calls.delete(reply.id);
      if (reply.ok) call.resolve(reply);
      else call.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
    });
    const fail = (err: Error) => {
      this.writer = undefined;
      // It may have committed appends whose results never came.
      this.log.forgetSummaries();
      for (const call of this.calls.values()) call.reject(err);
      this.calls.clear();
    };
    worker.on('error', (err) => {
      this.options.log.error({ err }, 'store writer thread failed; it is restarted on the next write');
      fail(err);
    });
    worker.on('exit', (code) => fail(new Error(`store writer thread exited (${code})`)));
    return worker;
  }

  private writerData(): WriterData {
    return writerDataOf(this.options, this.path);
  }
}

/** What the writer thread is started with, at open and at each restart of the thread. */
function writerDataOf(options: LocalEngineOptions, path: string): WriterData {
  const { durability, busyTimeoutMs, walLimitBytes, mergeAt, mergeChunkRows } = options;
  return { path, durability, busyTimeoutMs, walLimitBytes, mergeAt, mergeChunkRows };
}

function startWriter(data: WriterData): Promise<{ worker: Worker; hot: HotRowList }> {
  const worker = spawnWriterThread(data);
  return new Promise((resolve, reject) => {
    const onExit = (code: number) => reject(new Error(`store writer thread exited during start (${code})`));
    worker.once('error', reject);
    worker.once('exit', onExit);
    worker.once('message', (reply: WriterReply) => {
      worker.off('error', reject);
      worker.off('exit', onExit);
      if ('type' in reply && reply.type === 'ready') resolve({ worker, hot: reply.hot });
      else reject(new Error('store writer thread answered before it was ready'));
    });
  });
}

/** The pushes as the writer takes them: flat arrays of strings, each message serialized once. */
/**
 * The writer sits beside this file: writer.js once built, writer.ts when run from source under tsx. Node 20
 * does not pass `--import tsx` on to worker threads, so a .ts writer is started through tsx's register API.
 */
function spawnWriterThread(data: WriterData): Worker {
  const extension = extname(fileURLToPath(import.meta.url));
  const script = new URL(`./writer${extension}`, import.meta.url);
  if (extension !== '.ts') return new Worker(script, { workerData: data });
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(script.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: data });
}

/** A read of the file, its failure the store's error. */
function reading<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw storeError(err);
  }
}

function storeError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const { message, code } = err as { message?: string; code?: string };
  return new GatewayError('STORE_UNAVAILABLE', `the store could not take the write (${code ?? message ?? 'unknown'})`, {
    cause: err,
  });
}
