// Shared by the benchmarks: start a server process and wait until it says where it listens.

import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { SignJWT } from 'jose';

export interface ServerProcess {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function startProcess(script: string, env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg !== 'gateway listening') return;
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
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(BENCH_CUSTOMER_SECRET));
}
