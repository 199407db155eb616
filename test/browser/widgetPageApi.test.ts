// The page drives the widget (window.AiccChat) from its own script, in Chromium, against a real gateway on
// loopback: its own chat button instead of our launcher, the events a page listens to (ready, opened, closed,
// message, unread, state), the language switched after load, a login after load and a logout (`reset()`) that
// closes the stream at the gateway at once and leaves nothing for the next person; and, on a gateway that takes
// no anonymous visitors, the "sign in to chat" state.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../tools/screenshots.js';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { customerToken, startGateway, type InProcessGateway } from '../support/gateway.js';
import { waitFor } from '../support/streams.js';

let gw: InProcessGateway;
let signedInOnly: InProcessGateway;
let browser: Browser;
const servers: Array<() => Promise<void>> = [];

before(async () => {
  gw = await startGateway();
  signedInOnly = await startGateway({ VISITORS: 'off' });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  for (const close of servers) await close();
  await gw?.close();
  await signedInOnly?.close();
});

/** A page of another site (another origin) that embeds the widget. */
async function hostPage(html: string): Promise<string> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/account.html`;
}

/**
 * The company's page: its own "Help" button with its own unread badge, a login that hands the widget the
 * customer's token source, and a logout. Every event the widget gives is recorded in `window.heard`.
 */
function shopPage(gateway: string, firstToken: string): string {
  return `<!doctype html><html><head><title>Account</title></head><body>
<button id="help" type="button">Help <span id="badge">0</span></button>
<button id="logout" type="button">Log out</button>
<script>
  window.heard = [];
  window.currentToken = ${JSON.stringify(firstToken)};
  window.AiccChatConfig = { getToken: async () => window.currentToken, launcher: false };
  let wired = false;
  window.addEventListener('aiccchat:ready', () => {
    window.heard.push(['ready']);
    if (wired) return;
    wired = true;
    const chat = window.AiccChat;
    for (const name of ['opened', 'closed', 'message', 'unread', 'state']) chat.on(name, (value) => window.heard.push([name, value]));
    chat.on('unread', (count) => { document.getElementById('badge').textContent = String(count); });
    document.getElementById('help').addEventListener('click', () => chat.open());
    document.getElementById('logout').addEventListener('click', () => chat.reset());
  });
</script>
<script src="${gateway}/widget.js" defer></script>
</body></html>`;
}

type Heard = Array<[string, unknown?]>;
const heard = (page: Page) => page.evaluate(() => (window as unknown as { heard: Heard }).heard);
async function hear(page: Page, predicate: string): Promise<void> {
  await page.waitForFunction(`window.heard.some(([name, value]) => ${predicate})`);
}

describe('the page drives the widget', () => {
  it('opens from the page\'s own button, tells the page what happens, and reset() ends the customer at once', async () => {
    const alice = `page-alice-${Date.now()}`;
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(await hostPage(shopPage(gw.url, await customerToken(alice))));
      await hear(page, "name === 'ready'");
      // Our launcher is gone; the page's button is the way in.
      assert.equal(await page.locator('.launcher').isHidden(), true);
      // The customer is known (getToken), so the widget connects at once: the state comes from the stream's hello.
      await hear(page, "name === 'state' && value.phase === 'bot'");
      await waitFor(() => gw.gateway.streams.size === 1, "alice's stream at the gateway");

      // An agent writes while the panel is closed: the page hears the message and the unread count.
      const pushed = await gw.push(pushBody([downLinkMsg({ to: alice, content: 'Your order has shipped', senderNickname: 'Dana' })]));
      assert.equal(pushed.status, 200);
      await hear(page, "name === 'message' && value.text === 'Your order has shipped' && value.author === 'agent' && value.nickname === 'Dana'");
      await hear(page, "name === 'unread' && value === 1");
      assert.equal(await page.locator('#badge').textContent(), '1');
      assert.equal(await page.evaluate(() => window.AiccChat!.unreadCount), 1);

      // The page's own button opens the chat: opened, and what was unread is seen.
      await page.click('#help');
      await hear(page, "name === 'opened'");
      await hear(page, "name === 'unread' && value === 0");
      await page.locator('.msg', { hasText: 'Your order has shipped' }).waitFor();
      assert.equal(await page.evaluate(() => window.AiccChat!.isOpen), true);

      // The conversation changes state (an agent joins): the page hears it.
      await gw.push(pushBody([downLinkMsg({ to: alice, controlType: 'CONNECT', sourceType: 'AGENT', content: null, senderNickname: 'Dana' })]));
      await hear(page, "name === 'state' && value.phase === 'agent'");
      assert.equal(await page.evaluate(() => window.AiccChat!.state?.phase), 'agent');

      // The language, switched by the page: the same conversation, in Chinese.
      await page.evaluate(() => window.AiccChat!.setLocale('zh-CN'));
      assert.equal(await page.evaluate(() => window.AiccChat!.locale), 'zh-CN');
      await page.locator('.input[placeholder="输入消息…"]').waitFor();
      await page.locator('.msg', { hasText: 'Your order has shipped' }).waitFor();

      await page.evaluate(() => window.AiccChat!.close());
      await hear(page, "name === 'closed'");

      // Logout: the stream is gone from the gateway at once, and nothing of Alice stays in the browser.
      await page.evaluate(() => (window as unknown as { currentToken: string | undefined }).currentToken = undefined);
      await page.click('#logout');
      await waitFor(() => gw.gateway.streams.size === 0, "alice's stream closed by reset()");
      const kept = await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('aicc-chat:')));
      assert.deepEqual(kept, []);
      assert.equal(await page.locator('.msg').count(), 0);
      assert.equal(await page.evaluate(() => window.AiccChat!.state), undefined);

      // The next customer logs in on the same page: their own, empty conversation.
      const bob = `page-bob-${Date.now()}`;
      const bobToken = await customerToken(bob);
      await page.evaluate((token) => window.AiccChat!.identify(async () => token), bobToken);
      await waitFor(() => gw.gateway.streams.size === 1, "bob's stream at the gateway");
      await page.evaluate(() => window.AiccChat!.open());
      await page.locator('.input').waitFor();
      assert.equal(await page.locator('.msg').count(), 0);
      // Alice's message, pushed after she left, never reaches Bob's page.
      await gw.push(pushBody([downLinkMsg({ to: alice, content: 'For Alice only' })]));
      await gw.push(pushBody([downLinkMsg({ to: bob, content: 'Hello Bob' })]));
      await page.locator('.msg', { hasText: 'Hello Bob' }).waitFor();
      assert.equal(await page.locator('.msg', { hasText: 'For Alice only' }).count(), 0);
      const messages = (await heard(page)).filter(([name]) => name === 'message').map(([, value]) => (value as { text: string }).text);
      assert.deepEqual(messages, ['Your order has shipped', 'Hello Bob']);
    } finally {
      await context.close();
    }
  });

  it('a late ready listener is called, a throwing listener breaks nothing, and setLauncher brings the launcher back', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(await hostPage(`<!doctype html><body><script src="${gw.url}/widget.js" data-launcher="false" defer></script></body>`));
      await page.waitForFunction(() => window.AiccChat !== undefined);
      const late = await page.evaluate(
        () =>
          new Promise<string>((resolve) => {
            window.AiccChat!.on('opened', () => {
              throw new Error('a page bug');
            });
            window.AiccChat!.on('ready', () => resolve('ready'));
          }),
      );
      assert.equal(late, 'ready');
      assert.equal(await page.locator('.launcher').isHidden(), true);
      await page.evaluate(() => window.AiccChat!.setLauncher(true));
      await page.locator('.launcher').click();
      await page.locator('.panel').waitFor();
      assert.equal(await page.evaluate(() => window.AiccChat!.isOpen), true);
    } finally {
      await context.close();
    }
  });

  it('on a gateway without anonymous visitors, an anonymous page shows "sign in to chat", not a failing input', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(await hostPage(`<!doctype html><body><script src="${signedInOnly.url}/widget.js" data-lang="en" defer></script></body>`));
      await page.locator('.launcher').click();
      await page.locator('.banner-conn', { hasText: 'Sign in to chat with us.' }).waitFor();
      assert.equal(await page.locator('.input').isDisabled(), true);
      assert.equal(await page.locator('.msg').count(), 0);
      // The page signs the customer in: the widget connects as them and the input opens.
      const token = await customerToken(`page-carol-${Date.now()}`);
      await page.evaluate((t) => window.AiccChat!.identify(async () => t), token);
      await page.locator('.input:not([disabled])').waitFor();
      await waitFor(() => signedInOnly.gateway.streams.size === 1, "carol's stream");
    } finally {
      await context.close();
    }
  });
});
