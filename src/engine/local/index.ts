// The local engine: one SQLite file in DATA_DIR. Writes go to the writer thread in groups (group commit: the
// pushes that arrive while one commit is under way share the next one); reads run here, on a second connection,
// which WAL lets proceed beside the writer.

import { mkdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { NormalizedMessage } from '../../aicc/downlink.js';
import type { Durability } from '../../config.js';
import { GatewayError } from '../../errors.js';
import type { AppendOutcome, Engine, LogEntry } from '../types.js';
import { openDatabase } from './database.js';
import type { WriterData, WriterReply, WriterRequest, WrittenMessage } from './writer.js';

export interface LocalEngineOptions {
  dataDir: string;
  durability: Durability;
  busyTimeoutMs: number;
  log: Logger;
}

/** Bounds one transaction, so one commit never holds the lock (and the pushes waiting on it) for long. */
const MAX_PUSHES_PER_COMMIT = 512;
const DATABASE_FILE = 'gateway.sqlite';

type Pending = { resolve: (value: AppendOutcome[]) => void; reject: (err: Error) => void; messages: NormalizedMessage[] };
type Call = { resolve: (reply: Extract<WriterReply, { id: number }>) => void; reject: (err: Error) => void };
type WriterCommand = { type: 'append'; requests: NormalizedMessage[][] } | { type: 'ping' } | { type: 'close' };

export class LocalEngine implements Engine {
  private writer: Promise<Worker> | undefined;
  private readonly calls = new Map<number, Call>();
  private nextCallId = 1;
  private readonly queue: Pending[] = [];
  private commitUnderWay: Promise<void> | undefined;
  private closing = false;
  private readonly reader: Database.Database;
  private readonly selectSince: Database.Statement<[string, number, number], { seq: number; body: string; stored_at: number }>;
  private readonly selectLastSeq: Database.Statement<[string], { last_seq: number }>;

  private constructor(
    private readonly options: LocalEngineOptions,
    private readonly path: string,
  ) {
    this.reader = openDatabase(path, options);
    this.selectSince = this.reader.prepare(
      'SELECT seq, body, stored_at FROM messages WHERE customer_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    );
    this.selectLastSeq = this.reader.prepare('SELECT last_seq FROM customers WHERE id = ?');
  }

  /** Opens (creating when needed) the database in dataDir; fails when the store cannot be opened. */
  static async open(options: LocalEngineOptions): Promise<LocalEngine> {
    mkdirSync(options.dataDir, { recursive: true });
    const path = join(options.dataDir, DATABASE_FILE);
    // The writer creates the tables; the reader may only open the file once they exist.
    const writer = startWriter({ path, durability: options.durability, busyTimeoutMs: options.busyTimeoutMs });
    await writer;
    const engine = new LocalEngine(options, path);
    engine.writer = writer.then((worker) => engine.watch(worker));
    await engine.writer;
    return engine;
  }

  append(messages: readonly NormalizedMessage[]): Promise<AppendOutcome[]> {
    if (this.closing) return Promise.reject(new GatewayError('SHUTTING_DOWN', 'the gateway is shutting down'));
    if (messages.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject, messages: [...messages] });
      this.commitNext();
    });
  }

  async readSince(customerId: string, afterSeq: number, limit: number): Promise<LogEntry[]> {
    try {
      return this.selectSince.all(customerId, afterSeq, limit).map((row) => ({
        customerId,
        seq: row.seq,
        message: JSON.parse(row.body),
        storedAt: row.stored_at,
      }));
    } catch (err) {
      throw storeError(err);
    }
  }

  async lastSeq(customerId: string): Promise<number> {
    try {
      return this.selectLastSeq.get(customerId)?.last_seq ?? 0;
    } catch (err) {
      throw storeError(err);
    }
  }

  async ping(): Promise<void> {
    this.reader.prepare('SELECT 1').get();
    await this.call({ type: 'ping' });
  }

  async close(): Promise<void> {
    this.closing = true;
    while (this.commitUnderWay) await this.commitUnderWay;
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
  }

  /** Sends every queued push (up to the bound) as one batch; the next batch goes when this one is committed. */
  private commitNext(): void {
    if (this.commitUnderWay || this.queue.length === 0) return;
    const batch = this.queue.splice(0, MAX_PUSHES_PER_COMMIT);
    this.commitUnderWay = this.call({ type: 'append', requests: batch.map((p) => p.messages) })
      .then(
        (reply) => {
          const results = (reply as { result: WrittenMessage[][] }).result;
          batch.forEach((pending, i) => pending.resolve(toOutcomes(pending.messages, results[i]!)));
        },
        (err: Error) => {
          this.options.log.error({ err: { message: err.message }, pushes: batch.length }, 'store write failed');
          for (const pending of batch) pending.reject(storeError(err));
        },
      )
      .finally(() => {
        this.commitUnderWay = undefined;
        this.commitNext();
      });
  }

  private async call(command: WriterCommand): Promise<Extract<WriterReply, { id: number }>> {
    // A writer that died (out of memory, a native fault) is replaced on the next call: the store heals itself.
    this.writer ??= startWriter(this.writerData()).then((worker) => this.watch(worker));
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
      if (!('id' in reply)) return;
      const call = this.calls.get(reply.id);
      if (!call) return;
      this.calls.delete(reply.id);
      if (reply.ok) call.resolve(reply);
      else call.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
    });
    const fail = (err: Error) => {
      this.writer = undefined;
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
    return { path: this.path, durability: this.options.durability, busyTimeoutMs: this.options.busyTimeoutMs };
  }
}

function startWriter(data: WriterData): Promise<Worker> {
  const worker = spawnWriterThread(data);
  return new Promise((resolve, reject) => {
    const onExit = (code: number) => reject(new Error(`store writer thread exited during start (${code})`));
    worker.once('error', reject);
    worker.once('exit', onExit);
    worker.once('message', (reply: WriterReply) => {
      worker.off('error', reject);
      worker.off('exit', onExit);
      if ('type' in reply && reply.type === 'ready') resolve(worker);
      else reject(new Error('store writer thread answered before it was ready'));
    });
  });
}

function toOutcomes(messages: NormalizedMessage[], written: WrittenMessage[]): AppendOutcome[] {
  return messages.map((msg, i) => {
    const { seq, storedAt, duplicateOf } = written[i]!;
    return {
      customerId: msg.customerId,
      seq,
      storedAt,
      message: duplicateOf === undefined ? msg.message : JSON.parse(duplicateOf),
      duplicate: duplicateOf !== undefined,
    };
  });
}

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

function storeError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const { message, code } = err as { message?: string; code?: string };
  return new GatewayError('STORE_UNAVAILABLE', `the store could not take the write (${code ?? message ?? 'unknown'})`, {
    cause: err,
  });
}
