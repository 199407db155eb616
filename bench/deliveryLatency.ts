// End-to-end delivery: 1,000 WebSocket customers (one connection each) in their own process
// (bench/customers.ts); pushes of 20 messages, each message to a different customer, sent on a fixed schedule
// (open loop) at rising rates; for each rate, the time from a message's send time to its receipt. The figure
// is the highest rate at which every message arrived with p99 <= 50 ms, for the gateway and for the bare
// Fastify+ws forwarder (bench/bareWsServer.ts) measured the same way in the same run. Also the memory each
// idle connection costs the server.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import WebSocket from 'ws';
import { accessToken, customerToken, gatewayEnv, round, startProcess, type ServerProcess } from './support.js';

const ROOT = new URL('..', import.meta.url).pathname;
const CUSTOMERS = 1000;
const MESSAGES_PER_PUSH = 20;
const RATES = [2_000, 5_000, 10_000, 15_000, 20_000, 30_000, 40_000, 60_000];
const P99_BOUND_MS = 50;
/** How long after the last push of a step its messages may still arrive before they count as lost. */
const TAIL_MS = 3000;
const PATH = '/apiaccess/ccmessaging/pushMsg';

export interface DeliveryOptions {
  stepSeconds: number;
}

type Target = {
  server: ServerProcess;
  streamUrl: (customer: string) => Promise<string>;
  pushHeaders: Record<string, string>;
};

export async function measureDelivery({ stepSeconds }: DeliveryOptions) {
  const dataDir = mkdtempSync(join(tmpdir(), 'aicc-bench-'));
  const gatewayServer = await startProcess(join(ROOT, 'dist/main.js'), gatewayEnv(dataDir), { profile: 'gateway-delivery' });
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
    const g = await rising(gateway, stepSeconds, 'gw');
    const b = await rising(bare, stepSeconds, 'bare');
    return {
      memoryPerIdleConnection: {
        connections: CUSTOMERS,
        gatewayBytes,
        bareWsBytes: bareBytes,
        ratioToBare: round(gatewayBytes / Math.max(bareBytes, 1), 2),
      },
      pushToBrowser: {
        customers: CUSTOMERS,
        messagesPerPush: MESSAGES_PER_PUSH,
        stepSeconds,
        p99BoundMs: P99_BOUND_MS,
        gateway: g,
        bareForwarder: b,
        ratioToBare: round(g.maxMessagesPerSecond / Math.max(b.maxMessagesPerSecond, 1), 3),
      },
    };
  } finally {
    await Promise.all([gatewayServer.stop(), bareServer.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Steps up the rate until a step loses a message or its p99 passes the bound. */
async function rising(target: Target, stepSeconds: number, name: string) {
  const run = `${name}${Date.now()}`;
  const customers = await startCustomers();
  try {
    const urls = await Promise.all(Array.from({ length: CUSTOMERS }, (_, i) => target.streamUrl(`${run}-c${i}`)));
    await customers.ask({ type: 'connect', urls }, 'connected');
    const pool = new Pool(target.server.url, { connections: 64, pipelining: 1 });
    const steps = [];
    let maxMessagesPerSecond = 0;
    try {
      // Unrecorded warm-up: the first pushes pay for compiling the code they run.
      await step(target, pool, customers, run, 'warm', 2_000, 1);
      for (const rate of RATES) {
        let result = await step(target, pool, customers, run, `r${rate}`, rate, stepSeconds);
        // A step that fails is run once more before the climb stops: on a shared machine one hiccup of the
        // disk or the scheduler should not decide the figure (both targets get the same second chance).
        if (!result.held) {
          steps.push(result);
          result = await step(target, pool, customers, run, `r${rate}again`, rate, stepSeconds);
        }
        steps.push(result);
        if (!result.held) break;
        maxMessagesPerSecond = rate;
      }
    } finally {
      await pool.close();
    }
    return { maxMessagesPerSecond, steps };
  } finally {
    await customers.close();
  }
}

async function step(target: Target, pool: Pool, customers: Customers, run: string, name: string, rate: number, seconds: number) {
  const tag = `${run}-${name}`;
  const pushes = Math.round((rate / MESSAGES_PER_PUSH) * seconds);
  const bodies = buildBodies(run, tag, pushes);
  const expected = pushes * MESSAGES_PER_PUSH;
  await customers.ask({ type: 'step', tag }, 'ready');
  const headers = { 'content-type': 'application/json', ...target.pushHeaders };
  let refused = 0;
  const answers: Promise<void>[] = [];
  const start = performance.now();
  const interval = 1000 / (rate / MESSAGES_PER_PUSH);
  let sent = 0;
  while (sent < pushes) {
    // Every push that is due leaves now, whether or not the earlier ones were answered (open loop).
    const due = Math.min(pushes, Math.floor((performance.now() - start) / interval) + 1);
    for (; sent < due; sent++) {
      const now = performance.timeOrigin + performance.now();
      const body = bodies[sent]!.replaceAll('__SENT__', now.toFixed(3)).replaceAll('__MS__', String(Math.floor(now)));
      answers.push(
        pool.request({ path: PATH, method: 'POST', headers, body }).then(
          async (res) => {
            const text = await res.body.text();
            if (res.statusCode !== 200 || !text.includes('"resultCode":"0"')) refused++;
          },
          () => void refused++,
        ),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const sendSeconds = (performance.now() - start) / 1000;
  await Promise.all(answers);
  const deadline = Date.now() + TAIL_MS;
  while (Date.now() < deadline && (await customers.ask({ type: 'count' }, 'count')).received! < expected) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const report = await customers.ask({ type: 'report' }, 'report');
  const held = refused === 0 && report.received === expected && report.p99Ms! <= P99_BOUND_MS;
  return {
    messagesPerSecond: rate,
    achievedMessagesPerSecond: Math.round(expected / sendSeconds),
    expected,
    received: report.received,
    refusedPushes: refused,
    p50Ms: report.p50Ms,
    p99Ms: report.p99Ms,
    maxMs: report.maxMs,
    held,
  };
}

/** The step's bodies, built before its clock starts; the send time is filled in as each push leaves. */
function buildBodies(run: string, tag: string, pushes: number): string[] {
  const bodies: string[] = new Array(pushes);
  let k = 0;
  for (let p = 0; p < pushes; p++) {
    let messages = '';
    for (let m = 0; m < MESSAGES_PER_PUSH; m++, k++) {
      messages +=
        (m === 0 ? '' : ',') +
        '{"channel":"WEB","from":"bench","to":"' + run + '-c' + (k % CUSTOMERS) +
        '","controlType":"CHAT","sourceType":"AGENT","mediaType":"TEXT","timestamp":__MS__,"content":"' + tag + '-' + k +
        ' __SENT__","messageCode":null}';
    }
    bodies[p] = '{"messages":[' + messages + '],"timestamp":__MS__}';
  }
  return bodies;
}

type Reply = { type: string; received?: number; p50Ms?: number; p99Ms?: number; maxMs?: number; error?: string };
type Customers = { ask(command: object, answer: string): Promise<Reply>; close(): Promise<void> };

function startCustomers(): Promise<Customers> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/customers.ts')], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const customers: Customers = {
    ask: (command, answer) =>
      new Promise((resolve, reject) => {
        const onMessage = (reply: Reply) => {
          if (reply.type === 'failed') reject(new Error(`customers: ${reply.error}`));
          else if (reply.type === answer) resolve(reply);
          else return;
          child.off('message', onMessage);
        };
        child.on('message', onMessage);
        child.send(command);
      }),
    close: async () => {
      if (child.connected) child.send({ type: 'close' });
      await exited;
    },
  };
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve(customers));
    child.once('error', reject);
  });
}

/** Opens `count` idle connections from this process, in groups of 50. */
async function connectIdle(target: Target, prefix: string, count: number) {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < count; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, async (_, k) => {
        const socket = new WebSocket(await target.streamUrl(`${prefix}-${i + k}`), { perMessageDeflate: false });
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
 * (Measured as in the earlier runs, so the figures compare.)
 */
async function bytesPerIdleConnection(target: Target): Promise<number> {
  const settle = () => new Promise((resolve) => setTimeout(resolve, 2000));
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    await settle();
    const before = rssOf(target.server);
    const sockets = await connectIdle(target, `idle-${round}`, CUSTOMERS);
    await settle();
    best = Math.min(best, (rssOf(target.server) - before) / CUSTOMERS);
    for (const socket of sockets) socket.terminate();
  }
  return Math.max(0, Math.round(best));
}

/** Resident memory of the server process, from /proc (Linux). */
function rssOf(server: ServerProcess): number {
  const status = readFileSync(`/proc/${server.process.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}
