// pushMsg throughput: pushes of 1 and of 20 messages over 50 connections, each beside the bare Fastify
// baseline answering the same bodies, measured in the same run. Every request carries new messages (fresh
// messageCodes), so the gateway stores each one durably (DURABILITY=full: fsync'd group commits).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { accessToken, round, startProcess } from './support.js';

const ROOT = new URL('..', import.meta.url).pathname;
const CONNECTIONS = 50;

export interface ThroughputOptions {
  durationSeconds: number;
}

export async function measurePushThroughput({ durationSeconds }: ThroughputOptions) {
  const dataDir = mkdtempSync(join(tmpdir(), 'aicc-bench-'));
  const gateway = await startProcess(join(ROOT, 'src/main.ts'), {
    HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, AICC_APPS: 'bench:bench-secret', LOG_LEVEL: 'info',
    // The benchmark is one client address sending far more than a person would: lift the per-address limits.
    PUSH_RATE_LIMIT: '10000000', CLIENT_RATE_LIMIT: '10000000', TOKEN_RATE_LIMIT: '10000000', MAX_CONNECTIONS_PER_CUSTOMER: '10000',
  });
  const bare = await startProcess(join(ROOT, 'bench/bareServer.ts'), {});
  try {
    const token = await accessToken(gateway.url);
    const headers = { 'content-type': 'application/json', 'x-app-key': 'bench', authorization: `Bearer ${token}` };
    const results = [];
    for (const perPush of [1, 20]) {
      const base = await load(bare.url, headers, perPush, durationSeconds);
      const gw = await load(gateway.url, headers, perPush, durationSeconds);
      results.push({
        messagesPerPush: perPush,
        connections: CONNECTIONS,
        gateway: gw,
        bareFastify: base,
        ratioToBare: {
          throughput: round(gw.pushesPerSecond / base.pushesPerSecond, 3),
          p99Latency: round(gw.p99Ms / Math.max(base.p99Ms, 1), 3),
        },
      });
    }
    return results;
  } finally {
    await Promise.all([gateway.stop(), bare.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}


let sequence = 0;

function pushBodyOf(perPush: number): string {
  const now = Date.now();
  const messages = Array.from({ length: perPush }, () => {
    sequence += 1;
    return {
      channel: 'WEB', from: '202105284494222653', to: `bench-customer-${sequence % 500}`, controlType: 'CHAT',
      sourceType: 'AGENT', mediaType: 'TEXT', senderNickname: 'Agent Smith', timestamp: now,
      content: 'Thank you for waiting. Let me check the status of your order for you right away.',
      messageCode: `bench-${process.pid}-${sequence}`,
    };
  });
  return JSON.stringify({ messages, timestamp: now });
}

async function load(url: string, headers: Record<string, string>, perPush: number, duration: number) {
  const result = await autocannon({
    url: `${url}/apiaccess/ccmessaging/pushMsg`,
    connections: CONNECTIONS,
    duration,
    requests: [
      {
        method: 'POST',
        headers,
        setupRequest: (request) => ({ ...request, body: pushBodyOf(perPush) }),
      },
    ],
  });
  const pushesPerSecond = result.requests.total / result.duration;
  return {
    pushesPerSecond: round(pushesPerSecond, 0),
    messagesPerSecond: round(pushesPerSecond * perPush, 0),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
