// What one reconnect costs the node: N customers (BENCH_STORM_CPU_CUSTOMERS, default 2,000) on the compiled SDK
// reconnect to a node restarted after kill -9 and after SIGTERM (bench/storm.ts), with nothing pushed until every
// one is back, and the node's CPU time from listening until then is divided by the streams it accepted. CPU time,
// not a rate: on a machine shared with others' work a rate mostly measures them. BENCH_CPU_PROF=<dir> writes a
// V8 CPU profile of each node (the restarted one's covers its start, the storm and the pushes after it).
// Run `npm run build` first: the node runs as deployed, `node dist/main.js`. The customers' CPU per accept is
// reported too (customersCpuUsPerAccept); BENCH_STORM_SDK=<a build's dist/client/index.js> runs another SDK, and
// BENCH_CUSTOMER_CPU_PROF=<dir> profiles the customers' process.

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { measureStorm } from './storm.js';

const customers = Number(process.env.BENCH_STORM_CPU_CUSTOMERS ?? 2000);
const result = await measureStorm({
  customers,
  perProcess: customers,
  pushAtRestart: 'back',
  env: gatewaySettings(),
  ...(process.env.BENCH_CPU_PROF ? { profileDir: join(process.env.BENCH_CPU_PROF, 'stormCpu') } : {}),
  ...(process.env.BENCH_CUSTOMER_CPU_PROF ? { customersProfileDir: process.env.BENCH_CUSTOMER_CPU_PROF } : {}),
  ...(process.env.BENCH_STORM_SDK ? { sdk: pathToFileURL(process.env.BENCH_STORM_SDK).href } : {}),
});
process.stdout.write(JSON.stringify(result, null, 2) + '\n');

/**
 * The node's settings to compare: BENCH_STORM_GATEWAY_ENV=`LISTEN_BACKLOG=4096,RECONNECT_WINDOW_MS=2000`, and
 * BENCH_GATEWAY_NODE_OPTIONS for V8 or Node flags of the node alone (GC settings, say).
 */
function gatewaySettings(): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const pair of (process.env.BENCH_STORM_GATEWAY_ENV ?? '').split(',').filter(Boolean)) {
    const [name, ...value] = pair.split('=');
    settings[name!] = value.join('=');
  }
  if (process.env.BENCH_GATEWAY_NODE_OPTIONS) settings.NODE_OPTIONS = process.env.BENCH_GATEWAY_NODE_OPTIONS;
  return settings;
}
