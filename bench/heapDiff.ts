// What each of N connections added to the heap, by kind of object: `node --import tsx bench/heapDiff.ts before
// after N` reads two V8 heap snapshots (bench/connectionMemory.ts with BENCH_HEAP_SNAPSHOTS writes them) and prints
// per connection the count and bytes (self size) each constructor (or closure, string, array …) grew by, largest
// first. It names what a stream holds, so a cut can aim at it; the totals are bench/connectionMemory.ts's.

import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

function tally(file: string): Map<string, { count: number; bytes: number }> {
  const heap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = heap.snapshot.meta.node_fields;
  const types = heap.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const byKind = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < heap.nodes.length; i += fields.length) {
    const type = types[heap.nodes[i + typeAt]!]!;
    // Strings and numbers by type only (their "name" is their value); objects and closures by their name.
    const name = type === 'object' || type === 'closure' || type === 'native' || type === 'hidden' || type === 'object shape' || type === 'array'
      ? heap.strings[heap.nodes[i + nameAt]!]!.slice(0, 60)
      : '';
    const kind = `${type}:${name}`;
    const entry = byKind.get(kind) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += heap.nodes[i + sizeAt]!;
    byKind.set(kind, entry);
  }
  return byKind;
}

const [beforeFile, afterFile, connections] = process.argv.slice(2);
if (!beforeFile || !afterFile || !connections) throw new Error('usage: heapDiff.ts before.heapsnapshot after.heapsnapshot connections');
const n = Number(connections);
const before = tally(beforeFile);
const after = tally(afterFile);
const rows = [...after].map(([kind, a]) => {
  const b = before.get(kind) ?? { count: 0, bytes: 0 };
  return { kind, perConnection: Math.round(((a.count - b.count) / n) * 100) / 100, bytes: Math.round((a.bytes - b.bytes) / n) };
});
rows.sort((x, y) => y.bytes - x.bytes);
const total = rows.reduce((sum, r) => sum + r.bytes, 0);
process.stdout.write(`bytes a connection (self sizes): ${total}\n`);
for (const r of rows.filter((r) => Math.abs(r.bytes) >= 8).slice(0, Number(process.env.HEAP_DIFF_ROWS ?? 60))) {
  process.stdout.write(`${String(r.bytes).padStart(6)} B  ${String(r.perConnection).padStart(6)} ×  ${r.kind}\n`);
}
