// How fast a node starts: from exec of `node dist/main.js` until it listens and until it has accepted a
// stream (a customer's hello), on an empty store and on one that holds a week of messages (BENCH_START_MESSAGES,
// default 700,000: 100,000 a day for 7 days, over 10,000 customers), written through the engine itself so the
// store's own layout is used; or, with BENCH_START_STORE=prefilled, on a copy of bench/prefilledStore.ts's 1.5M.
// A start must not scan the messages: the two should differ by little. Besides the wall clock, which the other
// work on a shared machine stretches, each start's CPU time until it listens (the child's user + system time
// from /proc/<pid>/stat), which that load inflates far less.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { normalizeDownLinkMsg, type RawDownLinkMsg } from '../src/aicc/downlink.js';
import { LocalEngine } from '../src/engine/local/index.js';
import { createLogger } from '../src/logger.js';
import { PREFILLED, prefilledStore } from './prefilledStore.js';
import { customerToken, gatewayEnv } from './support.js';

const ROOT = new URL('..', import.meta.url).pathname;
const DAY_MS = 86_400_000;

type Start = { listeningMs: number; firstHelloMs: number; cpuMsUntilListening: number };

export async function measureStartTime(options: { messages: number; customers?: number; rounds?: number; prefilled?: boolean }) {
  const empty = mkdtempSync(join(tmpdir(), 'aicc-start-'));
  const week = mkdtempSync(join(tmpdir(), 'aicc-start-'));
  try {
    const filled = options.prefilled
      ? { ...PREFILLED, ...prefilledStore(week) }
      : await fillWeek(week, options.messages, options.customers ?? 10_000);
    const rounds = options.rounds ?? 3;
    const loadBefore = loadavg()[0]!;
    const emptyStore: Start[] = [];
    const weekStore: Start[] = [];
    for (let i = 0; i < rounds; i++) {
      emptyStore.push(await startOnce(empty));
      weekStore.push(await startOnce(week));
    }
    return {
      weekOfMessages: filled,
      loadAverage: { before: round(loadBefore), after: round(loadavg()[0]!) },
      emptyStore: summary(emptyStore),
      weekStore: summary(weekStore),
    };
  } finally {
    rmSync(empty, { recursive: true, force: true });
    rmSync(week, { recursive: true, force: true });
  }
}

/** Each figure's smallest and median over the starts, and the starts themselves. */
function summary(list: Start[]) {
  const of = (pick: (r: Start) => number) => {
    const sorted = list.map(pick).sort((a, b) => a - b);
    return { min: sorted[0]!, median: sorted[Math.floor(sorted.length / 2)]! };
  };
  return {
    listeningMs: of((r) => r.listeningMs),
    firstHelloMs: of((r) => r.firstHelloMs),
    cpuMsUntilListening: of((r) => r.cpuMsUntilListening),
    rounds: list,
  };
}

const round = (value: number) => Math.round(value * 100) / 100;

/** The CPU time (user + system, all its threads) a process has used so far, in ms: /proc/<pid>/stat's utime and stime. */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The fields after the command name (which may hold spaces, hence from its closing parenthesis): utime is the
  // 14th field of the line, stime the 15th, in clock ticks (100 a second on Linux).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
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
async function startOnce(dataDir: string): Promise<Start> {
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
    const cpuMsUntilListening = cpuMsOf(child.pid!);
    await new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/v1/stream?token=${token}&since=999999999`);
      socket.on('message', (data) => {
        if ((JSON.parse(data.toString()) as { type: string }).type !== 'hello') return;
        socket.close();
        resolve();
      });
      socket.on('error', reject);
    });
    return { listeningMs: Math.round(listeningMs), firstHelloMs: Math.round(performance.now() - execAt), cpuMsUntilListening };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const messages = Number(process.env.BENCH_START_MESSAGES ?? 700_000);
  const rounds = Number(process.env.BENCH_START_ROUNDS ?? 3);
  const prefilled = process.env.BENCH_START_STORE === 'prefilled';
  process.stdout.write(JSON.stringify(await measureStartTime({ messages, rounds, prefilled }), null, 2) + '\n');
}
