// Bundles the SDK into one minified ESM file for browsers and Node: `npm run build:client` (tools/buildClient.ts).
// Exported as a function too, so that the tests build the bundle they import.

import { mkdirSync, statSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ENTRY = fileURLToPath(new URL('../src/client/index.ts', import.meta.url));
export const DEFAULT_OUTFILE = fileURLToPath(new URL('../dist/client/aicc-gateway-client.js', import.meta.url));

export interface BuiltClient {
  outfile: string;
  bytes: number;
}

export async function buildClient(outfile: string = DEFAULT_OUTFILE): Promise<BuiltClient> {
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    entryPoints: [ENTRY],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2020',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  return { outfile, bytes: statSync(outfile).size };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { outfile, bytes } = await buildClient();
  console.log(`${relative(process.cwd(), outfile)}: ${bytes} bytes (${(bytes / 1024).toFixed(1)} KiB)`);
}
