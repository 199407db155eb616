// The command line as one file: dist/main.js (over tsc's), with src/ and its dependencies bundled by esbuild, so a
// start reads and resolves a handful of files instead of some 700 (that, not running them, was most of a start:
// bench/startTime.ts). What only some commands or configurations need (demo, simulate, status, the Redis engine)
// stays in chunks beside it, loaded when asked for. The rest of dist/ (tsc's) is still the package's API.

import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/**
 * Loaded from node_modules as they are: better-sqlite3 (its native addon), ws's optional native helpers and
 * ioredis (its error paths use __dirname, and on SQLite it is never loaded).
 */
const EXTERNAL = ['better-sqlite3', 'bufferutil', 'utf-8-validate', 'ioredis'];
const SWAGGER_UI = '/node_modules/@fastify/swagger-ui/';

/**
 * Each module's import.meta.url as tsc's output of it would have (dist/x/y.js), so that what it finds beside itself
 * (the writer thread's script, the operator page's assets, the widget's folder) and "am I the main module" checks
 * keep their meaning inside the bundle, whose own URL is dist/main.js (chunks sit beside it).
 */
const ownUrl: Plugin = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const contents = readFileSync(args.path, 'utf8');
      if (!args.path.startsWith(SRC) || !contents.includes('import.meta.url')) return undefined;
      const built = `./${relative(SRC, args.path).replace(/\.ts$/, '.js')}`;
      return { contents: contents.replaceAll('import.meta.url', `new URL(${JSON.stringify(built)}, import.meta.url).href`), loader: 'ts' };
    });
  },
};

/**
 * swagger-ui (/docs) serves its page's files from its own folder, found by __dirname: in the bundle, that is its
 * folder in node_modules, found at run time (the package is a dependency, installed beside dist/).
 */
const swaggerUiFolder: Plugin = {
  name: 'swagger-ui-folder',
  setup(b) {
    b.onLoad({ filter: /\/node_modules\/@fastify\/swagger-ui\/.*\.js$/ }, (args) => {
      const contents = readFileSync(args.path, 'utf8');
      if (!contents.includes('__dirname')) return undefined;
      const within = dirname(args.path.slice(args.path.lastIndexOf(SWAGGER_UI) + SWAGGER_UI.length));
      const folder = `require('node:path').join(require('node:path').dirname(require.resolve('@fastify/swagger-ui/package.json')), ${JSON.stringify(within)})`;
      return { contents: contents.replaceAll('__dirname', `(${folder})`), loader: 'js' };
    });
  },
};

/** Bundles src/main.ts into `outdir`/main.js (with its source map) and its lazily loaded chunks. */
export async function buildServer(outdir: string): Promise<{ files: number; bytes: number }> {
  const result = await build({
    entryPoints: { main: join(SRC, 'main.ts') },
    outdir,
    bundle: true,
    splitting: true,
    chunkNames: 'main-chunk-[hash]',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    // Maps to src/ and node_modules/ by path, as tsc's maps do (the sources themselves do not ship).
    sourcemap: true,
    sourcesContent: false,
    // Smaller to read and parse; the names are kept, for stack traces and the plugins that go by them.
    minifyWhitespace: true,
    minifySyntax: true,
    // The CommonJS dependencies call require() (for Node's own modules too): an ES module has none of its own.
    banner: { js: "import { createRequire as __aiccCreateRequire } from 'node:module'; const require = __aiccCreateRequire(import.meta.url);" },
    plugins: [ownUrl, swaggerUiFolder],
    metafile: true,
    logLevel: 'warning',
  });
  const scripts = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith('.js'));
  return { files: scripts.length, bytes: scripts.reduce((sum, [, output]) => sum + output.bytes, 0) };
}
