// The package as a site and an operator get it: `npm run build` into a fresh folder (tsc with source maps and
// .d.ts, the operator page's assets, the widget's and the SDK's bundles), installed into a temporary project the
// way npm would lay it out. The site type-checks `import { createClient } from 'aicc-gateway/client'` and runs it
// against a real gateway; `npx aicc-gateway --help` lists the commands; the built gateway runs on plain node.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { baseEnv, customerToken, startGateway, tempDir, type InProcessGateway } from '../support/gateway.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

let site: string;
let pkg: string;

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 300_000 });
  return { status: result.status, out: `${result.stdout}${result.stderr}`, stdout: result.stdout };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

before(() => {
  site = tempDir('aicc-site-');
  pkg = join(site, 'node_modules', 'aicc-gateway');
  mkdirSync(pkg, { recursive: true });
  const build = run('npm', ['run', '--silent', 'build', '--', '--outdir', join(pkg, 'dist')], ROOT);
  assert.equal(build.status, 0, build.out);
  // What npm puts in place on install: the package's files, its dependencies, and the bin link (executable).
  for (const file of ['package.json', 'README.md']) copyFileSync(join(ROOT, file), join(pkg, file));
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  mkdirSync(join(site, 'node_modules', '.bin'));
  for (const [name, target] of Object.entries(manifest.bin)) {
    symlinkSync(join('..', 'aicc-gateway', target), join(site, 'node_modules', '.bin', name));
    chmodSync(join(pkg, target), 0o755);
  }
  // The site's own dependency on ws (the SDK takes a WebSocket class in Node).
  symlinkSync(join(ROOT, 'node_modules', 'ws'), join(site, 'node_modules', 'ws'), 'dir');
  writeFileSync(join(site, 'package.json'), JSON.stringify({ name: 'a-site', private: true, type: 'module' }));
  writeFileSync(
    join(site, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true,
        lib: ['ES2022', 'DOM'], types: [], skipLibCheck: false,
      },
      files: ['site.ts'],
    }),
  );
});

after(() => {
  if (site) rmSync(site, { recursive: true, force: true });
});

describe('the built package', () => {
  it('holds compiled JavaScript with source maps and declarations, and no TypeScript source', () => {
    const files = filesUnder(join(pkg, 'dist'));
    assert.ok(files.some((f) => f.endsWith('/main.js')));
    assert.ok(files.some((f) => f.endsWith('/main.js.map')));
    assert.ok(files.some((f) => f.endsWith('/client/index.d.ts')));
    assert.deepEqual(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), []);
    const imports = files.filter((f) => f.endsWith('.js')).filter((f) => /from ['"](tsx|typescript|esbuild)['"]|import\(['"](tsx|typescript)['"]\)/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(imports.filter((f) => !/\/(tools|widget\/build|client\/build)/.test(f)), [], 'nothing at run time imports tsx, TypeScript or esbuild');
  });

  it("type-checks a site's `import { createClient } from 'aicc-gateway/client'`, and refuses a wrong use", () => {
    writeFileSync(
      join(site, 'site.ts'),
      [
        "import { createClient, type ClientOptions, type MessageEntry } from 'aicc-gateway/client';",
        "const options: ClientOptions = { url: 'https://chat.example.com', getToken: async () => 'token' };",
        'const client = createClient(options);',
        "client.on('message', (entry: MessageEntry) => { const seq: number = entry.seq; console.log(seq); });",
        "void client.send({ kind: 'text', text: 'Hello' });",
        'client.close();',
        '',
      ].join('\n'),
    );
    const good = run(process.execPath, [TSC, '-p', site], site);
    assert.equal(good.status, 0, good.out);

    writeFileSync(join(site, 'site.ts'), "import { createClient } from 'aicc-gateway/client';\ncreateClient({ url: 42 });\n");
    const bad = run(process.execPath, [TSC, '-p', site], site);
    assert.notEqual(bad.status, 0);
    assert.match(bad.out, /site\.ts\(2,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/);
  });

  it('runs the SDK from the package against a real gateway', async () => {
    const gw: InProcessGateway = await startGateway();
    try {
      const token = await customerToken('site-customer');
      writeFileSync(
        join(site, 'receive.mjs'),
        [
          "import WebSocket from 'ws';",
          "import { createClient } from 'aicc-gateway/client';",
          `const client = createClient({ url: ${JSON.stringify(gw.url)}, token: ${JSON.stringify(token)}, WebSocket });`,
          "client.on('state', () => console.log('connected'));",
          "client.on('message', ({ seq, message }) => { console.log(`seq ${seq} ${message.content}`); client.close(); });",
          '',
        ].join('\n'),
      );
      const child = spawn(process.execPath, ['receive.mjs'], { cwd: site, stdio: ['ignore', 'pipe', 'pipe'] });
      const lines = createInterface({ input: child.stdout! });
      const seen: string[] = [];
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      for await (const line of lines) {
        seen.push(line);
        if (line === 'connected' && seen.filter((l) => l === 'connected').length === 1) {
          assert.equal((await gw.push(pushBody([downLinkMsg({ to: 'site-customer', content: 'from AICC' })]))).status, 200);
        }
        if (line.startsWith('seq ')) break;
      }
      assert.ok(seen.includes('seq 1 from AICC'), seen.join('\n'));
      child.kill();
      await exited;
    } finally {
      await gw.close();
    }
  });

  it('answers `npx aicc-gateway --help` with the commands and every configuration variable', () => {
    const help = run('npx', ['--no-install', 'aicc-gateway', '--help'], site);
    assert.equal(help.status, 0, help.out);
    for (const command of ['start', 'demo', 'simulate', 'status']) assert.match(help.stdout, new RegExp(`^  ${command} `, 'm'));
    for (const variable of ['PORT', 'DATA_DIR', 'AICC_APPS', 'REDIS_URL', 'OPS_TOKEN', 'METRICS_TOKEN', 'LOG_FORMAT']) {
      assert.match(help.stdout, new RegExp(`^    ${variable} `, 'm'));
    }
    const wrong = run('npx', ['--no-install', 'aicc-gateway', 'launch'], site);
    assert.equal(wrong.status, 2);
    assert.match(wrong.out, /no command "launch"/);
  });

  it('starts on plain node from dist/ (no loader): ready, the widget bundle and the operator page served', async () => {
    const env = { ...baseEnv(tempDir()), OPS_TOKEN: 'ops-token-of-the-package-test', LOG_LEVEL: 'info', NODE_OPTIONS: '' };
    const child = spawn(process.execPath, [join(site, 'node_modules', '.bin', 'aicc-gateway'), 'start'], { cwd: site, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      let url = '';
      for await (const line of createInterface({ input: child.stdout! })) {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'gateway listening') {
          url = entry.url!;
          break;
        }
      }
      assert.ok(url, `the gateway did not listen: ${stderr}`);
      assert.equal((await fetch(`${url}/readyz`)).status, 200);
      const widget = await fetch(`${url}/widget.js`);
      assert.equal(widget.status, 200);
      assert.ok((await widget.text()).length > 10_000);
      assert.equal((await fetch(`${url}/ops/ops.js`)).status, 200);
      assert.equal((await fetch(`${url}/ops`, { headers: { authorization: 'Bearer ops-token-of-the-package-test' } })).status, 200);
      const widgetDir = filesUnder(join(pkg, 'dist')).find((f) => f.endsWith('/widget.js'))!;
      assert.ok(statSync(widgetDir).size > 10_000);
    } finally {
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
    }
  });
});
