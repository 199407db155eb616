// The gateway as a process: kill -9 loses no acknowledged push, a locked store answers 500 and recovers,
// SIGTERM finishes what is under way, bad configuration stops the start, and logs keep secrets out.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { APPS, baseEnv, spawnGateway, startGateway, tempDir, type Client } from '../support/gateway.js';

async function tokenHeaders(client: Client) {
  return { 'x-app-key': 'app1', authorization: `Bearer ${await client.token('app1')}` };
}

describe('durability', () => {
  it('keeps every push that got 200 when the process is killed with SIGKILL', async () => {
    const dataDir = tempDir();
    const child = await spawnGateway(baseEnv(dataDir, { LOG_LEVEL: 'warn' }));
    const headers = await tokenHeaders(child);
    const customers = ['k1', 'k2', 'k3'];
    const acknowledged: { to: string; code: string }[] = [];
    let sent = 0;
    let killed = false;

    // 16 concurrent senders, at most 3,000 pushes; SIGKILL once 300 have been acknowledged.
    const sender = async (lane: number) => {
      for (let i = 0; sent < 3000 && !killed; i++) {
        sent++;
        const to = customers[(lane + i) % customers.length]!;
        const code = `lane${lane}-${i}`;
        try {
          const res = await child.push(pushBody([downLinkMsg({ to, messageCode: code })]), headers);
          if (res.status === 200 && res.body.resultCode === '0') acknowledged.push({ to, code });
        } catch {
          return; // The connection died with the process: not acknowledged, so AICC would retry it.
        }
        if (acknowledged.length >= 300 && !killed) {
          killed = true;
          child.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, (_, lane) => sender(lane)));
    await child.exited;
    assert.ok(killed, 'the gateway was killed during the load');

    const restarted = await startGateway({}, dataDir);
    try {
      let present = 0;
      for (const to of customers) {
        const entries = await restarted.gateway.engine.readSince(to, 0, 100_000);
        assert.deepEqual(entries.map((e) => e.seq), entries.map((_, i) => i + 1), `gapless seqs for ${to}`);
        const codes = new Set(entries.map((e) => e.message.messageCode));
        assert.equal(codes.size, entries.length, 'no message stored twice');
        present += acknowledged.filter((a) => a.to === to && codes.has(a.code)).length;
      }
      console.log(`# kill -9: ${sent} pushes sent, ${acknowledged.length} acknowledged, ${acknowledged.length - present} lost`);
      assert.equal(present, acknowledged.length, 'every acknowledged push is present after the restart');
      // The restarted gateway carries on numbering where the killed one stopped.
      const before = (await restarted.gateway.engine.conversation('k1')).lastSeq;
      assert.equal((await restarted.push(pushBody([downLinkMsg({ to: 'k1' })]))).status, 200);
      assert.equal((await restarted.gateway.engine.conversation('k1')).lastSeq, before + 1);
    } finally {
      await restarted.close();
    }
  });

  it('answers 500 with a non-zero resultCode while the store is locked, and recovers by itself', async () => {
    const gw = await startGateway({ STORE_BUSY_TIMEOUT_MS: '100' });
    const blocker = new Database(join(gw.dataDir, 'gateway.sqlite'));
    try {
      const headers = await tokenHeaders(gw);
      blocker.exec('BEGIN IMMEDIATE');
      const refused = await gw.push(pushBody([downLinkMsg({ to: 'locked' })]), headers);
      assert.equal(refused.status, 500);
      assert.equal(refused.body.resultCode, '13');
      assert.match(refused.body.resultDesc, /store could not take the write/);
      blocker.exec('ROLLBACK');
      const accepted = await gw.push(pushBody([downLinkMsg({ to: 'locked' })]), headers);
      assert.equal(accepted.status, 200);
      assert.deepEqual((await gw.gateway.engine.readSince('locked', 0, 10)).map((e) => e.seq), [1]);
    } finally {
      blocker.close();
      await gw.close();
    }
  });
});

describe('process lifecycle', () => {
  it('finishes the pushes under way on SIGTERM, then exits 0', async () => {
    const dataDir = tempDir();
    const child = await spawnGateway(baseEnv(dataDir, { LOG_LEVEL: 'info' }));
    const headers = await tokenHeaders(child);
    const pushes = Array.from({ length: 40 }, (_, i) =>
      child.push(pushBody([downLinkMsg({ to: 'term', messageCode: `t${i}` })]), headers).catch(() => undefined),
    );
    await pushes[0];
    child.child.kill('SIGTERM');
    const answers = await Promise.all(pushes);
    assert.equal(await child.exited, 0);
    assert.ok(child.logs.some((l) => l.msg === 'stopped'));
    const restarted = await startGateway({}, dataDir);
    try {
      const stored = new Set((await restarted.gateway.engine.readSince('term', 0, 100)).map((e) => e.message.messageCode));
      const acknowledged = answers.flatMap((a, i) => (a?.status === 200 ? [`t${i}`] : []));
      assert.ok(acknowledged.length >= 1);
      assert.deepEqual(acknowledged.filter((code) => !stored.has(code)), [], 'every acknowledged push is stored');
      for (const answer of answers) {
        // Each push either completed, was refused as the server closed (503), or never reached it.
        assert.ok(answer === undefined || answer.status === 200 || answer.status === 503, String(answer?.status));
      }
    } finally {
      await restarted.close();
    }
  });

  it('stops the start with a message naming a wrong setting', async () => {
    for (const [name, value, expected] of [
      ['PORT', 'eighty', /PORT must be a whole number/],
      ['AICC_APPS', 'no-secret-here', /AICC_APPS entry 1 must look like "key:secret"/],
      ['AICC_PUSH_KEYS', 'ak:short', /push key of "ak" must be exactly 43 letters or digits/],
      ['DURABILITY', 'sometimes', /DURABILITY must be one of full, relaxed/],
    ] as const) {
      const started = spawnGateway(baseEnv(tempDir(), { [name]: value }));
      await assert.rejects(started, (err: Error) => /exited \(2\)/.test(err.message) && expected.test(err.message));
    }
  });

  it('starts without apps and says in its log how to configure one', async () => {
    const child = await spawnGateway(baseEnv(tempDir(), { AICC_APPS: '', LOG_LEVEL: 'info' }));
    try {
      const hint = child.logs.find((l) => typeof l.msg === 'string' && l.msg.includes('AICC_APPS='));
      assert.ok(hint, 'a log line explains AICC_APPS');
      assert.equal((await child.request('GET', '/readyz')).status, 200);
    } finally {
      child.child.kill('SIGTERM');
      await child.exited;
    }
  });

  it('logs a request id on every request line and never a secret or a token', async () => {
    const child = await spawnGateway(baseEnv(tempDir(), { LOG_LEVEL: 'trace' }));
    try {
      const token = await child.token('app1');
      await child.request('POST', '/apigovernance/api/oauth/tokenByAkSk', { app_key: 'app1', app_secret: 'wrong-secret' });
      await child.push(pushBody([downLinkMsg()]), { 'x-app-key': 'app1', authorization: `Bearer ${token}`, 'x-request-id': 'trace-42' });
      await child.push(pushBody([downLinkMsg()]), { 'x-app-key': 'app1', authorization: `Bearer ${token}broken` });
    } finally {
      child.child.kill('SIGTERM');
      await child.exited;
    }
    const text = child.logs.map((l) => JSON.stringify(l)).join('\n');
    for (const secret of [APPS.app1, 'wrong-secret', 'eyJ']) assert.ok(!text.includes(secret), `log holds ${secret}`);
    const traced = child.logs.filter((l) => l.reqId === 'trace-42');
    assert.ok(
      traced.some((l) => l.msg === 'request completed' && l.stored === 1 && l.status === 200),
      'the push is logged under the caller’s request id',
    );
    const requestLines = child.logs.filter((l) => l.msg === 'request completed');
    assert.equal(requestLines.length, 4);
    assert.ok(requestLines.every((l) => typeof l.reqId === 'string'));
    assert.ok(requestLines.some((l) => l.status === 401 && /not accepted/.test(String(l.reason))));
  });
});
