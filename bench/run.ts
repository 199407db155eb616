// `npm run bench`: every benchmark, each beside its baseline measured in the same run; prints one JSON document.
// BENCH_DURATION (seconds per throughput measurement, default 5) trades precision for time;
// BENCH_ONLY=throughput,delivery,redis runs only the parts named; BENCH_CPU_PROF=<dir> profiles the gateway.

import { cpus, totalmem } from 'node:os';
import { measureDelivery } from './deliveryLatency.js';
import { measurePushThroughput } from './pushThroughput.js';
import { measureRedisNodes } from './redisNodes.js';

const durationSeconds = Number(process.env.BENCH_DURATION ?? 5);
const only = new Set((process.env.BENCH_ONLY ?? 'throughput,delivery,redis').split(','));
const started = Date.now();

const report: Record<string, unknown> = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  durationSecondsPerMeasurement: durationSeconds,
};
if (only.has('throughput')) report.pushMsgThroughput = await measurePushThroughput({ durationSeconds });
if (only.has('delivery')) report.delivery = await measureDelivery({ stepSeconds: Math.min(3, durationSeconds) });
if (only.has('redis')) report.redisNodes = await measureRedisNodes({ durationSeconds });
report.benchSeconds = Math.round((Date.now() - started) / 1000);
process.stdout.write(JSON.stringify(report, null, 2) + '\n');
