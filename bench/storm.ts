// The reconnect storm: N customers on the SDK (bench/sdkCustomers.ts, in their own processes) connected to one
// gateway node on SQLite, which is killed (kill -9) and started again on the same port and file, then stopped
// with SIGTERM (a deploy: drain, exit) and started again. For each restart: how long after the node answers
// again (its "gateway listening" line) each customer is back (its hello), those never back, and the accept rate;
// over both, messages lost, duplicated or reordered (one pushed to every customer before, and one at the moment
// the node answers after each restart), the node's start time (exec until it listens) and its memory per
// connected customer: RSS growth from its start over N (the measure), and RSS growth after the first
// 1,000 were connected over the others (without the one-off warm-up). BENCH_STORM_CUSTOMERS (default 10,000) sets N.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { CustomerProcesses, SDK } from './customerProcesses.js';
import type { ClientOptions } from '../src/client/index.js';
import type { CustomerReport } from './sdkCustomers.js';
import { accessToken, customerToken, gatewayEnv, round } from './support.js';

const ROOT = new URL('..', import.meta.url).pathname;
const NEVER_BACK_AFTER_MS = 60_000;
/** Customers connected before the memory's second reading: the node's one-off warm-up happens among them. */
const WARM_UP_CUSTOMERS = 1000;

export interface StormOptions {
  customers: number;
  /** Customers per process (the fd limit is per process). */
  perProcess?: number;
  /** Where the customers load the SDK from (SDK.dist: the compiled one). */
  sdk?: string;
  /** `dist`: node dist/main.js, as deployed; `source`: src/main.ts under tsx (tests, no build needed). */
  gateway?: 'dist' | 'source';
  /** The checkout whose gateway runs (default this one): another build's, to compare. */
  gatewayRoot?: string;
  /** A V8 CPU profile of each gateway process goes here (BENCH_CPU_PROF). */
  profileDir?: string;
  /** A V8 CPU profile of each customer process goes here (BENCH_CUSTOMER_CPU_PROF). */
  customersProfileDir?: string;
  env?: Record<string, string>;
  /** SDK options other than the defaults. */
  clientOptions?: Partial<ClientOptions>;
  /** Which restarts to measure (default both). */
  restarts?: ('kill9' | 'sigterm')[];
  /**
   * When the message of each restart is pushed: the moment the node listens (default: during the storm), or once
   * every customer is back, so that the node's CPU until then is the reconnects' alone (bench/stormCpu.ts).
   */
  pushAtRestart?: 'listening' | 'back';
}

export interface RestartResult {
  /** From exec until the node logged that it listens. */
  startMs: number;
  /** Time back after the node answers again, over the customers that came back. */
  backP50Ms: number;
  backP99Ms: number;
  backMaxMs: number;
  neverBack: number;
  /** Customers back per second, from the node answering until the last one was back. */
  connectsPerSecond: number;
  /** The most customers back within one second. */
  peakConnectsPerSecond: number;
  /** Streams accepted (hellos) from the node listening until every customer was back. */
  accepts: number;
  /** The node's CPU time (user + system) over that time, per stream accepted: what one reconnect costs it. */
  cpuUsPerAccept: number;
  /** The part of it spent in the kernel (system time): sockets, TCP on loopback, the store's file. */
  systemCpuUsPerAccept: number;
  /**
   * The customers' processes' CPU time (user + system, the SDK and `ws`) from the node's stop until every customer
   * was back, per stream accepted: what a reconnect costs the client side, refused tries included.
   */
  customersCpuUsPerAccept: number;
  customersSystemCpuUsPerAccept: number;
}

export async function measureStorm(options: StormOptions) {
  const n = options.customers;
  const dataDir = mkdtempSync(join(tmpdir(), 'aicc-storm-'));
  const port = await freeLocalPort();
  const env = gatewayEnv(dataDir, { PORT: String(port), ...options.env });
  let gateway = await startGateway(env, options);
  const url = `http://127.0.0.1:${port}`;
  const ids = Array.from({ length: n }, (_, i) => `storm-${i}`);
  const rssBefore = rssOf(gateway.child);
  const warmUp = Math.min(WARM_UP_CUSTOMERS, Math.floor(n / 2));
  let rssWarm = rssBefore;
  const customers = await CustomerProcesses.start({
    url,
    sdk: options.sdk ?? SDK.dist,
    customers: await Promise.all(ids.map(async (id) => ({ id, token: await customerToken(id) }))),
    perProcess: options.perProcess ?? 5000,
    ...(options.clientOptions ? { clientOptions: options.clientOptions } : {}),
    ...(options.customersProfileDir ? { profileDir: options.customersProfileDir } : {}),
    firstConnect: {
      count: warmUp,
      // The warm-up customers get their first message now, so that what the node loads and compiles for a push
      // (ingest, the fan-out) is part of the warm-up too, not of what each further customer costs.
      then: async (processes) => {
        await pushToAll(url, ids.slice(0, warmUp), 'before');
        await until(async () => (await processes.status()).received >= warmUp, 'the first message to the warm-up customers', 120_000);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        rssWarm = rssOf(gateway.child);
      },
    },
  });
  try {
    await pushToAll(url, ids.slice(warmUp), 'before');
    await until(async () => (await customers.status()).received >= n, 'the first message everywhere', 120_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const rssConnected = rssOf(gateway.child);
    const memory = {
      // As issue #25 states it: RSS growth from the node's start, over every customer. It counts the node's one-off
      // warm-up too (modules loaded on first use, JIT code, V8 growing its heap), more of it the lighter the start.
      perCustomerKB: round((rssConnected - rssBefore) / n / 1024, 1),
      // What each further customer adds: RSS growth after the first `warmUp` were connected and had their first
      // message, over the rest (each of whom then gets its own).
      perCustomerAfterWarmUpKB: round((rssConnected - rssWarm) / Math.max(n - warmUp, 1) / 1024, 1),
      warmUpCustomers: warmUp,
      startMB: round(rssBefore / 2 ** 20, 0),
      afterWarmUpMB: round(rssWarm / 2 ** 20, 0),
      connectedMB: round(rssConnected / 2 ** 20, 0),
    };
    const memoryPerCustomerKB = memory.perCustomerKB;

    const restarts: Record<string, RestartResult> = {};
    const which = options.restarts ?? ['kill9', 'sigterm'];
    for (const [name, signal] of ([['kill9', 'SIGKILL'], ['sigterm', 'SIGTERM']] as const).filter(([name]) => which.includes(name))) {
      const stoppedAt = Date.now();
      const customersCpuAtStop = sumCpuUs(customers.pids);
      gateway.child.kill(signal);
      await gateway.exited;
      gateway = await startGateway(env, options);
      const answeredAt = gateway.listeningAt;
      const pushNow = (options.pushAtRestart ?? 'listening') === 'listening';
      if (pushNow) await pushToAll(url, ids, name);
      await until(async () => (await customers.status()).connected === n, `every customer back after ${name}`, NEVER_BACK_AFTER_MS).catch(() => undefined);
      const cpu = cpuTimeUs(gateway.child.pid!);
      const customersCpu = sumCpuUs(customers.pids);
      if (process.env.BENCH_STORM_THREADS) process.stderr.write(`${name} threads (ms): ${JSON.stringify(threadCpuMs(gateway.child))}\n`);
      const cpuUs = cpu.total - gateway.cpuUsAtListening.total;
      const systemUs = cpu.system - gateway.cpuUsAtListening.system;
      const reports = await customers.report();
      if (!pushNow) await pushToAll(url, ids, name);
      const accepts = reports.reduce((sum, r) => sum + r.connectedAt.filter((t) => t > stoppedAt).length, 0);
      restarts[name] = { startMs: gateway.startMs, ...backTimes(reports, stoppedAt, answeredAt), accepts,
        cpuUsPerAccept: Math.round(cpuUs / Math.max(accepts, 1)), systemCpuUsPerAccept: Math.round(systemUs / Math.max(accepts, 1)),
        customersCpuUsPerAccept: Math.round((customersCpu.total - customersCpuAtStop.total) / Math.max(accepts, 1)),
        customersSystemCpuUsPerAccept: Math.round((customersCpu.system - customersCpuAtStop.system) / Math.max(accepts, 1)) };
    }
    await until(async () => (await customers.status()).received >= (1 + which.length) * n, 'every message', 60_000).catch(() => undefined);
    const messages = checkMessages(await customers.report(), ['before', ...which]);
    return { customers: n, processes: Math.ceil(n / (options.perProcess ?? 5000)), memoryPerCustomerKB, memory, restarts, messages };
  } finally {
    customers.close();
    gateway.child.kill('SIGTERM');
    await gateway.exited;
  }
}

function backTimes(reports: CustomerReport[], stoppedAt: number, answeredAt: number): Omit<RestartResult, 'startMs' | 'accepts' | 'cpuUsPerAccept' | 'systemCpuUsPerAccept' | 'customersCpuUsPerAccept' | 'customersSystemCpuUsPerAccept'> {
  const back: number[] = [];
  let neverBack = 0;
  for (const r of reports) {
    const at = r.connectedAt.find((t) => t > stoppedAt);
    if (at === undefined) neverBack++;
    else back.push(Math.max(0, at - answeredAt));
  }
  back.sort((a, b) => a - b);
  const pick = (q: number) => back[Math.min(back.length - 1, Math.floor(q * back.length))] ?? Number.NaN;
  const perSecond = new Map<number, number>();
  for (const ms of back) perSecond.set(Math.floor(ms / 1000), (perSecond.get(Math.floor(ms / 1000)) ?? 0) + 1);
  const last = pick(1);
  return {
    backP50Ms: pick(0.5),
    backP99Ms: pick(0.99),
    backMaxMs: last,
    neverBack,
    connectsPerSecond: Math.round(back.length / Math.max(last / 1000, 0.001)),
    peakConnectsPerSecond: Math.max(0, ...perSecond.values()),
  };
}

/** Each customer should have `expected`, each once, in that order. */
export function checkMessages(reports: CustomerReport[], expected: string[]) {
  let lost = 0;
  let duplicated = 0;
  let reordered = 0;
  for (const r of reports) {
    const seen = r.contents.filter((c) => expected.includes(c));
    lost += expected.filter((c) => !seen.includes(c)).length;
    duplicated += seen.length - new Set(seen).size;
    const order = [...new Set(seen)];
    if (order.some((c, i) => i > 0 && expected.indexOf(c) < expected.indexOf(order[i - 1]!))) reordered++;
    if (r.violations.length > 0) reordered++;
  }
  return { lost, duplicated, reordered };
}

interface StormGateway {
  child: ChildProcess;
  exited: Promise<void>;
  listeningAt: number;
  startMs: number;
  /** Its CPU time (µs) when it listened: what its start took, left out of what the reconnects cost. */
  cpuUsAtListening: { total: number; system: number };
}

function startGateway(env: Record<string, string>, options: StormOptions): Promise<StormGateway> {
  const profiling = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
  const root = options.gatewayRoot ?? ROOT;
  const entry = options.gateway === 'source' ? ['--import', 'tsx', join(root, 'src/main.ts')] : [join(root, 'dist/main.js')];
  const execAt = Date.now();
  const child = spawn(process.execPath, [...profiling, ...entry], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (!line.includes('"gateway listening"')) return;
      const listeningAt = Date.now();
      // From here on its log is drained unread: parsing 10,000 "stream opened" lines would take this process's CPU.
      lines.close();
      child.stdout!.resume();
      if (process.env.BENCH_STORM_THREADS) process.stderr.write(`listening threads (ms): ${JSON.stringify(threadCpuMs(child))}\n`);
      resolve({ child, exited, listeningAt, startMs: listeningAt - execAt, cpuUsAtListening: cpuTimeUs(child.pid!) });
    });
    void exited.then(() => reject(new Error('the gateway exited before listening')));
  });
}

/** Pushes one message to every customer, 100 customers a push, 4 pushes at a time. */
async function pushToAll(url: string, ids: string[], content: string): Promise<void> {
  const token = await accessToken(url);
  const batches: string[][] = [];
  for (let i = 0; i < ids.length; i += 100) batches.push(ids.slice(i, i + 100));
  const lane = async () => {
    for (let batch = batches.shift(); batch; batch = batches.shift()) {
      const body = { messages: batch.map((to, k) => message(to, content, k)), timestamp: Date.now() };
      for (;;) {
        const res = await fetch(`${url}/apiaccess/ccmessaging/pushMsg`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-app-key': 'bench', authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
        }).catch(() => undefined);
        if (res && ((await res.json()) as { resultCode?: string }).resultCode === '0') break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };
  await Promise.all([lane(), lane(), lane(), lane()]);
}

function message(to: string, content: string, k: number) {
  return {
    from: '202105284494222653', to, controlType: 'CHAT', sourceType: 'AGENT', mediaType: 'TEXT', content,
    messageCode: `${content}-${to}-${k}`, channel: 'WEB', timestamp: Date.now(),
  };
}

/** A process's CPU time so far (user + system, all its threads), from /proc: µs, in steps of a clock tick (10 ms). */
function cpuTimeUs(pid: number): { total: number; system: number } {
  // The fields after the command's closing parenthesis; utime and stime are the 12th and 13th of them.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const tick = 1_000_000 / CLOCK_TICKS_PER_SECOND;
  return { total: (Number(fields[11]) + Number(fields[12])) * tick, system: Number(fields[12]) * tick };
}

/** Several processes' CPU time so far, together. */
function sumCpuUs(pids: number[]): { total: number; system: number } {
  return pids.map(cpuTimeUs).reduce((sum, cpu) => ({ total: sum.total + cpu.total, system: sum.system + cpu.system }));
}

/** Each thread's CPU time (ms) by name, for a look at where the process's time goes (BENCH_STORM_THREADS). */
function threadCpuMs(child: ChildProcess): Record<string, number> {
  const byName: Record<string, number> = {};
  for (const tid of readdirSync(`/proc/${child.pid}/task`)) {
    const stat = readFileSync(`/proc/${child.pid}/task/${tid}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    byName[`${name}-${tid}`] = (byName[`${name}-${tid}`] ?? 0) + (Number(fields[11]) + Number(fields[12])) * 10;
  }
  return byName;
}

/** USER_HZ, which Linux reports /proc times in: 100 on every architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

function rssOf(child: ChildProcess): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function freeLocalPort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // BENCH_STORM_MIN_RECONNECT_MS: the SDK's backoff floor, to compare floors; BENCH_STORM_RESTARTS=kill9 (or sigterm, or
  // empty: none, the memory alone);
  // BENCH_STORM_SDK: another build's dist/client/index.js, to compare SDKs; BENCH_STORM_ROOT: another checkout
  // whose dist/main.js runs as the node; BENCH_CUSTOMER_CPU_PROF=<dir> profiles the customer processes.
  const customers = Number(process.env.BENCH_STORM_CUSTOMERS ?? 10_000);
  const floor = process.env.BENCH_STORM_MIN_RECONNECT_MS;
  const restarts = process.env.BENCH_STORM_RESTARTS?.split(',').filter(Boolean) as ('kill9' | 'sigterm')[] | undefined;
  const result = await measureStorm({
    customers,
    ...(process.env.BENCH_CPU_PROF ? { profileDir: join(process.env.BENCH_CPU_PROF, 'storm') } : {}),
    ...(process.env.BENCH_CUSTOMER_CPU_PROF ? { customersProfileDir: process.env.BENCH_CUSTOMER_CPU_PROF } : {}),
    ...(process.env.BENCH_STORM_SDK ? { sdk: pathToFileURL(process.env.BENCH_STORM_SDK).href } : {}),
    ...(process.env.BENCH_STORM_ROOT ? { gatewayRoot: process.env.BENCH_STORM_ROOT } : {}),
    ...(floor ? { clientOptions: { minReconnectDelayMs: Number(floor) } } : {}),
    ...(restarts ? { restarts } : {}),
  });
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}
