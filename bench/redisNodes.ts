// Several nodes on Redis beside the local engine, in the same run: pushMsg throughput (pushes/s, messages/s,
// 50 connections spread over the nodes) and end-to-end delivery latency (push sent until a connected WebSocket
// client has it; 300 customers spread over the nodes, pushes sent round-robin to every node at a fixed rate)
// with the local SQLite engine (DURABILITY=full), then 1, 2 and 3 gateway nodes on one Redis with
// appendfsync always (the durable setting docs/deployment.md asks for). Every process shares this machine's
// cores with the load generator, so more nodes on one machine measure overhead, not scale-out.
// BENCH_APPENDFSYNC=everysec shows what the per-write fsync costs (not the setting to run in production).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import WebSocket from 'ws';
import { accessToken, BENCH_CUSTOMER_SECRET, customerToken, round, startProcess, type ServerProcess } from './support.js';

const ROOT = new URL('..', import.meta.url).pathname;
const CONNECTIONS = 50;
const CLIENTS = 300;
const PUSHES_PER_SECOND = 200;

export async function measureRedisNodes({ durationSeconds }: { durationSeconds: number }) {
  const redis = await startRedis();
  const results: Record<string, unknown>[] = [];
  try {
    for (const setup of [{ engine: 'local', nodes: 1 }, { engine: 'redis', nodes: 1 }, { engine: 'redis', nodes: 2 }, { engine: 'redis', nodes: 3 }] as const) {
      const dataDirs = Array.from({ length: setup.nodes }, () => mkdtempSync(join(tmpdir(), 'aicc-bench-')));
      const servers = await Promise.all(
        dataDirs.map((dataDir) =>
          startProcess(join(ROOT, 'dist/main.js'), {
            HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, AICC_APPS: 'bench:bench-secret', LOG_LEVEL: 'info',
            CUSTOMER_TOKEN_SECRET: BENCH_CUSTOMER_SECRET, ...(setup.engine === 'redis' ? { REDIS_URL: redis.url } : {}),
            // The load comes from one address and one app key: the per-client limits would measure themselves.
            PUSH_RATE_LIMIT: '10000000', CLIENT_RATE_LIMIT: '10000000', TOKEN_RATE_LIMIT: '10000000', MAX_CONNECTIONS_PER_ADDRESS: '1000000',
          }),
        ),
      );
      try {
        const token = await accessToken(servers[0]!.url);
        const headers = { 'content-type': 'application/json', 'x-app-key': 'bench', authorization: `Bearer ${token}` };
        results.push({
          ...setup,
          throughput: await throughput(servers, headers, durationSeconds, `${setup.engine}${setup.nodes}`),
          endToEnd: await latency(servers, headers, durationSeconds, `${setup.engine}${setup.nodes}`),
        });
      } finally {
        await Promise.all(servers.map((s) => s.stop()));
        for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await redis.stop();
  }
  return { note: 'one message per push; 500 customers for throughput; redis: appendfsync always, local: DURABILITY=full', results };
}

/** Autocannon against every node at once, the connections split between them. */
async function throughput(servers: ServerProcess[], headers: Record<string, string>, duration: number, run: string) {
  let sequence = 0;
  const body = () => {
    sequence += 1;
    const now = Date.now();
    return JSON.stringify({
      timestamp: now,
      messages: [{
        channel: 'WEB', from: 'bench', to: `tp-${run}-${sequence % 500}`, controlType: 'CHAT', sourceType: 'AGENT',
        mediaType: 'TEXT', senderNickname: 'Agent Smith', timestamp: now, messageCode: `tp-${run}-${sequence}`,
        content: 'Thank you for waiting. Let me check the status of your order for you right away.',
      }],
    });
  };
  const runs = await Promise.all(
    servers.map((server) =>
      autocannon({
        url: `${server.url}/apiaccess/ccmessaging/pushMsg`,
        connections: Math.ceil(CONNECTIONS / servers.length),
        duration,
        requests: [{ method: 'POST', headers, setupRequest: (request) => ({ ...request, body: body() }) }],
      }),
    ),
  );
  const pushesPerSecond = runs.reduce((sum, r) => sum + r.requests.total / r.duration, 0);
  return {
    pushesPerSecond: round(pushesPerSecond, 0),
    messagesPerSecond: round(pushesPerSecond, 0),
    p99Ms: Math.max(...runs.map((r) => r.latency.p99)),
    non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
    errors: runs.reduce((sum, r) => sum + r.errors + r.timeouts, 0),
  };
}

/** Open loop: each push leaves on schedule, to the next node; the clients are spread over the nodes too. */
async function latency(servers: ServerProcess[], headers: Record<string, string>, duration: number, run: string) {
  const latencies: number[] = [];
  const sockets: WebSocket[] = [];
  for (let i = 0; i < CLIENTS; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, CLIENTS - i) }, async (_, k) => {
        const server = servers[(i + k) % servers.length]!;
        const socket = new WebSocket(`${server.url.replace('http', 'ws')}/v1/stream?token=${await customerToken(`e2e-${run}-${i + k}`)}`, {
          perMessageDeflate: false,
        });
        socket.on('message', (data) => {
          const frame = JSON.parse(data.toString()) as { type: string; message?: { content?: string } };
          if (frame.type === 'message') latencies.push(performance.timeOrigin + performance.now() - Number(frame.message!.content));
        });
        await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
        sockets.push(socket);
      }),
    );
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  const total = PUSHES_PER_SECOND * duration;
  const start = performance.now();
  const inFlight: Promise<unknown>[] = [];
  let failed = 0;
  for (let n = 0; n < total; n++) {
    const wait = start + (n * 1000) / PUSHES_PER_SECOND - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    // The customer sits on node (n % CLIENTS) % nodes; the push goes to node n % nodes + 1, so most deliveries cross nodes.
    const server = servers[(n + 1) % servers.length]!;
    const now = Date.now();
    const message = {
      channel: 'WEB', from: 'bench', to: `e2e-${run}-${n % CLIENTS}`, controlType: 'CHAT', sourceType: 'AGENT',
      mediaType: 'TEXT', timestamp: now, messageCode: `e2e-${run}-${n}`, content: String(performance.timeOrigin + performance.now()),
    };
    inFlight.push(
      fetch(`${server.url}/apiaccess/ccmessaging/pushMsg`, { method: 'POST', headers, body: JSON.stringify({ messages: [message], timestamp: now }) })
        .then((res) => (res.status === 200 ? res.arrayBuffer() : (failed++, undefined)), () => failed++),
    );
  }
  await Promise.all(inFlight);
  const deadline = Date.now() + 10_000;
  while (latencies.length < total - failed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  for (const socket of sockets) socket.terminate();
  latencies.sort((a, b) => a - b);
  const pick = (q: number) => round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN, 2);
  return {
    clients: CLIENTS,
    pushesPerSecond: PUSHES_PER_SECOND,
    deliveries: latencies.length,
    expectedDeliveries: total,
    failedPushes: failed,
    latencyMs: { p50: pick(0.5), p99: pick(0.99), max: pick(1) },
  };
}

/** A redis-server of our own on a free port, AOF fsync'd on every write; stopped (and its files removed) after. */
async function startRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  const dir = mkdtempSync(join(tmpdir(), 'aicc-bench-redis-'));
  const child: ChildProcess = spawn(process.env.REDIS_SERVER ?? '/usr/bin/redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', process.env.BENCH_APPENDFSYNC ?? 'always',
  ], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      if (output.includes('Ready to accept connections')) resolve();
    });
    void exited.then(() => reject(new Error(`redis-server exited: ${output}`)));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}


