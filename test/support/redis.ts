// A real redis-server for tests: on a free loopback port, in a temp dir, with the append-only file fsync'd on
// every write (appendfsync always), as docs/deployment.md asks for production. It can be killed (SIGKILL) and
// started again on the same port and files, to prove that what Redis acknowledged survives. The Cluster and
// Sentinel setups (./redisTopologies.ts) are made of these.

import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { freePort, tempDir } from './gateway.js';

const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

export interface TestRedis {
  url: string;
  port: number;
  dir: string;
  /** SIGKILL: no shutdown, no final save; only what is in the append-only file survives. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory (after kill). */
  restart(): Promise<void>;
  /** Stops it and removes its files. */
  stop(): Promise<void>;
}

// Every server still running when the test process exits (a failed `before`, an uncaught error) is killed, so
// a failing run leaves no redis-server behind.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts `binary` (redis-server unless told) on a free port in a temp dir, with `args` after the port and the
 * directory, and resolves once it logs that it accepts connections.
 */
export async function startRedisProcess(options: {
  binary?: string;
  args?: (port: number, dir: string) => string[];
  /** A Sentinel reads its settings from a file (it rewrites it), given before every other argument. */
  configFile?: (port: number, dir: string) => string;
} = {}): Promise<TestRedis> {
  const port = await freePort();
  const dir = tempDir('aicc-redis-');
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const launch = () =>
    new Promise<void>((resolve, reject) => {
      const args = [
        ...(options.configFile ? [options.configFile(port, dir)] : []),
        '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--protected-mode', 'no', '--loglevel', 'notice',
        ...(options.args?.(port, dir) ?? []),
      ];
      const proc = spawn(options.binary ?? REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      running.add(proc);
      exited = new Promise((done) => proc.once('exit', () => {
        running.delete(proc);
        done();
      }));
      let output = '';
      const timer = setTimeout(() => reject(new Error(`${options.binary ?? REDIS_SERVER} did not start: ${output}`)), 20_000);
      proc.stdout!.on('data', (chunk) => {
        if (output.length < 20_000) output += chunk;
        if (/Ready to accept connections|Sentinel ID is/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.stderr!.on('data', (chunk) => (output += chunk));
      proc.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`redis exited: ${output}`));
      });
    });

  const kill = async () => {
    child?.kill('SIGKILL');
    await exited;
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    kill,
    restart: launch,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Durable as production should be: append-only file, fsync on every write, no snapshots. */
export const DURABLE_ARGS = ['--save', '', '--appendonly', 'yes', '--appendfsync', 'always'];

export function startRedis(): Promise<TestRedis> {
  return startRedisProcess({ args: () => DURABLE_ARGS });
}
