// Containers for the system tests, with Debian's podman as root: how podman must be run on this kind of machine,
// and stand-ins for the registry images the Dockerfile and compose.yaml name, since no registry is reachable
// here. Each stand-in is a Debian bookworm root file system made by mmdebstrap (--variant=minbase) from Debian's
// mirror, with this machine's Node 20 and npm copied in for the node images, imported under the official name.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end without blocking the event loop (servers of the test keep answering meanwhile). */
export function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const CONF_DIR = mkdtempSync(join(tmpdir(), 'aicc-podman-'));
const CONTAINERS_CONF = join(CONF_DIR, 'containers.conf');
// Without it the container fails to start on this machine: podman asks for rlimits the sandbox refuses.
writeFileSync(CONTAINERS_CONF, '[containers]\ndefault_ulimits = []\n');

/**
 * podman as it runs here: runc (crun fails on this kernel's cgroups) and cgroupfs (no systemd). Podman's
 * own health-check timers need systemd too, so tests run `podman healthcheck run` themselves.
 */
export function podman(args: string[]): Promise<Run> {
  return run('podman', ['--runtime', 'runc', '--cgroup-manager=cgroupfs', ...args], { env: { ...process.env, CONTAINERS_CONF } });
}

/** podman that must succeed: its output, or an error that quotes what it said. */
export async function podmanOk(args: string[]): Promise<string> {
  const result = await podman(args);
  if (result.status !== 0) {
    throw new Error(`podman ${args.join(' ')} exited ${result.status}:\n${(result.stderr + result.stdout).slice(-4000)}`);
  }
  return result.stdout.trim();
}

export function removeContainersConf(): void {
  rmSync(CONF_DIR, { recursive: true, force: true });
}

/**
 * Fails (never skips) when this machine cannot run containers: `npm test` installs podman, runc and mmdebstrap
 * (scripts/install-test-deps.sh), so a failure here is the machine's to fix, and says what to fix.
 */
export async function assertContainersRun(): Promise<void> {
  for (const tool of ['podman', 'runc', 'mmdebstrap']) {
    const found = await run('sh', ['-c', `command -v ${tool}`]).catch(() => ({ status: 1 }) as Run);
    if (found.status !== 0) throw new Error(`${tool} is missing: run scripts/install-test-deps.sh (as root), or apt-get install -y podman runc mmdebstrap`);
  }
  if (process.getuid?.() !== 0) throw new Error('the container tests run podman and mmdebstrap as root (the way CI runs them)');
  const info = await podman(['info', '--format', '{{.Host.OCIRuntime.Name}}']);
  if (info.status !== 0) throw new Error(`podman cannot run here: ${info.stderr}`);
}

interface StandIn {
  packages: string[];
  /** Shell run by mmdebstrap on the new root file system ("$1"), outside it. */
  hook: string;
  /** `podman import --change` instructions: what the official image's configuration says. */
  changes: string[];
}

const PATH = 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** This machine's Node and npm, laid out as the official node images have them (and their user `node`, 1000). */
function nodeStandIn(packages: string[]): StandIn {
  const nodeBin = process.execPath;
  const headers = join(dirname(nodeBin), '..', 'include', 'node');
  const npmDir = dirname(dirname(realpathSync(join(dirname(nodeBin), 'npm'))));
  if (!existsSync(join(headers, 'node.h'))) throw new Error(`no Node headers at ${headers}: node-gyp would need to download them`);
  // The certificates this machine's npm and Node trust (an intercepting proxy's CA among them), at the same paths.
  const caFiles = [...new Set([process.env.NODE_EXTRA_CA_CERTS, process.env.SSL_CERT_FILE].filter((f): f is string => !!f))];
  return {
    packages,
    hook: [
      'set -e; R="$1"',
      'mkdir -p "$R/usr/local/bin" "$R/usr/local/lib/node_modules" "$R/usr/local/include" "$R/home/node"',
      `cp ${nodeBin} "$R/usr/local/bin/node"`,
      `cp -a ${npmDir} "$R/usr/local/lib/node_modules/npm"`,
      'ln -s ../lib/node_modules/npm/bin/npm-cli.js "$R/usr/local/bin/npm"',
      'ln -s ../lib/node_modules/npm/bin/npx-cli.js "$R/usr/local/bin/npx"',
      `cp -a ${headers} "$R/usr/local/include/node"`,
      ...caFiles.map((file) => `install -D -m 644 ${file} "$R${file}"`),
      'echo "node:x:1000:1000::/home/node:/bin/bash" >> "$R/etc/passwd"',
      'echo "node:x:1000:" >> "$R/etc/group"',
      'chown 1000:1000 "$R/home/node"',
    ].join('\n'),
    changes: [
      PATH,
      `ENV NODE_VERSION=${process.versions.node}`,
      // What ~/.npmrc's nodedir does on this machine: node-gyp builds against the headers beside node.
      'ENV npm_config_nodedir=/usr/local',
      ...(process.env.NODE_EXTRA_CA_CERTS ? [`ENV NODE_EXTRA_CA_CERTS=${process.env.NODE_EXTRA_CA_CERTS}`] : []),
      ...(process.env.SSL_CERT_FILE ? [`ENV SSL_CERT_FILE=${process.env.SSL_CERT_FILE}`] : []),
      'CMD ["node"]',
    ],
  };
}

const STAND_INS: Record<string, () => StandIn> = {
  'docker.io/library/node:20-bookworm-slim': () => nodeStandIn([]),
  // The full image is buildpack-deps: what matters here is the compiler for native addons.
  'docker.io/library/node:20-bookworm': () => nodeStandIn(['python3', 'make', 'g++']),
  // The official image runs redis-server as `redis` in /data, where the append-only file goes.
  'docker.io/library/redis:7': () => ({
    packages: ['redis-server'],
    hook: 'set -e; mkdir -p "$1/data"; chroot "$1" chown redis:redis /data',
    changes: [PATH, 'WORKDIR /data', 'USER redis', 'EXPOSE 6379', 'CMD ["redis-server"]'],
  }),
  // The official image: conf.d/*.conf inside http {}, no other site, logs to the container's output.
  'docker.io/library/nginx:stable': () => ({
    packages: ['nginx'],
    hook: [
      'set -e; R="$1"',
      'rm -f "$R/etc/nginx/sites-enabled/default"; mkdir -p "$R/etc/nginx/conf.d"',
      'ln -sf /dev/stdout "$R/var/log/nginx/access.log"; ln -sf /dev/stderr "$R/var/log/nginx/error.log"',
    ].join('\n'),
    changes: [PATH, 'EXPOSE 80', 'STOPSIGNAL SIGQUIT', 'CMD ["nginx", "-g", "daemon off;"]'],
  }),
};

const STAND_IN_LABEL = 'aicc-gateway.stand-in';

/**
 * Makes the stand-ins of `images` that are missing. One made earlier is kept while its recipe, this Node, this
 * npm and the trusted certificates are the same (its label holds their hash), so a second run costs nothing; an
 * image present without the label came from a registry and is used as it is.
 */
export async function ensureStandIns(images: string[], log: (line: string) => void = () => {}): Promise<void> {
  if (!process.version.startsWith('v20.')) throw new Error(`the stand-in node:20 images copy this machine's Node, which is ${process.version}`);
  for (const image of images) {
    const recipe = STAND_INS[image]?.();
    if (!recipe) throw new Error(`no stand-in recipe for ${image}`);
    const certificates = [process.env.NODE_EXTRA_CA_CERTS, process.env.SSL_CERT_FILE].filter((f): f is string => !!f).map((f) => readFileSync(f, 'utf8'));
    const key = createHash('sha256').update(JSON.stringify({ recipe, node: process.version, certificates })).digest('hex').slice(0, 16);
    const present = await podman(['image', 'inspect', '--format', `{{index .Labels "${STAND_IN_LABEL}"}}`, image]);
    const label = present.stdout.trim();
    if (present.status === 0 && (label === key || label === '' || label === '<no value>')) continue;
    const started = Date.now();
    const work = mkdtempSync(join(tmpdir(), 'aicc-standin-'));
    try {
      const tar = join(work, 'rootfs.tar');
      const made = await run('mmdebstrap', [
        '--variant=minbase', '--format=tar', '--quiet',
        ...(recipe.packages.length ? [`--include=${recipe.packages.join(',')}`] : []),
        `--customize-hook=${recipe.hook}`,
        'bookworm', tar, 'http://deb.debian.org/debian',
      ]);
      if (made.status !== 0) throw new Error(`mmdebstrap for ${image} failed:\n${(made.stderr + made.stdout).slice(-4000)}`);
      await podmanOk(['import', ...[...recipe.changes, `LABEL ${STAND_IN_LABEL}=${key}`].flatMap((c) => ['--change', c]), tar, image]);
      log(`stand-in ${image} made in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
}

/** `podman build` of a Dockerfile, in Docker's format (OCI drops HEALTHCHECK), with the host's network. */
export async function buildImage(context: string, tag: string, buildArgs: Record<string, string> = {}): Promise<void> {
  await podmanOk([
    'build', '--network', 'host', '--format', 'docker', '--tag', tag,
    ...Object.entries(buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
    context,
  ]);
}

/** Polls `podman healthcheck run` until the container is healthy: podman's own timers need systemd. */
export async function waitHealthy(container: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const check = await podman(['healthcheck', 'run', container]);
    if (check.status === 0) return;
    if (Date.now() > deadline) throw new Error(`${container} not healthy within ${timeoutMs / 1000} s: ${check.stdout}${check.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
