// End-to-end delivery: from the moment a push is sent until a connected WebSocket client has the message,
// with 1,000 clients connected, at a fixed push rate; and the memory each idle connection costs. Each figure
// beside the bare `ws` relay (bench/bareWsServer.ts) measured the same way in the same run.
//   broadcast: 1,000 connections of one customer (tabs), every push reaches all of them;
//   spread:    1,000 customers with one connection each, every push goes to one of them.

import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { accessToken, BENCH_CUSTOMER_SECRET, customerToken, round, startProcess, type ServerProcess } from './support.js';

const ROOT = new URL('..', import.meta.url).pathname;
const CLIENTS = 1000;

export interface LatencyOptions {
  durationSeconds: number;
}

type Target = {
  server: ServerProcess;
  streamUrl: (customer: string) => Promise<string>;
  pushHeaders: Record<string, string>;
};

export async function measureDelivery({ durationSeconds }: LatencyOptions) {
  const dataDir = mkdtempSync(join(tmpdir(), 'aicc-bench-'));
  const gatewayServer = await startProcess(join(ROOT, 'src/main.ts'), {
    HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, AICC_APPS: 'bench:bench-secret', LOG_LEVEL: 'info',
    // The benchmark is one client address sending far more than a person would: lift the per-address limits.
    PUSH_RATE_LIMIT: '10000000', CLIENT_RATE_LIMIT: '10000000', TOKEN_RATE_LIMIT: '10000000', MAX_CONNECTIONS_PER_CUSTOMER: '10000',
    CUSTOMER_TOKEN_SECRET: BENCH_CUSTOMER_SECRET,
  });
  const bareServer = await startProcess(join(ROOT, 'bench/bareWsServer.ts'), {});
  try {
    const gateway: Target = {
      server: gatewayServer,
      streamUrl: async (customer) => `${gatewayServer.url.replace('http', 'ws')}/v1/stream?token=${await customerToken(customer)}`,
      pushHeaders: { 'x-app-key': 'bench', authorization: `Bearer ${await accessToken(gatewayServer.url)}` },
    };
    const bare: Target = {
      server: bareServer,
      streamUrl: async (customer) => `${bareServer.url.replace('http', 'ws')}/?customer=${customer}`,
      pushHeaders: {},
    };
    const gatewayBytes = await bytesPerIdleConnection(gateway);
    const bareBytes = await bytesPerIdleConnection(bare);
    const result: Record<string, unknown> = {
      memoryPerIdleConnection: {
        connections: CLIENTS,
        gatewayBytes,
        bareWsBytes: bareBytes,
        ratioToBare: round(gatewayBytes / Math.max(bareBytes, 1), 2),
      },
    };
    for (const [name, customers, pushesPerSecond] of [['broadcast', 1, 20], ['spread', CLIENTS, 200]] as const) {
      const g = await scenario(gateway, customers, pushesPerSecond, durationSeconds);
      const b = await scenario(bare, customers, pushesPerSecond, durationSeconds);
      result[name] = {
        clients: CLIENTS, customers, pushesPerSecond, gateway: g, bareWs: b,
        ratioToBare: {
          p50: round(g.latencyMs.p50 / Math.max(b.latencyMs.p50, 0.01), 2),
          p99: round(g.latencyMs.p99 / Math.max(b.latencyMs.p99, 0.01), 2),
        },
      };
    }
    return result;
  } finally {
    await Promise.all([gatewayServer.stop(), bareServer.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function scenario(target: Target, customers: number, pushesPerSecond: number, durationSeconds: number) {
  const latencies: number[] = [];
  const run = `${Date.now()}`;
  const sockets = await connectAll(target, (i) => `${run}-c${i % customers}`, (data) => {
    const frame = JSON.parse(data.toString()) as { type: string; message?: { content?: string } };
    if (frame.type !== 'message') return;
    latencies.push(performance.timeOrigin + performance.now() - Number(frame.message!.content));
  });
  await new Promise((resolve) => setTimeout(resolve, 500));

  const pushUrl = `${target.server.url}/apiaccess/ccmessaging/pushMsg`;
  const total = pushesPerSecond * durationSeconds;
  const expected = customers === 1 ? total * CLIENTS : total;
  const start = performance.now();
  const inFlight: Promise<unknown>[] = [];
  for (let n = 0; n < total; n++) {
    // A fixed schedule (open loop): each push leaves at its time, whether or not earlier ones were answered.
    const due = start + (n * 1000) / pushesPerSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const now = Date.now();
    const message = {
      channel: 'WEB', from: 'bench', to: `${run}-c${n % customers}`, controlType: 'CHAT', sourceType: 'AGENT',
      mediaType: 'TEXT', timestamp: now, messageCode: `${run}-${n}`, content: String(performance.timeOrigin + performance.now()),
    };
    inFlight.push(
      fetch(pushUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...target.pushHeaders },
        body: JSON.stringify({ messages: [message], timestamp: now }),
      }).then((res) => res.arrayBuffer()),
    );
  }
  await Promise.all(inFlight);
  const deadline = Date.now() + 10_000;
  while (latencies.length < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  for (const socket of sockets) socket.terminate();
  latencies.sort((a, b) => a - b);
  const pick = (q: number) => round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN, 2);
  return {
    deliveries: latencies.length,
    expectedDeliveries: expected,
    latencyMs: { p50: pick(0.5), p99: pick(0.99), max: pick(1) },
  };
}

/** Opens CLIENTS connections, in groups of 50: a burst of 1,000 handshakes would measure the handshakes. */
async function connectAll(target: Target, customerOf: (i: number) => string, onMessage: (data: WebSocket.RawData) => void) {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < CLIENTS; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, CLIENTS - i) }, async (_, k) => {
        const socket = new WebSocket(await target.streamUrl(customerOf(i + k)), { perMessageDeflate: false });
        socket.on('message', onMessage);
        await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
        sockets.push(socket);
      }),
    );
  }
  return sockets;
}

/**
 * Resident memory that 1,000 idle connections (one customer each) add to the server process: the smallest
 * of three rounds, each measured 2 s after the connections opened, since RSS moves with the garbage collector.
 */
async function bytesPerIdleConnection(target: Target): Promise<number> {
  const settle = () => new Promise((resolve) => setTimeout(resolve, 2000));
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    await settle();
    const before = rssOf(target.server);
    const sockets = await connectAll(target, (i) => `idle-${round}-${i}`, () => {});
    await settle();
    best = Math.min(best, (rssOf(target.server) - before) / CLIENTS);
    for (const socket of sockets) socket.terminate();
  }
  return Math.max(0, Math.round(best));
}

/** Resident memory of the server process, from /proc (Linux). */
function rssOf(server: ServerProcess): number {
  const status = readFileSync(`/proc/${server.process.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}


