// How fast a node starts: from exec of `node dist/main.js` until it listens and until it has accepted a
// stream (a customer's hello), on an empty store and on one that holds a week of messages (BENCH_START_MESSAGES,
// default 700,000: 100,000 a day for 7 days, over 10,000 customers), written through the engine itself so the
// store's own layout is used. A start must not scan the messages: the two should differ by little.

import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { normalizeDownLinkMsg, type RawDownLinkMsg } from '../src/aicc/downlink.js';
import { LocalEngine } from '../src/engine/local/index.js';
import { createLogger } from '../src/logger.js';
import { customerToken, gatewayEnv } from './support.js';

const ROOT = new URL('..', import.meta.url).pathname;
const DAY_MS = 86_400_000;

export async function measureStartTime(options: { messages: number; customers?: number; rounds?: number }) {
  const empty = mkdtempSync(join(tmpdir(), 'aicc-start-'));
  const week = mkdtempSync(join(tmpdir(), 'aicc-start-'));
  const filled = await fillWeek(week, options.messages, options.customers ?? 10_000);
  const rounds = options.rounds ?? 3;
  const emptyStore = [];
  const weekStore = [];
  for (let i = 0; i < rounds; i++) {
    emptyStore.push(await startOnce(empty));
    weekStore.push(await startOnce(week));
  }
  const best = (list: { listeningMs: number; firstHelloMs: number }[]) => ({
    listeningMs: Math.min(...list.map((r) => r.listeningMs)),
    firstHelloMs: Math.min(...list.map((r) => r.firstHelloMs)),
    rounds: list,
  });
  return { weekOfMessages: filled, emptyStore: best(emptyStore), weekStore: best(weekStore) };
}

/** `messages` spread evenly over the last 7 days and over `customers` customers, in pushes of 1,000. */
async function fillWeek(dataDir: string, messages: number, customers: number) {
  const engine = await LocalEngine.open({ dataDir, durability: 'relaxed', busyTimeoutMs: 5000, log: createLogger('silent') });
  const started = Date.now();
  const from = started - 7 * DAY_MS;
  try {
    for (let i = 0; i < messages; i += 1000) {
      const batch = [];
      for (let k = i; k < Math.min(messages, i + 1000); k++) {
        const at = from + Math.floor((k / messages) * 7 * DAY_MS);
        const raw = {
          channel: 'WEB', from: '202105284494222653', to: `week-${k % customers}`, controlType: 'CHAT', sourceType: 'AGENT',
          mediaType: 'TEXT', content: `message ${k} of the week, about as long as a chat line is`, timestamp: at, messageCode: `w-${k}`,
        };
        batch.push(normalizeDownLinkMsg(raw as unknown as RawDownLinkMsg, at));
      }
      await engine.append(batch);
    }
  } finally {
    await engine.close();
  }
  return { messages, customers, fillSeconds: Math.round((Date.now() - started) / 1000) };
}

/** exec -> "gateway listening", and exec -> the hello of one customer's stream opened as soon as it listens. */
async function startOnce(dataDir: string): Promise<{ listeningMs: number; firstHelloMs: number }> {
  const token = await customerToken('week-1');
  const execAt = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'dist/main.js')], {
    env: { ...process.env, ...gatewayEnv(dataDir, { LOG_LEVEL: 'info' }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        if (!line.includes('"gateway listening"')) return;
        lines.close();
        child.stdout!.resume();
        resolve((JSON.parse(line) as { port: number }).port);
      });
      void exited.then(() => reject(new Error('the gateway exited before listening')));
    });
    const listeningMs = performance.now() - execAt;
    await new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/v1/stream?token=${token}&since=999999999`);
      socket.on('message', (data) => {
        if ((JSON.parse(data.toString()) as { type: string }).type !== 'hello') return;
        socket.close();
        resolve();
      });
      socket.on('error', reject);
    });
    return { listeningMs: Math.round(listeningMs), firstHelloMs: Math.round(performance.now() - execAt) };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const messages = Number(process.env.BENCH_START_MESSAGES ?? 700_000);
  process.stdout.write(JSON.stringify(await measureStartTime({ messages }), null, 2) + '\n');
}
