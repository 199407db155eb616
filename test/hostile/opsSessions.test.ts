// The operator page's sign-in as an attacker tries it: each sign-in is a new server-side session (not a fixed
// HMAC of OPS_TOKEN that any copy of one cookie replays for ever), sign-out revokes it on every node, sessions
// expire in the store, and guesses of the token as a bearer are limited per address.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LocalEngine } from '../../src/engine/local/index.js';
import { RedisEngine } from '../../src/engine/redis/index.js';
import type { Engine } from '../../src/engine/types.js';
import { createLogger } from '../../src/logger.js';
import { OPS_BEARER_PER_MINUTE } from '../../src/ops/routes.js';
import { startGateway, tempDir, type InProcessGateway } from '../support/gateway.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { waitFor } from '../support/streams.js';

const OPS_TOKEN = 'ops-token-for-session-tests-0123';
const log = createLogger('silent');

async function signIn(gw: InProcessGateway): Promise<string> {
  const res = await fetch(`${gw.url}/ops/login`, {
    method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: OPS_TOKEN }).toString(),
  });
  assert.equal(res.status, 303);
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
}
const state = (gw: InProcessGateway, headers: Record<string, string>) => fetch(`${gw.url}/ops/api/state`, { headers }).then((r) => r.status);
const signOut = (gw: InProcessGateway, cookie: string) =>
  fetch(`${gw.url}/ops/logout`, { method: 'POST', redirect: 'manual', headers: { cookie } });

describe('operator sessions across two nodes on one Redis', () => {
  let redis: TestRedis;
  let a: InProcessGateway;
  let b: InProcessGateway;
  before(async () => {
    redis = await startRedis();
    a = await startGateway({ REDIS_URL: redis.url, OPS_TOKEN });
    b = await startGateway({ REDIS_URL: redis.url, OPS_TOKEN });
  });
  after(async () => {
    await a.close();
    await b.close();
    await redis.stop();
  });

  it('makes a new session at each sign-in, valid on every node, revoked everywhere at sign-out', async () => {
    const first = await signIn(a);
    const second = await signIn(a);
    assert.notEqual(first, second, 'each sign-in is its own session');
    assert.deepEqual([await state(a, { cookie: first }), await state(b, { cookie: first })], [200, 200]);
    assert.equal((await signOut(b, first)).status, 303);
    assert.deepEqual([await state(a, { cookie: first }), await state(b, { cookie: first })], [401, 401], 'a copied cookie is dead after sign-out');
    assert.equal(await state(b, { cookie: second }), 200, 'the other session stays');
  });

  it('limits bearer guesses per address, on every node together; then even the right token waits', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < OPS_BEARER_PER_MINUTE; i++) {
      statuses.push(await state(i % 2 ? a : b, { authorization: `Bearer guess-${i}-0123456789abcdef` }));
    }
    assert.ok(statuses.every((s) => s === 401), statuses.join(','));
    const over = await fetch(`${a.url}/ops/api/state`, { headers: { authorization: 'Bearer one-more-guess-0123456789' } });
    assert.equal(over.status, 429);
    assert.ok(over.headers.get('retry-after'));
    assert.equal(await state(b, { authorization: `Bearer ${OPS_TOKEN}` }), 429, 'no answer says whether a guess was right');
  });
});

function sessionContract(name: string, open: () => Promise<Engine>) {
  describe(`operator sessions in the engine: ${name}`, () => {
    it('keeps a session until it expires or is ended', async () => {
      const engine = await open();
      try {
        const [kept, ended, expiring] = ['ops-kept', 'ops-ended', 'ops-expiring'].map((s) => `${s}-${process.pid}`) as [string, string, string];
        await engine.startOpsSession(kept, Date.now() + 60_000);
        await engine.startOpsSession(ended, Date.now() + 60_000);
        const soon = Date.now() + 5;
        await engine.startOpsSession(expiring, soon);
        await engine.endOpsSession(ended);
        assert.equal(await engine.opsSessionValid(kept), true);
        assert.equal(await engine.opsSessionValid(ended), false);
        assert.equal(await engine.opsSessionValid('never-started'), false);
        await waitFor(() => Date.now() > soon, 'the clock to pass the expiry');
        assert.equal(await engine.opsSessionValid(expiring), false);
      } finally {
        await engine.close();
      }
    });
  });
}

sessionContract('local (SQLite)', () => LocalEngine.open({ dataDir: tempDir(), durability: 'relaxed', busyTimeoutMs: 1000, log }));
let contractRedis: TestRedis | undefined;
sessionContract('redis', async () => {
  contractRedis ??= await startRedis();
  return RedisEngine.open({ url: `${contractRedis.url}/3`, historyTtlMs: 86_400_000, log });
});
after(async () => {
  await contractRedis?.stop();
});
