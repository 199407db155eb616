// Where the chat widget's bundle lives: dist/widget under the package root, made by the build (`npm run build`,
// or `npm run build:widget` alone), never at run time: the running gateway serves what the build made and needs
// neither esbuild nor the build's tools. `npm run dev` and `npm test` rebuild it first when the sources are newer.

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

/** Stops the start with a clear message when the build has not made the bundle. */
export function requireWidgetBundle(outdir: string): void {
  if (existsSync(join(outdir, 'widget.js'))) return;
  throw new Error(`the chat widget's bundle is missing from ${outdir}: run npm run build (or npm run build:widget)`);
}
