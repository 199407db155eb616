// Where the chat widget's bundle lives and how the gateway gets it: dist/widget under the package root, built by
// `npm run build` (tools/build.ts). Running from the sources (a TypeScript loader, as the tests and
// `npm run dev` do), the gateway rebuilds it when it is missing or older than the sources; running compiled, it
// serves what the build made, so nothing at run time needs esbuild or TypeScript.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WIDGET_BUNDLE_DIR = join(packageRoot(), 'dist', 'widget');

/** The first folder above this module with a package.json: the checkout, or the installed package. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** A file's version: its ETag, and the `?v=` that the demo page's links carry (so they may be cached for good). */
export function version(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 12);
}

/** What tools/buildWidget.ts offers; loaded only when running from the sources. */
interface WidgetBuilder {
  isStale(outdir: string): boolean;
  buildWidget(outdir: string): Promise<{ js: { bytes: number; gzipBytes: number } }>;
}

const FROM_SOURCES = import.meta.url.endsWith('.ts');
// A path tsc does not follow: the builder is a tool of the checkout, never part of the compiled package.
const BUILDER = '../../tools/buildWidget.js';

/** Makes sure `outdir` holds a current bundle; says what it built, or nothing. */
export async function ensureWidgetBundle(outdir: string): Promise<{ jsBytes: number; jsGzipBytes: number } | undefined> {
  if (!FROM_SOURCES) {
    if (existsSync(join(outdir, 'widget.js'))) return undefined;
    throw new Error(`the chat widget's bundle is missing from ${outdir}: run npm run build`);
  }
  const builder = (await import(BUILDER)) as WidgetBuilder;
  if (!builder.isStale(outdir)) return undefined;
  const built = await builder.buildWidget(outdir);
  return { jsBytes: built.js.bytes, jsGzipBytes: built.js.gzipBytes };
}
