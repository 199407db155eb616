// A rolling deploy behind a real nginx, configured from deploy/nginx/aicc-gateway.conf (only its addresses and
// ports changed): two gateway nodes on one redis-server, several hundred customers on the SDK (in their own
// processes) connected through nginx, AICC's pushes flowing through nginx, and each node restarted in turn
// (SIGTERM, start on the same port). Every customer is back, every message arrives once and in order, and every
// push was answered "0" the first time: nginx passed what a node going away refused to the other one.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { CustomerProcesses, SDK } from '../../bench/customerProcesses.js';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { baseEnv, Client, customerToken, freePort, spawnGateway, tempDir, type ChildGateway } from '../support/gateway.js';
import { NGINX_CONF, startNginx, type TestNginx } from '../support/nginx.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { waitFor } from '../support/streams.js';

const CUSTOMERS = 500;
const LANES = 4;

describe('a rolling deploy behind nginx', () => {
  let redis: TestRedis;
  let nginx: TestNginx;
  let customers: CustomerProcesses | undefined;
  const nodes: ChildGateway[] = [];
  const envs: Record<string, string>[] = [];

  before(async () => {
    redis = await startRedis();
    for (let i = 0; i < 2; i++) {
      envs.push(baseEnv(tempDir(), { PORT: String(await freePort()), REDIS_URL: redis.url, TRUST_PROXY: 'on', LOG_LEVEL: 'warn' }));
    }
    nodes.push(...(await Promise.all(envs.map((env) => spawnGateway(env)))));
    nginx = await startNginx(envs.map((env) => Number(env.PORT)));
  });

  after(async () => {
    customers?.close();
    await nginx?.stop();
    for (const node of nodes) node.child.kill('SIGKILL');
    await redis?.stop();
  });

  it('docs/deployment.md shows the shipped nginx configuration as it is', () => {
    const docs = readFileSync(new URL('../../docs/deployment.md', import.meta.url), 'utf8');
    assert.ok(docs.includes('```nginx\n' + readFileSync(NGINX_CONF, 'utf8') + '```\n'), 'the file, verbatim, in an nginx block');
  });

  it('loses no customer and no message, and answers every push "0", while each node restarts in turn', async (t) => {
    const ids = Array.from({ length: CUSTOMERS }, (_, i) => `deploy-${process.pid}-${i}`);
    customers = await CustomerProcesses.start({
      url: nginx.url,
      sdk: SDK.source,
      customers: await Promise.all(ids.map(async (id) => ({ id, token: await customerToken(id) }))),
      perProcess: CUSTOMERS / 2,
    });
    const viaNginx = new Client(nginx.url);
    const headers = { 'x-app-key': 'app1', authorization: `Bearer ${await viaNginx.token('app1')}` };

    // AICC: lanes of pushes one after the other, each lane to its own customers, so each customer's messages
    // have one order: the order their pushes were answered "0". A push not answered "0" is pushed again (AICC
    // would), and counted: there should be none.
    const expected = new Map(ids.map((id) => [id, [] as string[]]));
    const notZero: string[] = [];
    let pushing = true;
    let pushes = 0;
    const lane = async (laneIndex: number) => {
      const mine = ids.filter((_, i) => i % LANES === laneIndex);
      for (let n = 0; pushing; n++) {
        const to = mine[n % mine.length]!;
        const content = `m-${laneIndex}-${n}`;
        for (;;) {
          const res = await viaNginx.push(pushBody([downLinkMsg({ to, content })]), headers).catch((err: Error) => ({ status: 0, body: { resultDesc: err.message } }));
          if (res.status === 200 && res.body.resultCode === '0') break;
          notZero.push(`HTTP ${res.status}, resultCode ${typeof res.body === 'object' ? res.body.resultCode : '(not JSON)'}`);
        }
        expected.get(to)!.push(content);
        pushes++;
      }
    };
    const lanes = Promise.all(Array.from({ length: LANES }, (_, i) => lane(i)));

    await waitFor(() => pushes >= 200, 'pushes flowing before the deploy', 60_000);
    for (let i = 0; i < nodes.length; i++) {
      const before = pushes;
      nodes[i]!.child.kill('SIGTERM');
      await nodes[i]!.exited;
      nodes[i] = await spawnGateway(envs[i]!);
      await waitFor(() => pushes >= before + 100, `pushes flowing after node ${i + 1} restarted`, 60_000);
    }
    await waitForAsync(async () => (await customers!.status()).connected === CUSTOMERS, 'every customer connected again');
    pushing = false;
    await lanes;

    const total = [...expected.values()].reduce((sum, list) => sum + list.length, 0);
    await waitForAsync(async () => (await customers!.status()).received >= total, `all ${total} messages received`);
    const reports = await customers.report();
    assert.equal(reports.length, CUSTOMERS);
    for (const report of reports) {
      assert.deepEqual(report.violations, [], `${report.id}: no gap, no repeat`);
      assert.deepEqual(report.contents, expected.get(report.id), `${report.id}: every message once, in order`);
      assert.ok(report.connectedAt.length >= 2, `${report.id}: came back after its node went away`);
    }
    // nginx's error log says why a push was not answered "0" (which upstream failed, and how).
    assert.deepEqual(notZero, [], `every push answered "0" the first time; nginx's error log:\n${nginx.errors().slice(-4000)}`);

    // How long customers were without a stream: reported, not asserted (timings depend on the machine).
    const outages = reports.flatMap((r) => r.disconnectedAt.map((at) => (r.connectedAt.find((c) => c >= at) ?? Number.NaN) - at)).sort((a, b) => a - b);
    const pick = (q: number) => outages[Math.min(outages.length - 1, Math.floor(q * outages.length))];
    t.diagnostic(`${pushes} pushes, ${total} messages; ${outages.length} reconnects, without a stream p50 ${pick(0.5)} ms, p99 ${pick(0.99)} ms, max ${pick(1)} ms`);
  });
});

async function waitForAsync(condition: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
