// Shared by the benchmarks: start a server process and wait until it says where it listens.

import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

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
