// The main thread's CPU per push, beside the bare Fastify route's CPU per request: wall-clock rates on a shared
// machine are noise, CPU time is not (much). Each server runs as its own process (as in pushThroughput.ts); the
// load generator (its own process too) sends a warm-up, then a fixed number of pushes, and the server's main
// thread's CPU (/proc/<pid>/task/<pid>/stat, GC on that thread included) and the whole process's are read before
// and after. The gateway's writer thread and V8's helper threads are in the process figure only.
//   npm run build && node --import tsx bench/mainThreadCpu.ts [pushes=40000] [messagesPerPush=1]
// The gateway runs as deployed (dist/main.js, as in the other benchmarks): build it first, and the compared one too.
//   BENCH_CPU_PROF=<dir> also writes V8 CPU profiles of the gateway (one file per thread).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import type { GeneratorOptions, GeneratorResult } from './loadGenerator.js';
import { accessToken, gatewayEnv, round, runJson, startProcess, type ServerProcess } from './support.js';

const ROOT = process.env.BENCH_GATEWAY_ROOT ?? new URL('..', import.meta.url).pathname;
const CLOCK_TICKS_PER_SECOND = 100;
const CONNECTIONS = 50;
const WARMUP_PUSHES = Number(process.env.BENCH_WARMUP_PUSHES ?? 20_000);

/** BENCH_GATEWAY_ENV='{"LOG_LEVEL":"warn"}': settings of the gateways measured, for an experiment. */
const gatewayExtra = JSON.parse(process.env.BENCH_GATEWAY_ENV ?? '{}') as Record<string, string>;
const pushes = Number(process.argv[2] ?? 40_000);
const perPush = Number(process.argv[3] ?? 1);

/** utime + stime of one thread (or, with no tid, of the whole process), in seconds; `system` for stime alone. */
function cpuSeconds(pid: number, tid?: number, system = false): number {
  const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((system ? 0 : Number(fields[11])) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

async function send(url: string, headers: Record<string, string>, count: number, tag: string): Promise<GeneratorResult> {
  const options: GeneratorOptions = {
    url, headers, messagesPerPush: perPush, connections: CONNECTIONS, warmupSeconds: 0, durationSeconds: 3600,
    maxBodies: count, tag: `${tag}-${Date.now()}`, customers: 500,
    // BENCH_RATE=<pushes/s>: every server gets the same rate, so that each spreads its pushes over its event-loop
    // turns alike (the CPU a push costs falls as more pushes share a turn); unset, as fast as each answers.
    ...(process.env.BENCH_RATE ? { ratePerSecond: Number(process.env.BENCH_RATE) } : {}),
  };
  return runJson<GeneratorResult>(join(ROOT, 'bench/loadGenerator.ts'), [JSON.stringify(options)]);
}

const warmed = new Set<ServerProcess>();

async function measure(server: ServerProcess, headers: Record<string, string>, name: string) {
  const pid = server.process.pid!;
  // Warmed once: the JIT and the connections settle before CPU is counted.
  if (!warmed.has(server)) await send(server.url, headers, WARMUP_PUSHES, `${name}-warm`);
  warmed.add(server);
  const before = { main: cpuSeconds(pid, pid), mainSystem: cpuSeconds(pid, pid, true), all: cpuSeconds(pid) };
  const run = await send(server.url, headers, pushes, name);
  const after = { main: cpuSeconds(pid, pid), mainSystem: cpuSeconds(pid, pid, true), all: cpuSeconds(pid) };
  const done = run.pushes;
  return {
    pushes: done,
    refused: run.refused + run.errors,
    pushesPerSecond: run.pushesPerSecond,
    mainThreadMicrosPerPush: round(((after.main - before.main) / done) * 1e6, 1),
    // The main thread's time in the kernel (socket reads and writes, epoll, waking the writer), a part of the above.
    mainThreadSystemMicrosPerPush: round(((after.mainSystem - before.mainSystem) / done) * 1e6, 1),
    processMicrosPerPush: round(((after.all - before.all) / done) * 1e6, 1),
  };
}

const dataDirs: string[] = [];
const servers: ServerProcess[] = [];
try {
  const bare = await startProcess(join(ROOT, 'bench/bareServer.ts'), {});
  servers.push(bare);
  const startGateway = async (root: string, profile: string) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'aicc-bench-cpu-'));
    dataDirs.push(dataDir);
    const server = await startProcess(join(root, 'dist/main.js'), gatewayEnv(dataDir, gatewayExtra), { profile });
    servers.push(server);
    return { server, headers: { 'x-app-key': 'bench', authorization: `Bearer ${await accessToken(server.url)}` } };
  };
  // BENCH_COMPARE_ROOT=<another checkout>: its gateway is measured too, in turns with this one, so that both
  // see the same machine (the CPU a push costs moves with how many pushes share an event-loop turn).
  const gateways = [{ name: 'gateway', ...(await startGateway(ROOT, 'gateway-main-thread')) }];
  const compareRoot = process.env.BENCH_COMPARE_ROOT;
  if (compareRoot) gateways.push({ name: 'compared', ...(await startGateway(compareRoot, 'compared-main-thread')) });
  const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
  const load = loadavg().map((x) => round(x, 2));
  const results: Record<string, Awaited<ReturnType<typeof measure>>[]> = { bare: [] };
  for (let r = 0; r < rounds; r++) {
    results.bare!.push(await measure(bare, {}, 'bare'));
    for (const { name, server, headers } of r % 2 === 0 ? gateways : [...gateways].reverse()) {
      (results[name] ??= []).push(await measure(server, headers, name));
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const summary = Object.fromEntries(Object.entries(results).map(([name, runs]) => [name, {
    mainThreadMicrosPerPush: median(runs.map((x) => x.mainThreadMicrosPerPush)),
    processMicrosPerPush: median(runs.map((x) => x.processMicrosPerPush)),
    runs,
  }]));
  process.stdout.write(JSON.stringify({
    date: new Date().toISOString(), loadAverage: [load, loadavg().map((x) => round(x, 2))], messagesPerPush: perPush, connections: CONNECTIONS,
    ...summary,
    mainThreadRatio: round(summary.bare!.mainThreadMicrosPerPush / summary.gateway!.mainThreadMicrosPerPush, 3),
  }) + '\n');
} finally {
  await Promise.all(servers.map((server) => server.stop()));
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
}
