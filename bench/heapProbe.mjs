// Loaded into a gateway by bench/connectionMemory.ts (NODE_OPTIONS="--expose-gc --import …/heapProbe.mjs"), never
// in production: on SIGUSR2 it collects garbage twice and writes process.memoryUsage() to the file named by
// HEAP_PROBE_FILE, so the bench reads what the node holds rather than what V8 has reserved (RSS). With
// HEAP_PROBE_SNAPSHOTS (a folder) it also writes a heap snapshot there each time (bench/heapDiff.ts compares two).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';

let snapshots = 0;
process.on('SIGUSR2', () => {
  globalThis.gc?.();
  globalThis.gc?.();
  if (process.env.HEAP_PROBE_SNAPSHOTS) writeHeapSnapshot(join(process.env.HEAP_PROBE_SNAPSHOTS, `${snapshots++}.heapsnapshot`));
  writeFileSync(process.env.HEAP_PROBE_FILE, JSON.stringify(process.memoryUsage()));
});
