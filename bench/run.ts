// `npm run bench`: every benchmark, each beside its baseline measured in the same run; prints one JSON document.
// BENCH_DURATION (seconds per measurement, default 10) trades precision for time.

import { cpus } from 'node:os';
import { measureDelivery } from './deliveryLatency.js';
import { measurePushThroughput } from './pushThroughput.js';
import { measureRedisNodes } from './redisNodes.js';
import { measureCapacity } from './capacity.js';

const durationSeconds = Number(process.env.BENCH_DURATION ?? 10);

const report = {
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version },
  durationSecondsPerMeasurement: durationSeconds,
  pushMsgThroughput: await measurePushThroughput({ durationSeconds }),
  delivery: await measureDelivery({ durationSeconds }),
  redisNodes: await measureRedisNodes({ durationSeconds }),
  capacity: await measureCapacity({ durationSeconds }),
};
process.stdout.write(JSON.stringify(report, null, 2) + '\n');
