#!/usr/bin/env node
// The layering rules of src/, checked from the imports themselves (npm test runs it first):
//   1. no folder imports a folder that imports it (a file directly in src/ counts as a folder of its own);
//   2. no circle of files;
//   3. src/errors.ts, the ground floor, imports nothing;
//   4. nothing under src/ imports tools/ (the build), nor anything outside src/.
// `node scripts/check-imports.mjs` prints what breaks a rule and exits 1, or prints a one-line summary.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
// Static imports and exports, `import type` included: a type-only arrow still ties two parts together.
const IMPORT = /^\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;

function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js|mjs)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The folder a file belongs to: its first folder under src/, or the file itself when it sits in src/. */
function folderOf(file) {
  const [first, ...rest] = relative(SRC, file).split(sep);
  return rest.length === 0 ? first : `${first}/`;
}

function resolveImport(from, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  const target = resolve(dirname(from), specifier);
  return target.endsWith('.js') ? target.replace(/\.js$/, '.ts') : target;
}

const files = sourceFiles(SRC);
const known = new Set(files);
const problems = [];
const edges = new Map(files.map((f) => [f, new Set()]));

for (const file of files) {
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2] ?? match[3];
    const target = resolveImport(file, specifier);
    if (!target) continue;
    const shown = relative(ROOT, file);
    if (!target.startsWith(SRC + sep)) {
      problems.push(`${shown} imports ${specifier}, outside src/ (the running gateway must not reach into the build or the tests)`);
      continue;
    }
    if (known.has(target)) edges.get(file).add(target);
    else if (known.has(target.replace(/\.ts$/, '.js'))) edges.get(file).add(target.replace(/\.ts$/, '.js'));
  }
}

const errorsFile = join(SRC, 'errors.ts');
if (edges.get(errorsFile)?.size) problems.push(`src/errors.ts imports ${[...edges.get(errorsFile)].map((f) => relative(ROOT, f)).join(', ')}: the ground floor imports nothing`);

// Rule 1: two-way pairs of folders, each with one file-to-file arrow as the example.
const folderEdges = new Map();
for (const [from, targets] of edges) {
  for (const to of targets) {
    const a = folderOf(from);
    const b = folderOf(to);
    if (a === b) continue;
    const key = `${a}\u0000${b}`;
    if (!folderEdges.has(key)) folderEdges.set(key, `${relative(ROOT, from)} -> ${relative(ROOT, to)}`);
  }
}
for (const [key, example] of folderEdges) {
  const [a, b] = key.split('\u0000');
  if (a < b && folderEdges.has(`${b}\u0000${a}`)) {
    problems.push(`${a} and ${b} import each other: ${example}, and ${folderEdges.get(`${b}\u0000${a}`)}`);
  }
}

// Rule 2: circles of files (Tarjan's strongly connected components).
let index = 0;
const stack = [];
const state = new Map();
function visit(file) {
  const mine = { index, low: index, onStack: true };
  index++;
  state.set(file, mine);
  stack.push(file);
  for (const next of edges.get(file)) {
    const seen = state.get(next);
    if (!seen) {
      visit(next);
      mine.low = Math.min(mine.low, state.get(next).low);
    } else if (seen.onStack) mine.low = Math.min(mine.low, seen.index);
  }
  if (mine.low !== mine.index) return;
  const circle = [];
  for (let member; member !== file; ) {
    member = stack.pop();
    state.get(member).onStack = false;
    circle.push(relative(ROOT, member));
  }
  if (circle.length > 1) problems.push(`a circle of files: ${circle.reverse().join(' -> ')}`);
}
for (const file of files) if (!state.has(file)) visit(file);

if (problems.length > 0) {
  console.error(`check-imports: ${problems.length} problem(s) in the layering of src/`);
  for (const problem of problems) console.error(`  - ${problem}`);
  process.exit(1);
}
const folders = new Set(files.map(folderOf));
console.log(`check-imports: ${files.length} files in ${folders.size} folders, no two-way folder pair, no circle of files, errors.ts imports nothing`);
