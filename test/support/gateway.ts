// Starts real gateways for tests: in this process (buildServer on 127.0.0.1, port 0) or as a child process
// (`src/main.ts`, for kill -9 and signals). Both use a fresh DATA_DIR unless one is given.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SignJWT } from 'jose';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { buildServer, type Gateway } from '../../src/server.js';
import { PUSH_KEY } from './fixtures.js';

export const APPS = { app1: 'secret-one', app2: 'secret-two' } as const;
export const PUSH_ACCESS_KEY = 'ak1';
export const CUSTOMER_TOKEN_SECRET = 'customer-token-secret-for-tests-0123456789';

/** A verified customer's token, as the company's backend would mint it (for the default CUSTOMER_TOKEN_AUDIENCE). */
export function customerToken(customerId: string, ttlSeconds = 600, secret = CUSTOMER_TOKEN_SECRET): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(customerId)
    .setAudience('aicc-gateway')
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .sign(new TextEncoder().encode(secret));
}

/**
 * A port free now, for a server started later (a simulator must know its gateway's port before the gateway
 * listens). It is taken below the kernel's ephemeral range (32768 and up on Linux), so that no other listener on
 * port 0 and no outgoing connection can be given it in between, as happened when it came from port 0 itself.
 */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  for (let attempt = 0; ; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer().once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
    if (attempt === 50) throw new Error('no free port found below the ephemeral range');
  }
}

export function tempDir(prefix = 'aicc-gw-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function baseEnv(dataDir: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    AICC_APPS: Object.entries(APPS).map(([k, v]) => `${k}:${v}`).join(','),
    AICC_PUSH_KEYS: `${PUSH_ACCESS_KEY}:${PUSH_KEY}`,
    CUSTOMER_TOKEN_SECRET,
    // Tests send far more from one address than a person; the limits have tests of their own.
    CLIENT_RATE_LIMIT: '1000000',
    MAX_CONNECTIONS_PER_ADDRESS: '1000000',
    TOKEN_RATE_LIMIT: '1000000',
    LOG_LEVEL: 'silent',
    ...overrides,
  };
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: any;
}

export class Client {
  constructor(readonly url: string) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' || body instanceof Uint8Array ? (body as BodyInit) : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.url + path, init);
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: keep the text.
    }
    return { status: res.status, headers: res.headers, body: parsed };
  }

  async token(appKey: keyof typeof APPS = 'app1', ttl?: number): Promise<string> {
    const res = await this.request(
      'POST',
      '/apigovernance/api/oauth/tokenByAkSk',
      { app_key: appKey, app_secret: APPS[appKey] },
      ttl === undefined ? {} : { 'X-Token-Expire': String(ttl) },
    );
    if (res.status !== 200) throw new Error(`token refused: ${JSON.stringify(res.body)}`);
    return res.body.AccessToken;
  }

  /** pushMsg with a fresh token for app1 unless headers say otherwise. */
  async push(body: unknown, headers?: Record<string, string>): Promise<HttpAnswer> {
    const auth = headers ?? { 'x-app-key': 'app1', authorization: `Bearer ${await this.token('app1')}` };
    return this.request('POST', '/apiaccess/ccmessaging/pushMsg', body, auth);
  }
}

export interface InProcessGateway extends Client {
  gateway: Gateway;
  dataDir: string;
  close(): Promise<void>;
}

export async function startGateway(
  overrides: Record<string, string> = {},
  dataDir = tempDir(),
  /** Registers more routes (a plugin under test) on the gateway before it listens. */
  beforeListen?: (gateway: Gateway) => Promise<void>,
): Promise<InProcessGateway> {
  const config = loadConfig(baseEnv(dataDir, overrides));
  // The widget's tests chat on the demo page; `npm start` never serves it (test/system/productionHome.test.ts).
  const gateway = await buildServer(config, createLogger(config.logLevel), { demoPage: true });
  if (beforeListen) await beforeListen(gateway);
  const url = await gateway.app.listen({ host: '127.0.0.1', port: config.port });
  const client = new Client(url) as InProcessGateway;
  client.gateway = gateway;
  client.dataDir = dataDir;
  client.close = () => gateway.close();
  return client;
}

export interface ChildGateway extends Client {
  child: ChildProcessWithoutNullStreams;
  /** Every log line the child printed, parsed. */
  logs: Record<string, unknown>[];
  exited: Promise<number | null>;
}

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;

/**
 * Runs `node --import tsx src/main.ts` and resolves once it logs that it listens (so LOG_LEVEL is raised to
 * info at least); rejects if it exits first or does not listen within 30 s.
 */
export function spawnGateway(env: Record<string, string>): Promise<ChildGateway> {
  const verbose = env.LOG_LEVEL === 'debug' || env.LOG_LEVEL === 'trace';
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { ...process.env, ...env, LOG_LEVEL: verbose ? env.LOG_LEVEL! : 'info' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === 'gateway listening') {
          const gateway = new Client(`http://127.0.0.1:${entry.port}`) as ChildGateway;
          Object.assign(gateway, { child, logs, exited });
          clearTimeout(timer);
          resolve(gateway);
        }
      } catch {
        // A line that is not JSON (npm's banner, a warning): not ours to read.
      }
    });
    void exited.then((code) => reject(new Error(`gateway exited (${code}) before listening: ${stderr}`)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gateway did not listen within 30 s: ${stderr}`));
    }, 30_000);
    void exited.finally(() => clearTimeout(timer));
  });
}
