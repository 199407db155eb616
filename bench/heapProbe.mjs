// Loaded into a gateway by bench/connectionMemory.ts (NODE_OPTIONS="--expose-gc --import …/heapProbe.mjs"), never
// in production: on SIGUSR2 it collects garbage twice and writes process.memoryUsage() to the file named by
// HEAP_PROBE_FILE, so the bench reads what the node holds rather than what V8 has reserved (RSS).
import { writeFileSync } from 'node:fs';

process.on('SIGUSR2', () => {
  globalThis.gc?.();
  globalThis.gc?.();
  writeFileSync(process.env.HEAP_PROBE_FILE, JSON.stringify(process.memoryUsage()));
});
