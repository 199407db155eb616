// `npm run build [-- --outdir dir]`: the package as it ships, in dist/ (or `dir`, which must be a package's
// dist/ folder): the gateway and the SDK compiled by tsc with source maps and declarations, the operator page's
// assets beside their module, the chat widget's bundle (dist/widget) and the SDK's one-file bundle
// (dist/client/aicc-gateway-client.js), and the command line bundled into dist/main.js. `npm ci` runs it (prepare).

import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildClient } from './buildClient.js';
import { buildServer } from './buildServer.js';
import { BUILD_SIZES, kib, type BuildSizes } from './buildSizes.js';
import { buildWidget } from './buildWidget.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { outdir: { type: 'string' } } });
const outdir = resolve(values.outdir ?? join(ROOT, 'dist'));

rmSync(outdir, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', outdir], { stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);
// The files that are not TypeScript but ship with their module: the operator page's script, styles and icon.
cpSync(join(ROOT, 'src', 'ops', 'assets'), join(outdir, 'ops', 'assets'), { recursive: true });
// The command line over tsc's main.js: one bundle that starts in about half the time (tools/buildServer.ts).
const server = await buildServer(outdir);
chmodSync(join(outdir, 'main.js'), 0o755);
const widget = await buildWidget(join(outdir, 'widget'));
const client = await buildClient(join(outdir, 'client', 'aicc-gateway-client.js'));

const shown = (path: string) => relative(process.cwd(), path) || '.';
// The figures the README quotes, as the build measured them (test/system/readmeFigures.test.ts compares).
const figures: BuildSizes = {
  'widget.js': { bytes: widget.js.bytes, gzipBytes: widget.js.gzipBytes },
  'widget.css': { bytes: widget.css.bytes, gzipBytes: widget.css.gzipBytes },
  'aicc-gateway-client.js': { bytes: client.bytes },
};
writeFileSync(join(outdir, BUILD_SIZES), `${JSON.stringify(figures, null, 2)}\n`);
console.log(
  `${shown(outdir)}: compiled (source maps, .d.ts), main.js bundled (${server.files} files, ${kib(server.bytes)}); widget.js ${kib(widget.js.bytes)} (${kib(widget.js.gzipBytes)} gzipped), ` +
    `widget.css ${kib(widget.css.bytes)} (${kib(widget.css.gzipBytes)} gzipped); SDK bundle ${kib(client.bytes)}`,
);
