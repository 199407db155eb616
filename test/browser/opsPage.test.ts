// The operator page: off without OPS_TOKEN, 401 without the token, bearer for scripts, a sign-in form and its
// cookie for a person; in real Chromium (a conversation with the AICC simulator on loopback, whose transfer is
// refused after hours), a refused push appears with its reason, a customer lookup shows their log with seqs and
// statuses, nothing runs as script from what AICC sent, the keyboard reaches everything; and the picture docs/ops.png.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import WebSocket from 'ws';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { CHROMIUM_ARGS } from '../../tools/screenshots.js';
import { JOURNAL_SIZES, Ring } from '../../src/ops/journal.js';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { APPS, customerToken, freePort, startGateway, type InProcessGateway } from '../support/gateway.js';
import { startRedis } from '../support/redis.js';

const OPS_TOKEN = 'ops-token-for-the-tests-0123456789';
const AICC = { appKey: 'gw-at-aicc', appSecret: 'gw-at-aicc-secret-value', channelId: '202105284494222653' };
const SCREENSHOT = fileURLToPath(new URL('../../docs/ops.png', import.meta.url));
const bearer = { authorization: `Bearer ${OPS_TOKEN}` };

describe('the ring buffer behind the page', () => {
  it('keeps the newest items up to its capacity, newest first', () => {
    const ring = new Ring<number>(3);
    assert.deepEqual(ring.newestFirst(), []);
    for (let i = 1; i <= 2; i++) ring.add(i);
    assert.deepEqual(ring.newestFirst(), [2, 1]);
    for (let i = 3; i <= 7; i++) ring.add(i);
    assert.deepEqual(ring.newestFirst(), [7, 6, 5]);
    assert.equal(ring.size, 3);
  });
});

describe('GET /ops without OPS_TOKEN', () => {
  it('does not exist', async () => {
    const gw = await startGateway();
    try {
      const res = await gw.request('GET', '/ops', undefined, bearer);
      assert.equal(res.status, 404);
      assert.equal(res.body.resultCode, '5');
    } finally {
      await gw.close();
    }
  });
});

describe('the operator page in a cluster (two nodes on one Redis)', () => {
  it('shows on each node what that node saw, and says so', async () => {
    const redis = await startRedis();
    const nodes = [await startGateway({ REDIS_URL: redis.url, OPS_TOKEN }), await startGateway({ REDIS_URL: redis.url, OPS_TOKEN })];
    try {
      const [a, b] = nodes as [InProcessGateway, InProcessGateway];
      assert.equal((await a.push(pushBody([downLinkMsg({ mediaType: null })]))).status, 400);
      assert.equal((await b.push(pushBody([downLinkMsg({ to: 'cluster-customer' })]))).status, 200);
      const [stateA, stateB] = await Promise.all(nodes.map(async (n) => (await n.request('GET', '/ops/api/state', undefined, bearer)).body));
      assert.equal(stateA.node.cluster, true);
      assert.equal(stateB.node.cluster, true);
      assert.notEqual(stateA.node.id, stateB.node.id);
      assert.deepEqual([stateA.refused.length, stateA.pushes.length], [1, 1]);
      assert.equal(stateB.anonymous.length, 0);
      assert.deepEqual([stateB.refused.length, stateB.pushes.length], [0, 1]);
      // The customer's log is the cluster's: either node looks it up.
      const lookedUp = (await a.request('GET', '/ops/api/customers/cluster-customer', undefined, bearer)).body;
      assert.equal(lookedUp.entries.length, 1);
      assert.equal(lookedUp.entries[0].seq, 1);

      // Redis goes away: the push is refused with 500/13 (AICC retries), and the node's health, metrics and
      // journal say so.
      // The AccessToken is taken first: with Redis gone, tokenByAkSk is refused too (the shared limits fail closed).
      const auth = { 'x-app-key': 'app1', authorization: `Bearer ${await a.token('app1')}` };
      await redis.kill();
      const failed = await a.push(pushBody([downLinkMsg({ to: 'cluster-customer' })]), auth);
      assert.equal(failed.status, 500);
      assert.equal(failed.body.resultCode, '13');
      const health = (await a.request('GET', '/ops/api/state', undefined, bearer)).body;
      assert.equal(health.store.ready, false);
      // The shared push limit is counted in Redis and fails closed, so it refuses the push before the store is asked.
      assert.match(health.refused[0].resultDesc, /redis/);
      assert.equal(health.refused[0].resultCode, '13');
      const metrics = String((await a.request('GET', '/metrics')).body);
      assert.match(metrics, /^aicc_gateway_ready 0$/m);
      assert.match(metrics, /^aicc_gateway_push_refusals_total\{door="pushMsg",reason="STORE_UNAVAILABLE",caller="authenticated"\} 1$/m);
      await redis.restart();
    } finally {
      for (const node of nodes) await node.close();
      await redis.stop();
    }
  });
});

describe('the operator page', () => {
  let gw: InProcessGateway;
  let sim: Simulator;

  before(async () => {
    const port = await freePort();
    sim = await createSimulator({
      ...AICC, push: 'pushMsg', gatewayUrl: `http://127.0.0.1:${port}`, gatewayAppKey: 'app1', gatewayAppSecret: APPS.app1,
      stepMs: 50, scenario: 'after-hours', pushRetryBaseMs: 20,
    });
    gw = await startGateway({
      PORT: String(port), OPS_TOKEN, AICC_BASE_URL: sim.url, AICC_APP_KEY: AICC.appKey, AICC_APP_SECRET: AICC.appSecret,
      AICC_CHANNEL_ID: AICC.channelId, AICC_TIMEOUT_MS: '2000',
    });
  });

  after(async () => {
    await gw?.close();
    await sim?.close();
  });

  it('answers 401 without the token: JSON for a script, the sign-in form for a browser, under a strict CSP', async () => {
    const script = await gw.request('GET', '/ops');
    assert.equal(script.status, 401);
    assert.equal(script.body.resultCode, '3');
    const wrong = await gw.request('GET', '/ops/api/state', undefined, { authorization: 'Bearer not-the-token' });
    assert.equal(wrong.status, 401);
    assert.deepEqual(Object.keys(wrong.body).sort(), ['code', 'resultCode', 'resultDesc']);

    const browser = await fetch(`${gw.url}/ops`, { headers: { accept: 'text/html' } });
    assert.equal(browser.status, 401);
    const form = await browser.text();
    assert.match(form, /<form method="post" action="\/ops\/login">/);
    assert.doesNotMatch(form, /Refused pushes/);
    const csp = browser.headers.get('content-security-policy') ?? '';
    for (const rule of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'", "frame-ancestors 'none'"]) {
      assert.ok(csp.includes(rule), `CSP has ${rule}`);
    }
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  });

  it('opens with the bearer token for scripts, and shows secrets only as set or unset', async () => {
    const page = await fetch(`${gw.url}/ops`, { headers: bearer });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<script src="\/ops\/ops.js" defer><\/script>/);
    const state = await gw.request('GET', '/ops/api/state', undefined, bearer);
    assert.equal(state.status, 200);
    assert.equal(state.body.resultCode, '0');
    assert.equal(state.headers.get('cache-control'), 'no-store');
    const settings = new Map(state.body.settings.map((s: { name: string; value: string }) => [s.name, s.value]));
    assert.equal(settings.get('OPS_TOKEN'), 'set');
    assert.equal(settings.get('AICC_APP_SECRET'), 'set');
    assert.equal(settings.get('AICC_APPS'), 'set');
    assert.equal(settings.get('METRICS_TOKEN'), 'unset');
    assert.equal(settings.get('AICC_BASE_URL'), sim.url);
    const text = JSON.stringify(state.body);
    for (const secret of [OPS_TOKEN, AICC.appSecret, APPS.app1]) assert.ok(!text.includes(secret), 'no secret value in the state');
    assert.equal(state.body.store.ready, true);
    assert.equal(state.body.node.cluster, false);
  });

  it('signs a person in with an HttpOnly, SameSite=Strict cookie that is not the token, and out again', async () => {
    const refused = await fetch(`${gw.url}/ops/login`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=wrong',
    });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('set-cookie'), null);
    assert.match(await refused.text(), /not the operator token/);

    const signedIn = await fetch(`${gw.url}/ops/login`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: OPS_TOKEN }).toString(),
    });
    assert.equal(signedIn.status, 303);
    assert.equal(signedIn.headers.get('location'), '/ops');
    const cookie = signedIn.headers.get('set-cookie') ?? '';
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.match(cookie, /Path=\/ops/);
    assert.ok(!cookie.includes(OPS_TOKEN));
    const session = cookie.split(';')[0]!;
    assert.equal((await fetch(`${gw.url}/ops/api/state`, { headers: { cookie: session } })).status, 200);
    assert.equal((await fetch(`${gw.url}/ops/api/state`, { headers: { cookie: `${session}x` } })).status, 401);

    const signedOut = await fetch(`${gw.url}/ops/logout`, { method: 'POST', redirect: 'manual', headers: { cookie: session } });
    assert.equal(signedOut.status, 303);
    assert.match(signedOut.headers.get('set-cookie') ?? '', /Max-Age=0/);
  });

  it('bounds what it keeps', () => {
    const { journal } = gw.gateway;
    assert.equal(journal.pushes.capacity, JOURNAL_SIZES.pushes);
    assert.ok(JOURNAL_SIZES.pushes >= 200 && JOURNAL_SIZES.refused >= 50);
  });

  describe('in Chromium', () => {
    let context: BrowserContext;
    let page: Page;
    let profile: string;
    let socket: WebSocket;
    const problems: string[] = [];
    const customer = 'cust-ops-1';

    before(async () => {
      // A conversation: the customer writes (the simulator's bot answers through pushMsg), then asks for a human,
      // which AICC refuses after hours (resultCode 12); and two pushes the gateway refuses.
      const token = await customerToken(customer);
      const headers = { authorization: `Bearer ${token}` };
      assert.equal((await gw.request('POST', '/v1/messages', { clientMessageId: 'hello-1', kind: 'text', text: 'Hello there' }, headers)).status, 202);
      await until(async () => {
        const log = (await gw.request('GET', '/v1/messages?since=0&limit=100', undefined, headers)).body.messages as { message: { sourceType: string; controlType: string; status?: string } }[];
        return log.some((m) => m.message.sourceType !== 'CUSTOMER' && m.message.controlType === 'CHAT') && log.some((m) => m.message.status === 'sent');
      }, 'the bot answered and the message is marked sent');
      assert.equal((await gw.request('POST', '/v1/transfer', { clientMessageId: 'human-1' }, headers)).status, 202);
      await until(async () => gw.gateway.journal.uplinkFailures.size > 0, 'AICC refused the transfer');

      const aiccToken = await gw.token('app1');
      const invalid = await gw.push(pushBody([downLinkMsg({ to: customer }), downLinkMsg({ to: customer, controlType: undefined })]), {
        'x-app-key': 'app1', authorization: `Bearer ${aiccToken}`,
      });
      assert.equal(invalid.status, 400);
      // The customer's tab is open (a WebSocket stream), so the page lists them as connected.
      socket = new WebSocket(`${gw.url.replace('http', 'ws')}/v1/stream?token=${token}`);
      await new Promise((resolve, reject) => socket.once('message', resolve).once('error', reject));
      const hostile = await gw.push(pushBody([downLinkMsg()]), { 'x-app-key': '<img src=x onerror=alert(1)>', authorization: 'Bearer forged' });
      assert.equal(hostile.status, 401);

      profile = mkdtempSync(join(tmpdir(), 'aicc-ops-chromium-'));
      context = await chromium.launchPersistentContext(profile, {
        executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, viewport: { width: 1440, height: 1100 },
      });
      page = context.pages()[0] ?? (await context.newPage());
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error' && !/401 \(Unauthorized\)/.test(message.text())) problems.push(`console: ${message.text()} ${message.location().url}`);
      });
      page.on('dialog', (dialog) => {
        problems.push(`dialog: ${dialog.message()}`);
        void dialog.dismiss();
      });
    });

    after(async () => {
      socket?.close();
      await context?.close();
      if (profile) rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    });

    it('signs in with the keyboard and shows the refused pushes with status, resultCode and resultDesc', async () => {
      const signIn = await page.goto(`${gw.url}/ops`);
      assert.equal(signIn?.status(), 401);
      // The token field has the focus: type and press Enter, as a person would.
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'token');
      await page.keyboard.type(OPS_TOKEN);
      await page.keyboard.press('Enter');
      await page.waitForURL(`${gw.url}/ops`);

      const refused = page.locator('#refused tbody tr');
      await refused.filter({ hasText: 'messages[1].controlType' }).waitFor();
      const invalidRow = await refused.filter({ hasText: 'messages[1].controlType' }).innerText();
      assert.match(invalidRow, /pushMsg\s+app1\s+400\s+2\s/);
      assert.match(invalidRow, new RegExp(customer));
      // A forged post is listed apart from AICC's refused pushes, its claimed app key as text, not markup.
      assert.equal(await refused.filter({ hasText: '<img src=x onerror=alert(1)>' }).count(), 0);
      const forgedRow = await page.locator('#anonymous tbody tr').filter({ hasText: '<img src=x onerror=alert(1)>' }).innerText();
      assert.match(forgedRow, /401\s+3\s/);
      assert.equal(await page.locator('#anonymous img').count(), 0, "the hostile app key is text, not markup");

      await page.locator('#pushes tbody tr').first().waitFor();
      const uplink = await page.locator('#uplink tbody tr').first().innerText();
      assert.match(uplink, new RegExp(customer));
      assert.match(uplink, /TRANS2AGENT/);
      assert.match(uplink, /OUTSIDE_WORKING_HOURS\s+12/);
      assert.match(await page.locator('#config').innerText(), /AICC_APP_SECRET\s+set/);
      assert.match(await page.locator('#store').innerText(), /local\s+yes/);
      const connections = await page.locator('#connections').innerText();
      assert.match(connections, /\s1\s+0\s+1\s/, 'by transport: one WebSocket, no SSE, one customer');
      assert.match(connections, new RegExp(`${customer}\\s+1\\s+0`));
    });

    it('looks a customer up with the keyboard: conversation, AICC session, log with seqs and statuses', async () => {
      // Tab from the top of the page to the lookup field: it is reachable without a mouse.
      await page.locator('body').focus();
      for (let i = 0; i < 10 && (await page.evaluate(() => document.activeElement?.id)) !== 'customer'; i++) await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'customer');
      await page.keyboard.type(customer);
      await page.keyboard.press('Enter');

      const result = page.locator('#customer-result');
      await result.locator('tbody tr').first().waitFor();
      const summary = await result.locator('dl').innerText();
      assert.match(summary, /conversation\s+offline/); // after hours: AICC offers to leave a message
      assert.match(summary, /AICC session\s+user /);
      const rows = await result.locator('tbody tr').allInnerTexts();
      const hello = rows.find((r) => r.includes('CUSTOMER') && r.includes('Hello there'));
      assert.ok(hello, 'the customer message is listed');
      assert.match(hello, /^\d+\s/, 'with its seq');
      assert.match(hello, /CUSTOMER\s+CHAT TEXT\s+Hello there\s+sent/);
      const transfer = rows.find((r) => r.includes('TRANS2AGENT'));
      assert.match(transfer ?? '', /failed: No agent is working now/);
      assert.ok(rows.some((r) => /ROBOT|AGENT|SYSTEM/.test(r)), "AICC's messages are listed too");
      const seqs = rows.map((r) => Number(r.split(/\s/)[0]));
      assert.deepEqual(seqs, [...seqs].sort((a, b) => b - a), 'newest first');

      // A customer with nothing stored says so; one named in a table is one Enter away.
      await page.locator('#customer').fill('nobody-here');
      await page.keyboard.press('Enter');
      await result.getByText('Nothing is stored for this customer.').waitFor();
      await page.locator('#refused button', { hasText: customer }).first().focus();
      await page.keyboard.press('Enter');
      await result.locator('tbody tr', { hasText: 'Hello there' }).first().waitFor();

      // UPDATE_SCREENSHOTS=1 renews the picture in the README (docs/ops.png).
      const png = await page.screenshot({ fullPage: true, ...(process.env.UPDATE_SCREENSHOTS ? { path: SCREENSHOT } : {}) });
      assert.equal(png.subarray(1, 4).toString(), 'PNG');
      assert.deepEqual(problems, [], 'no script error, CSP violation or dialog');
    });
  });
});

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
