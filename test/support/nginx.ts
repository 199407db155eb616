// Debian's nginx for tests, run as a plain process (no daemon, no root) with its own prefix, temp dirs and error
// log in a temp dir, serving deploy/nginx/aicc-gateway.conf with only where it listens and where its nodes are
// changed: loopback and free ports instead of the example's addresses.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, tempDir } from './gateway.js';

export const NGINX = process.env.NGINX ?? '/usr/sbin/nginx';
export const NGINX_CONF = new URL('../../deploy/nginx/aicc-gateway.conf', import.meta.url).pathname;

export interface TestNginx {
  url: string;
  /** Its error log so far (refused upstreams and the like, at `warn`). */
  errors(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** The shipped file with its `listen` and its upstream `server` addresses replaced, in order, by these. */
export function localConf(conf: string, listenPort: number, nodePorts: number[]): string {
  const servers = [...conf.matchAll(/^\s*server \S+:\d+/gm)];
  if (servers.length !== nodePorts.length) throw new Error(`the conf names ${servers.length} nodes, the test has ${nodePorts.length}`);
  let i = 0;
  return conf
    .replace(/^(\s*server )\S+:\d+/gm, (_, head: string) => `${head}127.0.0.1:${nodePorts[i++]}`)
    .replace(/^(\s*listen )80;/m, (_, head: string) => `${head}127.0.0.1:${listenPort};`);
}

export async function startNginx(nodePorts: number[]): Promise<TestNginx> {
  const dir = tempDir('aicc-nginx-');
  const port = await freePort();
  writeFileSync(join(dir, 'aicc-gateway.conf'), localConf(readFileSync(NGINX_CONF, 'utf8'), port, nodePorts));
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `  ${kind}_temp_path ${join(dir, kind)};`).join('\n');
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      'daemon off;',
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'error.log')} warn;`,
      'events { worker_connections 16384; }',
      'http {',
      '  access_log off;',
      temp,
      `  include ${join(dir, 'aicc-gateway.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    running.delete(child);
    resolve();
  }));
  const url = `http://127.0.0.1:${port}`;
  // Ready once it answers (a 502 from a node not started yet is an answer too).
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}${readLog(dir)}`);
    const answered = await fetch(`${url}/healthz`).then(() => true, () => false);
    if (answered) break;
    if (Date.now() > deadline) throw new Error(`nginx did not answer within 10 s: ${stderr}${readLog(dir)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    errors: () => readLog(dir),
    async stop() {
      child.kill('SIGTERM'); // fast shutdown: a graceful one would wait for every open stream
      await exited;
    },
  };
}

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, 'error.log'), 'utf8');
  } catch {
    return '';
  }
}
