// What a connected customer costs the node in memory it holds: `node --import tsx bench/connectionMemory.ts [root]`
// starts the gateway of `root` (default this checkout; run `npm run build` there first) on an empty store, opens
// 1,000 streams (a warm-up: the node's heap grows to its working size), then 4,000 more, and reports per stream
// the growth of the JavaScript heap in use plus external and array-buffer memory, each read after two full
// garbage collections (bench/heapProbe.mjs), beside the growth of RSS. RSS also counts what V8 reserved and has not
// given back, so it depends on how big the heap was at start; the held memory does not. BENCH_HEAP_SNAPSHOTS=<dir>
// also writes a heap snapshot after the warm-up (1.heapsnapshot) and at the end (2.heapsnapshot):
// `node --import tsx bench/heapDiff.ts <dir>/1.heapsnapshot <dir>/2.heapsnapshot 4000` says what a stream holds.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { customerToken, gatewayEnv, startProcess } from './support.js';

const root = resolve(process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url)));
const WARM_UP = 1000;
const MEASURED = 4000;

const work = mkdtempSync(join(tmpdir(), 'aicc-connection-memory-'));
const probeFile = join(work, 'memory.json');
const probe = fileURLToPath(new URL('./heapProbe.mjs', import.meta.url));
const server = await startProcess(join(root, 'dist/main.js'), {
  ...gatewayEnv(join(work, 'data')),
  NODE_OPTIONS: `--expose-gc --import ${probe}`,
  HEAP_PROBE_FILE: probeFile,
  ...(process.env.BENCH_HEAP_SNAPSHOTS ? { HEAP_PROBE_SNAPSHOTS: resolve(process.env.BENCH_HEAP_SNAPSHOTS) } : {}),
});
const pid = server.process.pid!;
const sockets: WebSocket[] = [];

interface Reading {
  held: number;
  rss: number;
}

async function read(): Promise<Reading> {
  rmSync(probeFile, { force: true });
  server.process.kill('SIGUSR2');
  for (let tries = 0; ; tries++) {
    // A heap snapshot of a few thousand streams takes seconds to write.
    await new Promise((done) => setTimeout(done, 100));
    try {
      const usage = JSON.parse(readFileSync(probeFile, 'utf8')) as NodeJS.MemoryUsage;
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      return { held: usage.heapUsed + usage.external + usage.arrayBuffers, rss: Number(/VmRSS:\s+(\d+)/.exec(status)![1]) * 1024 };
    } catch (err) {
      if (tries > 600) throw err;
    }
  }
}

/** Opens `count` streams, 100 at a time, each waiting for its hello. */
async function open(prefix: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, count - i) }, async (_, k) => {
        const url = `${server.url.replace('http', 'ws')}/v1/stream?token=${await customerToken(`${prefix}-${i + k}`)}`;
        const socket = new WebSocket(url, { perMessageDeflate: false });
        sockets.push(socket);
        await new Promise<void>((done, fail) => {
          socket.once('message', () => done());
          socket.once('error', fail);
        });
      }),
    );
  }
}

const kb = (bytes: number, count: number) => Math.round((bytes / count / 1024) * 10) / 10;
try {
  const atStart = await read();
  await open('warm', WARM_UP);
  const warm = await read();
  await open('measured', MEASURED);
  const end = await read();
  process.stdout.write(
    JSON.stringify({
      root,
      startMB: { held: Math.round(atStart.held / 2 ** 20), rss: Math.round(atStart.rss / 2 ** 20) },
      perStreamKB: {
        held: kb(end.held - warm.held, MEASURED),
        rss: kb(end.rss - warm.rss, MEASURED),
        rssFromStart: kb(end.rss - atStart.rss, WARM_UP + MEASURED),
      },
    }) + '\n',
  );
} finally {
  for (const socket of sockets) socket.terminate();
  server.process.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}
