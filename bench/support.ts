// Shared by the benchmarks: start a server process and wait until it says where it listens.

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SignJWT } from 'jose';

export interface ServerProcess {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each server process started with a `profile` name into <dir>
 * (<dir>/<name>/, one file per thread: the main thread, the store's writer; open them in Chrome's DevTools),
 * written when the process stops.
 */
export function startProcess(script: string, env: Record<string, string>, options: { profile?: string } = {}): Promise<ServerProcess> {
  const profileDir = process.env.BENCH_CPU_PROF;
  const profiling = profileDir && options.profile
    ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, options.profile)}`]
    : [];
  // The gateway runs as deployed (dist/main.js, plain node); the bench's own TypeScript servers under tsx.
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...profiling, ...loader, script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg !== 'gateway listening') return;
        // From here on the server's log is drained unread: parsing it would take this process's CPU.
        lines.close();
        child.stdout!.resume();
        resolve({
          url: `http://127.0.0.1:${entry.port}`,
          process: child,
          stop: async () => {
            child.kill('SIGTERM');
            await exited;
          },
        });
      } catch {
        // Not a JSON log line.
      }
    });
    void exited.then(() => reject(new Error(`${script} exited before listening`)));
  });
}

/** Runs a script to its end and returns the JSON it printed last on stdout. */
export function runJson<T>(script: string, args: string[]): Promise<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const last = output.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`${script} exited with ${code}`));
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${script} printed no JSON: ${last.slice(0, 200)}`));
      }
    });
  });
}

/** The gateway's settings in every benchmark: the defaults (DURABILITY=full, LOG_LEVEL=info) but the limits. */
export function gatewayEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, AICC_APPS: `${BENCH_APP.key}:${BENCH_APP.secret}`, LOG_LEVEL: 'info',
    // The benchmark is one client address sending far more than a person would: lift the per-address limits.
    PUSH_RATE_LIMIT: '10000000', CLIENT_RATE_LIMIT: '10000000', TOKEN_RATE_LIMIT: '10000000', MAX_CONNECTIONS_PER_CUSTOMER: '10000',
    MAX_CONNECTIONS_PER_ADDRESS: '1000000',
    CUSTOMER_TOKEN_SECRET: BENCH_CUSTOMER_SECRET,
    ...extra,
  };
}

export const round = (value: number, digits = 2) => Number(value.toFixed(digits));

/** The app every benchmark's gateway accepts pushes from (AICC_APPS), and the secret its customer tokens use. */
export const BENCH_APP = { key: 'bench', secret: 'bench-secret' };
export const BENCH_CUSTOMER_SECRET = 'bench-customer-secret-0123456789abcdef';

/** An AccessToken for BENCH_APP from a gateway's tokenByAkSk. */
export async function accessToken(url: string): Promise<string> {
  const res = await fetch(`${url}/apigovernance/api/oauth/tokenByAkSk`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'X-Token-Expire': '3600' },
    body: JSON.stringify({ app_key: BENCH_APP.key, app_secret: BENCH_APP.secret }),
  });
  return ((await res.json()) as { AccessToken: string }).AccessToken;
}

/** A customer token signed with BENCH_CUSTOMER_SECRET. */
export function customerToken(customer: string): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(customer)
    .setAudience('aicc-gateway')
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(BENCH_CUSTOMER_SECRET));
}
