// Builds the chat widget into dist/widget: widget.js (one minified IIFE with the SDK inside), widget.css, and the
// demo page (index.html, demo.css). `npm run build:widget` prints the sizes; `npm run build` calls it; with
// `--if-stale` (`npm run dev`, `npm test`) it builds only when a source is newer than the bundle.

import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { version, WIDGET_BUNDLE_DIR } from '../src/delivery/widgetBundle.js';

const HERE = fileURLToPath(new URL('../src/widget/', import.meta.url));
export const WIDGET_SOURCES = [HERE, fileURLToPath(new URL('../src/client/', import.meta.url))];
export const DEFAULT_OUTDIR = WIDGET_BUNDLE_DIR;
export { version };

/** What the widget runs in: browsers from 2022 on (private class members, optional chaining, no transpiling). */
const TARGET = ['chrome100', 'edge100', 'firefox100', 'safari15.4'];

export interface BuiltFile {
  bytes: number;
  gzipBytes: number;
}

export interface BuiltWidget {
  outdir: string;
  js: BuiltFile;
  css: BuiltFile;
}

export async function buildWidget(outdir: string = DEFAULT_OUTDIR): Promise<BuiltWidget> {
  const css = await build({
    entryPoints: [join(HERE, 'widget.css')],
    bundle: true,
    minify: true,
    write: false,
    outfile: 'widget.css',
    target: TARGET,
    logLevel: 'warning',
  });
  const cssBytes = css.outputFiles[0]!.contents;
  const js = await build({
    entryPoints: [join(HERE, 'index.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: TARGET,
    minify: true,
    write: false,
    outfile: 'widget.js',
    legalComments: 'none',
    define: { __WIDGET_CSS_VERSION__: JSON.stringify(version(cssBytes)) },
    logLevel: 'warning',
  });
  const jsBytes = js.outputFiles[0]!.contents;
  const demoCss = readFileSync(join(HERE, 'demo.css'));
  const demo = readFileSync(join(HERE, 'demo.html'), 'utf8')
    .replace('__DEMO_CSS_VERSION__', version(demoCss))
    .replace('__WIDGET_JS_VERSION__', version(jsBytes));

  mkdirSync(outdir, { recursive: true });
  // widget.js last: its time stamp is what says the build is complete (see isStale).
  writeAtomically(join(outdir, 'widget.css'), cssBytes);
  writeAtomically(join(outdir, 'demo.css'), demoCss);
  writeAtomically(join(outdir, 'index.html'), Buffer.from(demo));
  writeAtomically(join(outdir, 'widget.js'), jsBytes);
  return { outdir, js: sizes(jsBytes), css: sizes(cssBytes) };
}

/** True when widget.js is missing or older than any source file of the widget or the SDK. */
export function isStale(outdir: string = DEFAULT_OUTDIR): boolean {
  let built: number;
  try {
    built = statSync(join(outdir, 'widget.js')).mtimeMs;
  } catch {
    return true;
  }
  return WIDGET_SOURCES.some((dir) => newestIn(dir) > built);
}

function newestIn(dir: string): number {
  let newest = 0;
  try {
    for (const name of readdirSync(dir)) {
      if (!/\.(ts|css|html)$/.test(name)) continue;
      newest = Math.max(newest, statSync(join(dir, name)).mtimeMs);
    }
  } catch {
    // No sources here (an install without src/): the built files are all there is.
  }
  return newest;
}

/** Two gateways starting at once may both build: each writes a whole file under a temporary name, then renames. */
function writeAtomically(path: string, bytes: Uint8Array): void {
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(temporary, bytes);
  renameSync(temporary, path);
}


function sizes(bytes: Uint8Array): BuiltFile {
  return { bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes('--if-stale') && !isStale()) process.exit(0);
  const built = await buildWidget();
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(`${relative(process.cwd(), join(built.outdir, 'widget.js'))}: ${kib(built.js.bytes)} (${kib(built.js.gzipBytes)} gzipped)`);
  console.log(`${relative(process.cwd(), join(built.outdir, 'widget.css'))}: ${kib(built.css.bytes)} (${kib(built.css.gzipBytes)} gzipped)`);
}
