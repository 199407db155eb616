// Customer tokens must name the gateway's audience by default: a JWT the company signs for another service with
// the same secret, and naming no audience, no longer opens a chat. The start-up log says which rule is in force,
// and CUSTOMER_TOKEN_REQUIRE_AUDIENCE=off keeps such tokens working for deployments that upgrade.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { buildServer } from '../../src/server.js';
import { baseEnv, CUSTOMER_TOKEN_SECRET, customerToken, startGateway, tempDir, type InProcessGateway } from '../support/gateway.js';

/** A token as a backend mints it without `.setAudience(…)`. */
function withoutAudience(sub: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt(now).setExpirationTime(now + 600)
    .sign(new TextEncoder().encode(CUSTOMER_TOKEN_SECRET));
}

async function startUpLog(env: Record<string, string> = {}): Promise<{ level: number; msg: string }[]> {
  const lines: { level: number; msg: string }[] = [];
  const config = loadConfig(baseEnv(tempDir(), { LOG_LEVEL: 'info', ...env }));
  const gateway = await buildServer(config, createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line)) }));
  await gateway.close();
  return lines;
}

describe('customer tokens without aud, by default', () => {
  let gw: InProcessGateway;
  before(async () => {
    gw = await startGateway();
  });
  after(() => gw.close());

  it('refuses them with 401 saying what to do, on HTTP and on the stream; takes tokens naming the audience', async () => {
    const none = await withoutAudience('aud-default-1');
    const http = await gw.request('GET', '/v1/conversation', undefined, { authorization: `Bearer ${none}` });
    assert.equal(http.status, 401);
    assert.equal(http.body.resultCode, '3');
    assert.match(http.body.resultDesc, /names no aud: mint it with aud "aicc-gateway" \(CUSTOMER_TOKEN_AUDIENCE\), or set CUSTOMER_TOKEN_REQUIRE_AUDIENCE=off/);
    const sse = await gw.request('GET', `/v1/stream?token=${none}`, undefined, { accept: 'text/event-stream' });
    assert.equal(sse.status, 401);
    const ours = await gw.request('GET', '/v1/conversation', undefined, { authorization: `Bearer ${await customerToken('aud-default-1')}` });
    assert.equal(ours.status, 200);
  });
});

describe('the start-up message', () => {
  it('says that tokens must name the audience, and how to accept the others', async () => {
    const lines = await startUpLog();
    const line = lines.find((l) => l.msg.includes('customer tokens must name aud'));
    assert.ok(line, lines.map((l) => l.msg).join('\n'));
    assert.equal(line.level, 30);
    assert.match(line.msg, /"aicc-gateway" \(CUSTOMER_TOKEN_AUDIENCE\); tokens without aud are refused \(401\)/);
    assert.match(line.msg, /CUSTOMER_TOKEN_REQUIRE_AUDIENCE=off/);
  });

  it('warns when tokens without aud are accepted (off), and the gateway then takes them', async () => {
    const lines = await startUpLog({ CUSTOMER_TOKEN_REQUIRE_AUDIENCE: 'off' });
    const line = lines.find((l) => l.msg.includes('customer tokens without aud are accepted'));
    assert.ok(line, lines.map((l) => l.msg).join('\n'));
    assert.equal(line.level, 40);
    const lenient = await startGateway({ CUSTOMER_TOKEN_REQUIRE_AUDIENCE: 'off' });
    try {
      const res = await lenient.request('GET', '/v1/conversation', undefined, { authorization: `Bearer ${await withoutAudience('aud-off-1')}` });
      assert.equal(res.status, 200);
    } finally {
      await lenient.close();
    }
  });

  it('says nothing of customer tokens when none are enabled', async () => {
    const lines = await startUpLog({ CUSTOMER_TOKEN_SECRET: '' });
    assert.ok(!lines.some((l) => /customer tokens/.test(l.msg)));
  });
});
