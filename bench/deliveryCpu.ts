// The fan-out's cost on the main thread, at a fixed rate rather than a rising one (wall-clock rates are noise on a
// shared machine): 1,000 WebSocket customers (bench/customers.ts), pushes of 20 messages at RATE msgs/s for
// SECONDS, and the gateway's CPU per delivered message from /proc, its main thread apart from the rest (the
// store's writer, the garbage collector's helpers). BENCH_CPU_PROF=<dir> adds per-thread V8 profiles.
// Usage: node --import tsx bench/deliveryCpu.ts [rate=10000] [seconds=6]. It runs the sources (src/main.ts under
// tsx, compiled once at start), so two checkouts compare without a build; `npm run bench` measures dist/.

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { accessToken, customerToken, gatewayEnv, round, startProcess } from './support.js';

const ROOT = new URL('..', import.meta.url).pathname;
const CUSTOMERS = 1000;
const PER_PUSH = 20;
const rate = Number(process.argv[2] ?? 10_000);
const seconds = Number(process.argv[3] ?? 6);

/** utime + stime of each thread of a process, in ms, by thread name (and the main thread's system time apart). */
function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  const tick = 10; // USER_HZ = 100 on Linux
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = tid === String(pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(name, (out.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) * tick);
      if (name === 'main') out.set('main:system', Number(fields[12]) * tick);
    } catch {
      // The thread ended.
    }
  }
  return out;
}

const dataDir = mkdtempSync(join(tmpdir(), 'aicc-bench-'));
const server = await startProcess(join(ROOT, 'src/main.ts'), gatewayEnv(dataDir), { profile: 'gateway-delivery-cpu' });
const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/customers.ts')], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const ask = (command: object, answer: string) =>
  new Promise<{ received?: number; p50Ms?: number; p99Ms?: number }>((resolve) => {
    const on = (reply: { type: string; received?: number; p50Ms?: number; p99Ms?: number }) => {
      if (reply.type !== answer) return;
      child.off('message', on);
      resolve(reply);
    };
    child.on('message', on);
    child.send(command);
  });
try {
  const run = `cpu${Date.now()}`;
  const urls = await Promise.all(
    Array.from({ length: CUSTOMERS }, async (_, i) => `${server.url.replace('http', 'ws')}/v1/stream?token=${await customerToken(`${run}-c${i}`)}`),
  );
  await ask({ type: 'connect', urls }, 'connected');
  const headers = { 'content-type': 'application/json', 'x-app-key': 'bench', authorization: `Bearer ${await accessToken(server.url)}` };
  const pool = new Pool(server.url, { connections: 64, pipelining: 1 });
  const push = async (tag: string, r: number, s: number) => {
    await ask({ type: 'step', tag }, 'ready');
    const pushes = Math.round((r / PER_PUSH) * s);
    const interval = 1000 / (r / PER_PUSH);
    const answers: Promise<unknown>[] = [];
    const start = performance.now();
    let k = 0;
    for (let sent = 0; sent < pushes; ) {
      const due = Math.min(pushes, Math.floor((performance.now() - start) / interval) + 1);
      for (; sent < due; sent++) {
        const now = performance.timeOrigin + performance.now();
        let messages = '';
        for (let m = 0; m < PER_PUSH; m++, k++) {
          messages += (m ? ',' : '') + `{"channel":"WEB","from":"bench","to":"${run}-c${k % CUSTOMERS}","controlType":"CHAT","sourceType":"AGENT","mediaType":"TEXT","timestamp":${Math.floor(now)},"content":"${tag}-${k} ${now.toFixed(3)}","messageCode":null}`;
        }
        const body = `{"messages":[${messages}],"timestamp":${Math.floor(now)}}`;
        answers.push(pool.request({ path: '/apiaccess/ccmessaging/pushMsg', method: 'POST', headers, body }).then((res) => res.body.text()));
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await Promise.all(answers);
    const expected = pushes * PER_PUSH;
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline && (await ask({ type: 'count' }, 'count')).received! < expected) await new Promise((r) => setTimeout(r, 50));
    return { expected, ...(await ask({ type: 'report' }, 'report')) };
  };
  await push('warm', 2000, 2);
  const before = threadCpu(server.process.pid!);
  const t0 = process.hrtime.bigint();
  const result = await push('measured', rate, seconds);
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const after = threadCpu(server.process.pid!);
  const delta = new Map([...after].map(([name, ms]) => [name, ms - (before.get(name) ?? 0)]));
  const total = [...delta].filter(([name]) => name !== 'main:system').reduce((a, [, ms]) => a + ms, 0);
  const main = delta.get('main') ?? 0;
  const perMsg = (ms: number) => round((ms * 1000) / result.received!, 1);
  process.stdout.write(
    JSON.stringify({
      rate, seconds, ...result, wallMs: Math.round(wallMs),
      cpuMs: Object.fromEntries([...delta].filter(([, ms]) => ms > 0)),
      window: [Number(t0 / 1000n), Number(t0 / 1000n) + Math.round(wallMs * 1000)],
      mainUsPerMessage: perMsg(main), mainSystemUsPerMessage: perMsg(delta.get('main:system') ?? 0), allThreadsUsPerMessage: perMsg(total),
      load: readFileSync('/proc/loadavg', 'utf8').trim(),
    }) + '\n',
  );
  await pool.close();
} finally {
  child.send({ type: 'close' });
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
