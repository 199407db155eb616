// What a message costs the store's writer thread: its own CPU (from /proc, not the whole process's) and the bytes
// written for it (to the WAL and, at checkpoints, to the file), driving the real writer (src/engine/local/writer.ts)
// with the requests the gateway sends it. Wall-clock rates on a shared 2-core machine are noise; these are not.
//
//   node --import tsx bench/writerCost.ts [fresh|prefilled] [path of a writer.ts]   (prints one JSON line)
//
// Pass the writer.ts of an older checkout (with its node_modules) to compare, and alternate old and new runs.
// WRITER_COST_COMMITS (default 300) and WRITER_COST_WARMUP (default 60) set the commits; WRITER_COST_FRAMES=1
// adds the WAL frames a commit writes per table and index (meaningful with the checkpoints off).
//
// A commit is 1,000 ~400-byte messages over 500 of 20,000 customers, a tenth of them retries of the previous
// commit's messages (each must come back a duplicate); `prefilled` starts from a copy of bench/prefilledStore.ts
// (1.5M messages). Warm-up commits first write to every customer, so the writer knows their heads and holds the
// pages it writes to, as a gateway under load does. The WAL is then checkpointed (PASSIVE), and the checkpoint that
// copies what the measured commits left in it is counted with them (run by this thread: checkpointAtEnd), so a run
// that stops just before an automatic checkpoint and one that stops just after measure the same. Bytes are those
// handed to write() (wchar): the kernel's write_bytes also counts the copy of the pre-filled store.
//
// Schema 4 (a writer that merges its hot rows into message_seqs): every row is merged before the measured commits
// and the merge of what they left hot is counted with them, as the checkpoint is, so each measured message pays
// for its merge once; the merges' rows and durations are printed. A schema 3 writer cannot open a schema 4 store:
// compare across schemas by running each checkout's own bench/writerCost.ts.

import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { AppendBatch, AppendResult, WriterReply } from '../src/engine/local/writerProtocol.js';
import { prefilledStore, PREFILLED } from './prefilledStore.js';

const store = (process.argv[2] ?? 'fresh') as 'fresh' | 'prefilled';
const writerScript = resolve(process.argv[3] ?? new URL('../src/engine/local/writer.ts', import.meta.url).pathname);
const WARMUP_COMMITS = Number(process.env.WRITER_COST_WARMUP ?? 60);
const COMMITS = Number(process.env.WRITER_COST_COMMITS ?? 300);
const PER_COMMIT = 1000;
const CUSTOMERS_PER_COMMIT = 500;
const RETRIES_PER_COMMIT = 100;
/** The hot rows that start a merge (schema 4), when not the writer's own MERGE_AT. */
const mergeAt = process.env.WRITER_COST_MERGE_AT ? Number(process.env.WRITER_COST_MERGE_AT) : undefined;

const dataDir = new URL('.cache/writer-cost/', import.meta.url).pathname;
rmSync(dataDir, { recursive: true, force: true });
mkdirSync(dataDir, { recursive: true });
const path = join(dataDir, 'gateway.sqlite');
let storedBefore = 0;
if (store === 'prefilled') {
  storedBefore = prefilledStore(dataDir).messages;
  // The copy's pages reach the disk now, not during the measure.
  const fd = openSync(path, 'r+');
  fsyncSync(fd);
  closeSync(fd);
}

// A deterministic stream of messages, so that every run of every variant writes the same rows.
let seed = 42;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
let clock = Date.now();
let made = 0;
function message(customer: number) {
  const at = clock++;
  const to = `bench-customer-${customer}`;
  const content = `Thank you for waiting. Let me check the status of your order ${made++} for you right away, it will not take long.`;
  const body = JSON.stringify({
    channel: 'WEB', from: '202105284494222653', to, controlType: 'CHAT', sourceType: 'AGENT', mediaType: 'TEXT',
    senderNickname: 'Agent Smith', timestamp: at, content, messageCode: null, extra: 'x'.repeat(100),
  });
  const key = `hash:${createHash('sha256').update(JSON.stringify(['202105284494222653', to, at, 'CHAT', content])).digest('base64url')}`;
  return { to, key, at, body };
}
type Made = ReturnType<typeof message>;

function batchOf(list: Made[]): AppendBatch {
  return {
    customers: list.map((m) => m.to),
    dedupeKeys: list.map((m) => m.key),
    dedupeTimes: list.map((m) => m.at),
    controlTypes: list.map(() => 'CHAT'),
    bodies: list.map((m) => m.body),
    stateInputs: list.map(() => ({ controlType: 'CHAT', sourceType: 'AGENT', senderNickname: 'Agent Smith' })),
    grants: [],
  };
}

/** Every commit's batch, made before anything is timed. */
function commits(count: number): { batch: AppendBatch; retries: number }[] {
  const out: { batch: AppendBatch; retries: number }[] = [];
  let previous: Made[] = [];
  for (let c = 0; c < count; c++) {
    const chosen = new Set<number>();
    // The first warm-up commits write to every customer once, so that none is new to the writer when measured.
    const sweep = (c + 1) * CUSTOMERS_PER_COMMIT <= PREFILLED.customers && c < WARMUP_COMMITS;
    if (sweep) for (let k = c * CUSTOMERS_PER_COMMIT; k < (c + 1) * CUSTOMERS_PER_COMMIT; k++) chosen.add(k);
    while (chosen.size < CUSTOMERS_PER_COMMIT) chosen.add(Math.floor(random() * PREFILLED.customers));
    const customers = [...chosen];
    const fresh: Made[] = [];
    for (let i = 0; i < PER_COMMIT - RETRIES_PER_COMMIT; i++) fresh.push(message(customers[i % customers.length]!));
    const retries = previous.length ? Array.from({ length: RETRIES_PER_COMMIT }, () => previous[Math.floor(random() * previous.length)]!) : [];
    // Retries land among the new messages, as a retried push arrives between others.
    const list = [...fresh];
    for (const r of retries) list.splice(Math.floor(random() * list.length), 0, r);
    out.push({ batch: batchOf(list), retries: retries.length });
    previous = fresh;
  }
  return out;
}

/**
 * The pages the measured commits wrote to the WAL, per commit and by table or index (run with
 * wal_autocheckpoint = 0, so that the WAL holds the measured commits only): what a commit costs in frames.
 */
function framesPerCommit(): Record<string, number> {
  const wal = readFileSync(`${path}-wal`);
  const pageSize = wal.readUInt32BE(8);
  const salt = wal.readBigUInt64BE(16);
  const trees = new Map(
    (side.prepare('SELECT pageno, name FROM dbstat').raw().all() as [number, string][]).map(([page, name]) => [page, name]),
  );
  const counts: Record<string, number> = {};
  let commits = 0;
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    if (wal.readBigUInt64BE(at + 8) !== salt) break;
    const tree = trees.get(wal.readUInt32BE(at)) ?? 'other';
    counts[tree] = (counts[tree] ?? 0) + 1;
    if (wal.readUInt32BE(at + 4) !== 0) commits++;
  }
  return Object.fromEntries(Object.entries(counts).map(([tree, n]) => [tree, Math.round(n / commits)]));
}

/** ns of CPU each thread of this process has run (schedstat), by thread id. */
function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      out.set(tid, Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
    } catch {
      // the thread ended
    }
  }
  return out;
}

function io(): { wchar: number; syscw: number; rchar: number; syscr: number } {
  const fields = Object.fromEntries(
    readFileSync('/proc/self/io', 'utf8').trim().split('\n').map((line) => line.split(': ') as [string, string]),
  );
  return { wchar: Number(fields.wchar), syscw: Number(fields.syscw), rchar: Number(fields.rchar), syscr: Number(fields.syscr) };
}

function spawn(): Worker {
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const href = new URL(`file://${writerScript}`).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: { path, durability: 'full', busyTimeoutMs: 5000, mergeAt } });
}

const before = new Set(threadCpu().keys());
const worker = spawn();
await new Promise<void>((ok, fail) => {
  worker.once('error', fail);
  worker.once('message', (reply: WriterReply) => ('type' in reply ? ok() : fail(new Error('not ready'))));
});
const writerThreads = [...threadCpu().keys()].filter((tid) => !before.has(tid));

let nextId = 1;
const waiting = new Map<number, (reply: Extract<WriterReply, { id: number }>) => void>();
const merges: { rows: number; steps: number; ms: number; longestStepMs: number }[] = [];
let measuring = false;
worker.on('message', (reply: WriterReply) => {
  if ('type' in reply && reply.type === 'merged' && measuring) merges.push({ rows: reply.rows, steps: reply.steps, ms: reply.ms, longestStepMs: reply.longestStepMs });
  if ('id' in reply) {
    waiting.get(reply.id)?.(reply);
    waiting.delete(reply.id);
  }
});
function send(request: { type: 'append'; batch: AppendBatch } | { type: 'merge' }): Promise<AppendResult> {
  const id = nextId++;
  return new Promise((ok, fail) => {
    waiting.set(id, (reply) => (reply.ok ? ok(reply.result as AppendResult) : fail(new Error(reply.error.message))));
    worker.postMessage({ ...request, id });
  });
}

async function run(list: { batch: AppendBatch; retries: number }[]): Promise<void> {
  for (const { batch, retries } of list) {
    const result = await send({ type: 'append', batch });
    if (result.duplicates.length !== retries) throw new Error(`${result.duplicates.length} duplicates, ${retries} retries sent`);
  }
}

const all = commits(WARMUP_COMMITS + COMMITS);
await run(all.slice(0, WARMUP_COMMITS));

// The harness's own connection checkpoints the WAL before the measured commits and after them (the latter counted).
const side = new Database(path);
side.pragma('busy_timeout = 5000');
const merging = side.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'log_state'").get() !== undefined;
if (merging) await send({ type: 'merge' });
// PASSIVE: a checkpoint that resets the WAL from another connection would make the writer drop its page cache.
side.pragma('wal_checkpoint(PASSIVE)');

const cpu0 = threadCpu();
const io0 = io();
const process0 = process.cpuUsage();
const wall0 = performance.now();
measuring = true;
await run(all.slice(WARMUP_COMMITS));
if (merging) await send({ type: 'merge' });
measuring = false;
const cpu1 = threadCpu();
const framesByTree = process.env.WRITER_COST_FRAMES ? framesPerCommit() : undefined;
const main0 = threadCpu().get(String(process.pid)) ?? 0;
side.pragma('wal_checkpoint(TRUNCATE)');
const main1 = threadCpu().get(String(process.pid)) ?? 0;
const io1 = io();
const processCpu = process.cpuUsage(process0);
const wallMs = performance.now() - wall0;

const messages = COMMITS * PER_COMMIT;
const delta = (tid: string) => (cpu1.get(tid) ?? 0) - (cpu0.get(tid) ?? 0);
// The writer thread is the new thread that ran the most; the others a worker brings (none, or GC helpers) are shown.
const writerNs = Math.max(...writerThreads.map(delta));
const otherThreadsNs = [...cpu1.keys()].filter((t) => t !== String(process.pid)).reduce((s, t) => s + delta(t), 0) - writerNs;
const checkpointNs = main1 - main0;

// Outside the measure: every message once, each touched customer's seqs gapless.
const check = side
  .prepare('SELECT sum(n != span) AS gaps FROM (SELECT count(*) AS n, max(seq) - min(seq) + 1 AS span FROM messages GROUP BY customer)')
  .get() as { gaps: number };
const stored = (side.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
const pageSize = side.pragma('page_size', { simple: true });
side.close();
await new Promise<void>((ok) => {
  waiting.set(nextId, () => ok());
  worker.postMessage({ id: nextId++, type: 'close' });
});
await worker.terminate();
const expected = storedBefore + (WARMUP_COMMITS + COMMITS) * (PER_COMMIT - RETRIES_PER_COMMIT);
if (stored !== expected || check.gaps !== 0) throw new Error(`stored ${stored} of ${expected}, ${check.gaps} customers with gaps`);

const per = (n: number, unit = 1) => Math.round((n / messages / unit) * 100) / 100;
process.stdout.write(
  JSON.stringify({
    store,
    writer: writerScript.replace(/\/src\/engine\/local\/writer\.ts$/, ''),
    pageSize,
    messages,
    writerCpuUsPerMsg: per(writerNs, 1000),
    checkpointAtEndUsPerMsg: per(checkpointNs, 1000),
    writerPlusCheckpointUsPerMsg: per(writerNs + checkpointNs, 1000),
    otherThreadsUsPerMsg: per(otherThreadsNs, 1000),
    processCpuUsPerMsg: per(processCpu.user + processCpu.system),
    bytesWrittenPerMsg: Math.round((io1.wchar - io0.wchar) / messages),
    writeCallsPerCommit: Math.round((io1.syscw - io0.syscw) / COMMITS),
    readCallsPerCommit: Math.round((io1.syscr - io0.syscr) / COMMITS),
    ...(merging ? { merges } : {}),
    rcharPerMsg: Math.round((io1.rchar - io0.rchar) / messages),
    msgsPerSecondWall: Math.round(messages / (wallMs / 1000)),
    ...(framesByTree ? { framesPerCommit: framesByTree } : {}),
  }) + '\n',
);
