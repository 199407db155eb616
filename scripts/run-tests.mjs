#!/usr/bin/env node
// Runs the tests by tier (test/README.md): `fast` (every part's own tests, two files at a time: they share the
// machine well), `system` and `browser` (Redis topologies, kill loops, child processes, Prometheus, the package,
// Chromium: one file at a time, since each wants the whole machine), or `all` of them, fast first.
// `node scripts/run-tests.mjs [fast|system|browser|all] [file...]`. It rebuilds the widget bundle first when its
// sources are newer (the gateway serves dist/widget and never builds it), and ends with one line that counts
// every test of every tier run: `tests: N passed, N failed`.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TEST = join(ROOT, 'test');

/** Each tier: its folders under test/, and how many of its files run at once. */
const TIERS = {
  fast: { folders: ['unit', 'aicc', 'simulator', 'engine', 'ingest', 'delivery', 'uplink', 'client', 'ops', 'edge', 'hostile'], concurrency: 2 },
  system: { folders: ['system'], concurrency: 1 },
  browser: { folders: ['browser'], concurrency: 1 },
};

const [tierArg = 'all', ...only] = process.argv.slice(2);
const tiers = tierArg === 'all' ? ['fast', 'system', 'browser'] : [tierArg];
for (const tier of tiers) {
  if (!(tier in TIERS)) {
    console.error(`run-tests: unknown tier ${tier}; one of fast, system, browser, all`);
    process.exit(2);
  }
}

const built = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'tools/buildWidget.ts'), '--if-stale'], { stdio: 'inherit', cwd: ROOT });
if (built.status !== 0) process.exit(built.status ?? 1);

function filesOf(tier) {
  const files = TIERS[tier].folders.flatMap((folder) => {
    const dir = join(TEST, folder);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((name) => name.endsWith('.test.ts'))
      .sort()
      .map((name) => join(dir, name));
  });
  if (only.length === 0) return files;
  return files.filter((file) => only.some((wanted) => file.endsWith(wanted) || relative(ROOT, file) === wanted));
}

/** Runs one tier's files through node's test runner, passing its output on, and counts what its summary says. */
function run(tier, files) {
  return new Promise((resolve) => {
    const args = ['--import', 'tsx', '--test', `--test-concurrency=${TIERS[tier].concurrency}`, '--test-timeout=600000', ...files];
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const counts = { pass: 0, fail: 0, tests: 0 };
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      const text = tail + chunk.toString();
      const lines = text.split('\n');
      tail = lines.pop() ?? '';
      for (const line of lines) count(line, counts);
    });
    child.on('close', (code) => {
      count(tail, counts);
      resolve({ code: code ?? 1, counts });
    });
  });
}

/** Node's closing lines: `# tests N`, `# pass N`, `# fail N` (TAP), or `ℹ tests N` (spec, on a terminal). */
function count(line, counts) {
  const match = /^(?:#|ℹ) (tests|pass|fail) (\d+)$/.exec(line.trim());
  if (match) counts[match[1]] = Number(match[2]);
}

let passed = 0;
let failed = 0;
let exitCode = 0;
for (const tier of tiers) {
  const files = filesOf(tier);
  if (files.length === 0) continue;
  console.log(`# run-tests: ${tier} tier, ${files.length} files, ${TIERS[tier].concurrency} at a time`);
  const { code, counts } = await run(tier, files);
  passed += counts.pass;
  failed += counts.fail;
  if (code !== 0) exitCode = code;
  if (counts.tests === 0) {
    console.error(`run-tests: the ${tier} tier ran no test`);
    exitCode ||= 1;
  }
}
if (passed + failed === 0) {
  console.error('run-tests: no test ran');
  process.exit(1);
}
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(exitCode);
