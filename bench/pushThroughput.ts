// pushMsg throughput: pushes of 1 and of 20 messages, 50 connections with one push in flight each, sent by the
// load generator in its own process (bench/loadGenerator.ts) to the bare Fastify route and then to the gateway,
// the same kind of bodies to both, in the same run. The gateway is measured twice: on a fresh store, and on one
// that has lived (bench/prefilledStore.ts: ~1.5M messages), which is the figure the goals are judged on. Every
// body carries new messages, so the gateway stores each one durably (DURABILITY=full: fsync'd group commits);
// after the run each store is counted to show that every acknowledged message is in it. The bare route's figure
// is the generator's own ceiling.

import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { GeneratorOptions, GeneratorResult } from './loadGenerator.js';
import { PREFILLED, prefilledStore } from './prefilledStore.js';
import { accessToken, gatewayEnv, round, runJson, startProcess, type ServerProcess } from './support.js';

const ROOT = new URL('..', import.meta.url).pathname;
const CONNECTIONS = 50;
/** Below this the bare route is not the ceiling on this box: the load generator (or a busy machine) is. */
const CEILING_FLOOR = 35_000;
/** Bodies are built up front; this bounds the memory the generator holds for them. */
const BODY_BYTES_BUDGET = 400 * 1024 * 1024;
/** Generous upper estimates of pushes/s, to size the body pool (the bare route is the fastest of the two). */
const EXPECTED_PUSHES_PER_SECOND: Record<number, number> = { 1: 70_000, 20: 25_000 };
const MESSAGE_BYTES = 330;

export interface ThroughputOptions {
  durationSeconds: number;
}

export async function measurePushThroughput({ durationSeconds }: ThroughputOptions) {
  const dataDir = mkdtempSync(join(tmpdir(), 'aicc-bench-'));
  const livedDir = mkdtempSync(join(tmpdir(), 'aicc-bench-lived-'));
  const disk = measureFsync(dataDir);
  const prefill = prefilledStore(livedDir);
  const servers: ServerProcess[] = [];
  const started = async (dir: string, profile: string) => {
    const at = performance.now();
    const server = await startProcess(join(ROOT, 'dist/main.js'), gatewayEnv(dir), { profile });
    servers.push(server);
    return { server, startupMs: Math.round(performance.now() - at) };
  };
  const warnings: string[] = [];
  let acknowledged = 0;
  let acknowledgedLived = 0;
  try {
    const fresh = await started(dataDir, 'gateway-throughput');
    // From spawn to listening on a store of 1.5M messages: no head is read until its customer is written to.
    const lived = await started(livedDir, 'gateway-throughput-prefilled');
    const gateway = fresh.server;
    const bare = await startProcess(join(ROOT, 'bench/bareServer.ts'), {});
    servers.push(bare);
    const token = await accessToken(gateway.url);
    const headers = { 'x-app-key': 'bench', authorization: `Bearer ${token}` };
    const livedHeaders = { 'x-app-key': 'bench', authorization: `Bearer ${await accessToken(lived.server.url)}` };
    const results = [];
    for (const perPush of [1, 20]) {
      const base = await load(bare.url, headers, perPush, durationSeconds, `bare${perPush}`);
      const gw = await load(gateway.url, headers, perPush, durationSeconds, `gw${perPush}`);
      const gwLived = await load(lived.server.url, livedHeaders, perPush, durationSeconds, `lived${perPush}`);
      acknowledged += gw.acknowledgedMessages;
      acknowledgedLived += gwLived.acknowledgedMessages;
      if (perPush === 1 && base.pushesPerSecond < CEILING_FLOOR) {
        warnings.push(
          `the bare route did ${base.pushesPerSecond} req/s (< ${CEILING_FLOOR}): the load generator or a busy machine is the bound, not the server`,
        );
      }
      for (const [name, r] of [['bare route', base], ['gateway', gw], ['gateway, pre-filled store', gwLived]] as const) {
        if (r.refused + r.errors > 0) warnings.push(`${name}, ${perPush}/push: ${r.refused} refused, ${r.errors} failed`);
        if (r.bodiesRanOut) warnings.push(`${name}, ${perPush}/push: the prebuilt bodies ran out after ${r.seconds} s`);
      }
      results.push({
        messagesPerPush: perPush,
        connections: CONNECTIONS,
        gateway: gw,
        gatewayPrefilled: gwLived,
        bareFastify: base,
        ratioToBare: ratio(gw, base),
        prefilledRatioToBare: ratio(gwLived, base),
      });
    }
    await Promise.all([gateway.stop(), lived.server.stop()]);
    const stored = countStored(dataDir);
    if (stored !== acknowledged) warnings.push(`acknowledged ${acknowledged} messages but the store holds ${stored}`);
    const storedLived = countStored(livedDir) - PREFILLED.messages;
    if (storedLived !== acknowledgedLived) {
      warnings.push(`pre-filled store: acknowledged ${acknowledgedLived} messages but the store holds ${storedLived} more`);
    }
    return {
      ceilingPushesPerSecond: results[0]!.bareFastify.pushesPerSecond,
      disk: {
        ...disk,
        // Each of the 50 connections has one push in flight and every push waits for the commit it is in: at
        // most 50 pushes share one fsync, and commits (one fsync each) follow one another.
        durableBoundPushesPerSecond: Math.round((CONNECTIONS * 1000) / disk.fsyncP50Ms),
      },
      prefilledStore: { ...PREFILLED, ...prefill, startupMs: lived.startupMs, freshStartupMs: fresh.startupMs },
      results,
      store: { acknowledgedMessages: acknowledged, storedMessages: stored },
      prefilledStoreCount: { acknowledgedMessages: acknowledgedLived, storedMessages: storedLived },
      warnings,
    };
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(livedDir, { recursive: true, force: true });
  }
}

function ratio(gateway: GeneratorResult, bare: GeneratorResult) {
  return {
    throughput: round(gateway.pushesPerSecond / bare.pushesPerSecond, 3),
    p99Latency: round(gateway.p99Ms / Math.max(bare.p99Ms, 0.01), 2),
  };
}

function load(url: string, headers: Record<string, string>, perPush: number, durationSeconds: number, tag: string) {
  const warmupSeconds = 1;
  const wanted = EXPECTED_PUSHES_PER_SECOND[perPush]! * (durationSeconds + warmupSeconds);
  const options: GeneratorOptions = {
    url, headers, messagesPerPush: perPush, connections: CONNECTIONS, warmupSeconds, durationSeconds,
    maxBodies: Math.min(wanted, Math.floor(BODY_BYTES_BUDGET / (perPush * MESSAGE_BYTES))),
    tag: `${tag}-${Date.now()}`, customers: 500,
  };
  return runJson<GeneratorResult>(join(ROOT, 'bench/loadGenerator.ts'), [JSON.stringify(options)]);
}

/** What one commit's fsync costs on this disk: 200 appends of 16 KiB (a WAL frame run), each fdatasync'd. */
function measureFsync(dir: string) {
  const path = join(dir, 'fsync-probe');
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(16 * 1024, 1);
  const times: number[] = [];
  try {
    for (let i = 0; i < 200; i++) {
      const start = performance.now();
      writeSync(fd, block);
      fdatasyncSync(fd);
      times.push(performance.now() - start);
    }
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
  times.sort((a, b) => a - b);
  return { fsyncP50Ms: round(times[100]!, 2), fsyncP99Ms: round(times[198]!, 2) };
}

function countStored(dataDir: string): number {
  const db = new Database(join(dataDir, 'gateway.sqlite'), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
  } finally {
    db.close();
  }
}
