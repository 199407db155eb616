// Capacity by nodes and shards, from what each part costs. One 2-core machine cannot show three nodes beating
// one (they share the cores), so this measures the CPU one push costs the gateway and Redis, each process pinned
// with taskset to a core of its own (the gateway on the first, redis-server on the last), and models
//   pushes/s for N nodes and S shards = min(N × node ceiling, S × shard ceiling)
// where a ceiling is what one core sustains (1 s of CPU / CPU per push). The measured one-node figure is printed
// beside the model. The model is CPU only: with `appendfsync always` the disk of each shard bounds it too.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { accessToken, round } from './support.js';

const ROOT = new URL('..', import.meta.url).pathname;
const CONNECTIONS = 50;
const CLOCK_TICKS_PER_SECOND = 100;
const NODES = [1, 2, 3, 6, 12];
const SHARDS = [1, 2, 3];

export async function measureCapacity({ durationSeconds }: { durationSeconds: number }) {
  const lastCore = cpus().length - 1;
  const redisPort = await freePort();
  const redisDir = mkdtempSync(join(tmpdir(), 'aicc-bench-capacity-'));
  const redis = await pinned(lastCore, '/usr/bin/redis-server', [
    '--port', String(redisPort), '--bind', '127.0.0.1', '--dir', redisDir, '--save', '',
    '--appendonly', 'yes', '--appendfsync', process.env.BENCH_APPENDFSYNC ?? 'always',
  ], {}, (line) => line.includes('Ready to accept connections'));
  const dataDir = mkdtempSync(join(tmpdir(), 'aicc-bench-'));
  let port = 0;
  const gateway = await pinned(0, process.execPath, [join(ROOT, 'dist/main.js')], {
    HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, AICC_APPS: 'bench:bench-secret', LOG_LEVEL: 'info',
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    // Lifted, but still counted in Redis: a limit check is part of what a push costs with several nodes.
    PUSH_RATE_LIMIT: '10000000', CLIENT_RATE_LIMIT: '10000000', TOKEN_RATE_LIMIT: '10000000', MAX_CONNECTIONS_PER_ADDRESS: '1000000',
  }, (line) => {
    const entry = parseJson(line);
    if (entry?.msg !== 'gateway listening') return false;
    port = Number(entry.port);
    return true;
  });
  const stats = new Redis({ port: redisPort, host: '127.0.0.1' });
  try {
    const url = `http://127.0.0.1:${port}`;
    const token = await accessToken(url);
    const headers = { 'content-type': 'application/json', 'x-app-key': 'bench', authorization: `Bearer ${token}` };
    // A short warm-up first, so the JIT and the connections are settled before CPU is counted.
    await push(url, headers, Math.min(2, durationSeconds));
    const before = { gateway: processCpuSeconds(gateway.pid!), redis: await redisCpu(stats) };
    const run = await push(url, headers, durationSeconds);
    const after = { gateway: processCpuSeconds(gateway.pid!), redis: await redisCpu(stats) };
    const pushes = run.requests.total - run.non2xx;
    const per1000 = (seconds: number) => (seconds / pushes) * 1000;
    const gatewayCpuPer1000 = per1000(after.gateway - before.gateway);
    const redisCpuPer1000 = per1000(after.redis.cpuSeconds - before.redis.cpuSeconds);
    const nodeCeiling = 1000 / gatewayCpuPer1000;
    const shardCeiling = 1000 / redisCpuPer1000;
    const commands = Object.fromEntries(
      Object.entries(after.redis.calls)
        .map(([name, calls]) => [name, round(((calls - (before.redis.calls[name] ?? 0)) / pushes), 2)] as const)
        .filter(([, perPush]) => perPush > 0),
    );
    const model = {
      shards: SHARDS,
      pushesPerSecondByNodes: Object.fromEntries(NODES.map((nodes) => [
        nodes, SHARDS.map((shards) => Math.round(Math.min(nodes * nodeCeiling, shards * shardCeiling))),
      ])),
    };
    return {
      note: 'gateway pinned to core 0, redis-server (appendfsync always) to the last core, the load generator unpinned; 1 message per push; CPU from /proc and INFO cpu',
      measured: { nodes: 1, shards: 1, pushesPerSecond: round(pushes / run.duration, 0), p99Ms: run.latency.p99, non2xx: run.non2xx },
      gatewayCpuSecondsPer1000Pushes: round(gatewayCpuPer1000, 3),
      redisCpuSecondsPer1000Pushes: round(redisCpuPer1000, 3),
      redisCommandsPerPush: commands,
      nodeCeilingPushesPerSecond: Math.round(nodeCeiling),
      shardCeilingPushesPerSecond: Math.round(shardCeiling),
      model,
    };
  } finally {
    stats.disconnect();
    await gateway.stop();
    await redis.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(redisDir, { recursive: true, force: true });
  }
}

function push(url: string, headers: Record<string, string>, duration: number) {
  let sequence = 0;
  return autocannon({
    url: `${url}/apiaccess/ccmessaging/pushMsg`,
    connections: CONNECTIONS,
    duration,
    requests: [{
      method: 'POST',
      headers,
      setupRequest: (request) => {
        sequence += 1;
        const now = Date.now();
        return {
          ...request,
          body: JSON.stringify({
            timestamp: now,
            messages: [{
              channel: 'WEB', from: 'bench', to: `cap-${sequence % 500}`, controlType: 'CHAT', sourceType: 'AGENT',
              mediaType: 'TEXT', senderNickname: 'Agent Smith', timestamp: now, messageCode: `cap-${process.pid}-${sequence}`,
              content: 'Thank you for waiting. Let me check the status of your order for you right away.',
            }],
          }),
        };
      },
    }],
  });
}

/** User + system CPU of a process (every thread), from /proc/<pid>/stat. */
function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat (utime, stime), counted after the command name.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

async function redisCpu(redis: Redis): Promise<{ cpuSeconds: number; calls: Record<string, number> }> {
  const cpu = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? 0);
  const calls: Record<string, number> = {};
  for (const match of (await redis.info('commandstats')).matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) calls[match[1]!] = Number(match[2]);
  return { cpuSeconds: field('used_cpu_user') + field('used_cpu_sys'), calls };
}

interface Pinned {
  pid: number | undefined;
  stop(): Promise<void>;
}

/** Starts a process on one core (taskset) and resolves once a line of its output says it is ready. */
function pinned(core: number, command: string, args: string[], env: Record<string, string>, isReady: (line: string) => boolean): Promise<Pinned> {
  const child: ChildProcess = spawn('taskset', ['-c', String(core), command, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!isReady(line)) return;
      resolve({
        // taskset execs the command, so the pid is the command's own.
        pid: child.pid,
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      });
    });
    void exited.then(() => reject(new Error(`${command} exited before it was ready`)));
  });
}

function parseJson(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
