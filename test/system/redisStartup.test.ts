// What an operator sees when the Redis engine starts wrong: a REDIS_URL where nothing answers is one clear line
// (not an ioredis "Unhandled error event" stack per retry), and a Redis without an append-only file, which would
// lose acknowledged pushes on a restart, is named in a warning at start.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { baseEnv, freePort, spawnGateway, tempDir } from '../support/gateway.js';
import { DURABLE_ARGS, startRedisProcess, type TestRedis } from '../support/redis.js';

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;
const servers: TestRedis[] = [];

after(async () => {
  for (const server of servers) await server.stop();
});

describe('the Redis engine at start', () => {
  it('a REDIS_URL where nothing answers: one line naming it and the reason, exit 1', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env: { ...process.env, ...baseEnv(tempDir()), REDIS_URL: `redis://127.0.0.1:${port}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(code, 1);
    assert.doesNotMatch(stderr, /Unhandled error event|\n\s+at /);
    assert.equal(
      stderr,
      `aicc-gateway: cannot start: REDIS_URL: Redis at redis://127.0.0.1:${port} did not answer: not ready within 10 s (connect ECONNREFUSED 127.0.0.1:${port})\n`,
    );
  });

  for (const [persistence, args, warned] of [
    ['appendonly no', ['--save', '', '--appendonly', 'no'], true],
    ['appendonly yes', DURABLE_ARGS, false],
  ] as const) {
    it(`a Redis with ${persistence}: ${warned ? 'a warning at start' : 'no warning'}`, async () => {
      const redis = await startRedisProcess({ args: () => [...args] });
      servers.push(redis);
      const gw = await spawnGateway(baseEnv(tempDir(), { REDIS_URL: redis.url }));
      try {
        const warnings = gw.logs.filter((entry) => entry.level === 40 && String(entry.msg).includes('appendonly no'));
        assert.equal(warnings.length, warned ? 1 : 0);
        if (warned) assert.match(String(warnings[0]!.msg), /^Redis runs with appendonly no: a push the gateway acknowledged is lost if Redis restarts/);
      } finally {
        gw.child.kill('SIGTERM');
        await gw.exited;
      }
    });
  }
});
