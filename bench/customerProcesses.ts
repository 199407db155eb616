// Drives SDK customers split over child processes (bench/sdkCustomers.ts): a process holds at most `perProcess`
// of them (each holds a socket, and the fd limit here is 20,000 per process), and answers for all of them.

import { fork, type ChildProcess } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import type { ClientOptions } from '../src/client/index.js';
import type { CustomerReport, CustomersCommand } from './sdkCustomers.js';

const SCRIPT = new URL('./sdkCustomers.ts', import.meta.url).pathname;
const ROOT = new URL('..', import.meta.url).pathname;

/** Where the customers load the SDK from: the compiled one a site ships (needs `npm run build`), or the source. */
export const SDK = {
  dist: pathToFileURL(`${ROOT}dist/client/index.js`).href,
  source: pathToFileURL(`${ROOT}src/client/index.ts`).href,
};

export interface CustomerStatus {
  connected: number;
  received: number;
  errors: number;
}

export class CustomerProcesses {
  private constructor(private readonly children: ChildProcess[]) {}

  static async start(options: {
    url: string;
    sdk: string;
    customers: { id: string; token: string }[];
    perProcess?: number;
    /** SDK options other than the defaults (the reconnect delays, say). */
    clientOptions?: Partial<ClientOptions>;
    /**
     * Connect the first `count` customers alone (in the first process), call `then` once they are all connected,
     * and only then the others: what the node costs before and after a warm-up (bench/storm.ts's memory).
     */
    firstConnect?: { count: number; then: (processes: CustomerProcesses) => Promise<void> | void };
    /** A V8 CPU profile of each customer process goes here. */
    profileDir?: string;
  }): Promise<CustomerProcesses> {
    const perProcess = options.perProcess ?? 5000;
    const groups: { id: string; token: string }[][] = [];
    for (let i = 0; i < options.customers.length; i += perProcess) groups.push(options.customers.slice(i, i + perProcess));
    const profiling = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
    const children = groups.map(() => fork(SCRIPT, [], { execArgv: [...profiling, '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    const processes = new CustomerProcesses(children);
    const start = (child: ChildProcess, customers: { id: string; token: string }[]) =>
      ask(child, { type: 'start', sdk: options.sdk, url: options.url, customers, ...(options.clientOptions ? { options: options.clientOptions } : {}) }, 'started');
    try {
      const first = options.firstConnect;
      if (first && first.count > 0 && first.count < groups[0]!.length) {
        await start(children[0]!, groups[0]!.slice(0, first.count));
        await first.then(processes);
        groups[0] = groups[0]!.slice(first.count);
      } else if (first) {
        await Promise.all(children.map((child, i) => start(child, groups[i]!)));
        await first.then(processes);
        return processes;
      }
      await Promise.all(children.map((child, i) => start(child, groups[i]!)));
    } catch (err) {
      processes.close();
      throw err;
    }
    return processes;
  }

  /** The processes' ids, to read their CPU time from /proc. */
  get pids(): number[] {
    return this.children.map((child) => child.pid!);
  }

  async status(): Promise<CustomerStatus> {
    const all = await Promise.all(this.children.map((child) => ask<CustomerStatus>(child, { type: 'status' }, 'status')));
    return all.reduce((sum, s) => ({ connected: sum.connected + s.connected, received: sum.received + s.received, errors: sum.errors + s.errors }));
  }

  async report(): Promise<CustomerReport[]> {
    const all = await Promise.all(this.children.map((child) => ask<{ customers: CustomerReport[] }>(child, { type: 'report' }, 'report')));
    return all.flatMap((r) => r.customers);
  }

  close(): void {
    for (const child of this.children) {
      if (child.connected) child.send({ type: 'close' });
      // One that does not exit by itself (stuck, or the parent failed) is killed.
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }
  }
}

/** Sends a command and resolves with the child's next message of `answer` type. */
function ask<T>(child: ChildProcess, command: CustomersCommand, answer: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type: string; error?: string }) => {
      if (message.type === 'failed') return done(() => reject(new Error(`customers failed: ${message.error}`)));
      if (message.type === answer) done(() => resolve(message as T));
    };
    const onExit = (code: number | null) => done(() => reject(new Error(`a customer process exited (${code})`)));
    const done = (then: () => void) => {
      child.off('message', onMessage);
      child.off('exit', onExit);
      then();
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send(command);
  });
}
