// `node --import tsx scripts/check-doc-snippets.ts`: the README's and docs/'s TypeScript examples (every ```ts
// block) type-checked against the built package, as a site that installed it would compile them: each block is
// a module importing `aicc-gateway/client` or `aicc-gateway/widget` through the package's own exports (so
// dist/ must be built). Exit 0 when every block compiles; otherwise tsc's errors, at the document's lines.
// What an example leaves to the reader's own code (a `render` function, the customer's id) is declared below.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The reader's own code that the examples call: declared, so that everything else in them is checked. */
const READERS_CODE = `
declare const customerId: string;
declare const token: string;
declare function render(message: import('aicc-gateway/client').DownLinkMsg): void;
declare function showBanner(phase: import('aicc-gateway/client').ConversationState['phase']): void;
declare function showTyping(): void;
declare function showQueue(position: number | null): void;
`;

export interface Snippet {
  /** The document, relative to the package root, and the line of the block's first line of code. */
  file: string;
  line: number;
  code: string;
}

/** Every ```ts block of the README and docs/*.md. */
export function snippets(root = ROOT): Snippet[] {
  const files = ['README.md', ...readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
  const found: Snippet[] = [];
  for (const file of files) {
    const lines = readFileSync(join(root, file), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (!/^```(ts|typescript)\s*$/.test(lines[i]!)) continue;
      const end = lines.findIndex((text, j) => j > i && text.startsWith('```'));
      if (end < 0) throw new Error(`${file}:${i + 1}: a \`\`\`ts block that never closes`);
      found.push({ file, line: i + 2, code: lines.slice(i + 1, end).join('\n') });
      i = end;
    }
  }
  return found;
}

/** Type-checks the snippets; answers tsc's output with each error placed at its document's line. */
export function checkSnippets(root = ROOT): { ok: boolean; count: number; output: string } {
  const found = snippets(root);
  // Inside the package, so that `aicc-gateway/...` resolves to the package itself (its exports, its dist/).
  const dir = join(root, `.doc-snippets-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  try {
    const names = found.map((snippet, n) => {
      const name = `snippet${n}.ts`;
      // `export {}`: each block is a module of its own (top-level await, no names shared between blocks).
      writeFileSync(join(dir, name), `${snippet.code}\nexport {};\n`);
      return name;
    });
    writeFileSync(join(dir, 'readers-code.d.ts'), READERS_CODE);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'], lib: ['ES2022', 'DOM'] },
        files: ['readers-code.d.ts', ...names],
      }),
    );
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const run = spawnSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], { encoding: 'utf8' });
    const output = `${run.stdout}${run.stderr}`.replace(/(?:^|(?<=\n))(?:[^\n]*[\\/])?snippet(\d+)\.ts\((\d+),(\d+)\)/g, (_, n: string, line: string, column: string) => {
      const snippet = found[Number(n)]!;
      return `${snippet.file}:${snippet.line + Number(line) - 1}:${column}`;
    });
    return { ok: run.status === 0, count: found.length, output: output.trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { ok, count, output } = checkSnippets();
  if (output) process.stderr.write(`${output}\n`);
  process.stdout.write(`${count} TypeScript examples in ${relative(process.cwd(), ROOT) || '.'}/README.md and docs/: ${ok ? 'all compile' : 'some do not compile'}\n`);
  process.exit(ok ? 0 : 1);
}
