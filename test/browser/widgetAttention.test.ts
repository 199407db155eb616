// The widget before and beyond the conversation, in real Chromium: it greets (the site's words, or ours per
// language), says before the customer writes when no agent works now (AICC answered resultCode 12) and takes a
// message for them, and when the agent writes while the chat is closed, the tab title counts it and a browser
// notification (asked for only on a click) opens the chat. Behind a proxy that breaks WebSockets, it chats over
// SSE by itself.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../tools/screenshots.js';
import { stringsFor } from '../../src/widget/i18n.js';
import { assertAccessible } from '../support/axe.js';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { startProxy } from '../support/proxy.js';
import { customer, startRig, statusOf, type Rig } from '../support/rig.js';
import { waitFor } from '../support/streams.js';

const en = stringsFor('en');
const zh = stringsFor('zh-CN');

let browser: Browser;
before(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});
after(async () => {
  await browser?.close();
});

/** A page of another site (another origin) that embeds the widget with `attributes`. */
async function shop(gateway: string, attributes: string): Promise<{ url: string; close: () => Promise<void> }> {
  const html =
    `<!doctype html><html lang="en"><meta charset="utf-8"><title>Shop</title><main><h1>Shop</h1></main>` +
    `<script src="${gateway}/widget.js" ${attributes} defer></script>`;
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const visitorId = (page: Page) =>
  page.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.endsWith(':visitor'));
    return key ? (JSON.parse(localStorage.getItem(key)!) as { visitorId: string }).visitorId : undefined;
  });

describe('the widget greets', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig({ push: 'pushMsg' }, { VISITOR_RATE_LIMIT: '1000', ALLOWED_ORIGINS: '*' });
  });
  after(async () => {
    await rig?.close();
  });

  it('with our words in English and in Chinese, and with the site’s own', async () => {
    for (const [locale, attributes, expected] of [
      ['en-US', 'data-open="true"', en.greeting],
      ['zh-CN', 'data-open="true"', zh.greeting],
      ['en-US', 'data-open="true" data-greeting="Welcome to the Shop! Ask us about sizes."', 'Welcome to the Shop! Ask us about sizes.'],
    ] as const) {
      const site = await shop(rig.gw.url, attributes);
      const context = await browser.newContext({ locale });
      try {
        const page = await context.newPage();
        await page.goto(site.url);
        const greeting = page.locator('.greeting-text');
        await greeting.waitFor();
        assert.equal(await greeting.textContent(), expected);
        assert.equal(await page.locator('.log > li').count(), 0, 'before the customer writes');
        assert.ok(await page.locator('.away').isHidden(), 'nothing said of working hours when the gateway knows nothing');
        await assertAccessible(page, `greeting, ${locale}`);
      } finally {
        await context.close();
        await site.close();
      }
    }
  });

  it('counts what the agent writes while the chat is closed in the tab title, and notifies; a click opens the chat', async () => {
    const site = await shop(rig.gw.url, 'data-notifications="true" data-sound="true"');
    const context = await browser.newContext({ locale: 'en-US' });
    try {
      const page = await context.newPage();
      // Watches the browser's own Notification (each one is still made by Chromium): what was shown, what was asked.
      // (A string: the test's own compiler would add helpers to a function that the page does not have.)
      await page.addInitScript(`
        const Real = window.Notification;
        const seen = { shown: [], asked: 0 };
        class Watched extends Real {
          constructor(title, options) {
            super(title, options);
            seen.shown.push({ title, body: (options && options.body) || '', note: this });
          }
          static get permission() { return Real.permission; }
          static requestPermission(...args) { seen.asked++; return Real.requestPermission(...args); }
        }
        window.Notification = Watched;
        window.seen = seen;
      `);
      const seen = () => page.evaluate(() => {
        const s = (window as unknown as { seen: { shown: { title: string; body: string }[]; asked: number } }).seen;
        return { shown: s.shown.map(({ title, body }) => ({ title, body })), asked: s.asked };
      });
      await page.goto(site.url);
      await page.locator('.launcher').waitFor();
      assert.equal((await seen()).asked, 0, 'no permission asked before a click');
      await page.locator('.launcher').click();
      assert.equal((await seen()).asked, 1, 'asked on the click');
      await context.grantPermissions(['notifications'], { origin: site.url });
      await page.locator('.greeting-text').waitFor();
      await page.waitForFunction(() => Object.keys(localStorage).some((k) => k.endsWith(':visitor')));
      const id = (await visitorId(page))!;
      await page.keyboard.press('Escape');
      await page.locator('.panel').waitFor({ state: 'hidden' });

      await rig.gw.push(pushBody([downLinkMsg({ to: id, senderNickname: 'Mia', content: 'Your parcel left our warehouse this morning.' })]));
      await page.waitForFunction(() => document.title === '(1) New message · Shop');
      await page.waitForFunction(() => (window as unknown as { seen: { shown: unknown[] } }).seen.shown.length === 1);
      assert.deepEqual((await seen()).shown, [{ title: 'Mia', body: 'Your parcel left our warehouse this morning.' }]);
      await rig.gw.push(pushBody([downLinkMsg({ to: id, senderNickname: 'Mia', content: 'It arrives tomorrow.' })]));
      await page.waitForFunction(() => document.title === '(2) New message · Shop');
      await assertAccessible(page, 'two unread, closed');

      // A click on the notification opens the chat: read, so the title is the page's own again.
      await page.evaluate(() => (window as unknown as { seen: { shown: { note: Notification }[] } }).seen.shown[1]!.note.onclick!(new Event('click')));
      await page.locator('.panel').waitFor();
      await page.waitForFunction(() => document.title === 'Shop');
      assert.ok(await page.locator('.badge').isHidden());
    } finally {
      await context.close();
      await site.close();
    }
  });
});

describe('behind a proxy that refuses WebSockets', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig({ push: 'pushMsg' }, { VISITOR_RATE_LIMIT: '1000' });
  });
  after(async () => {
    await rig?.close();
  });

  it('falls back to SSE by itself and plays the conversation, every message once', async () => {
    const proxy = await startProxy([rig.gw.url]);
    const context = await browser.newContext({ locale: 'en-US' });
    try {
      const page = await context.newPage();
      const upgrades: string[] = [];
      page.on('websocket', (socket) => upgrades.push(socket.url()));
      await page.goto(`${proxy.url}/`);
      await page.locator('.input').fill('Hello through the proxy');
      await page.locator('.input').press('Enter');
      await page.locator('.msg-bot').first().waitFor();
      await page.locator('.chip', { hasText: 'Talk to a human' }).click();
      await page.locator('.msg-agent .text', { hasText: 'Hello, this is Lily' }).waitFor();
      await page.locator('.msg-customer .tick-read').first().waitFor();
      assert.ok(proxy.refusedUpgrades >= 3 && upgrades.length >= 3, `WebSockets were tried and refused (${proxy.refusedUpgrades})`);
      const seqs = await page.locator('.log > li').evaluateAll((items) => items.map((li) => Number((li as HTMLElement).dataset.seq)));
      assert.equal(new Set(seqs).size, seqs.length, `each seq once: ${seqs}`);
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in order');
      assert.ok(await page.locator('.banner-conn').isHidden(), 'no connection trouble shown once SSE carries the chat');
    } finally {
      await context.close();
      await proxy.close();
    }
  });
});

describe('outside working hours', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig({ push: 'pushMsg', scenario: 'after-hours' }, { VISITOR_RATE_LIMIT: '1000' });
  });
  after(async () => {
    await rig?.close();
  });

  it('says so before the customer writes, once AICC has answered 12, and takes a message for the agents', async () => {
    // An earlier customer asked for a human and AICC answered: not within the agents' working time.
    const earlier = await customer(rig, 'earlier-customer');
    const transfer = await earlier.http('POST', '/v1/transfer', { clientMessageId: 'early-1' });
    await waitFor(() => statusOf(earlier.heard, transfer.body.seq).includes('failed'), 'the transfer is refused');
    earlier.client.close();

    for (const [locale, t] of [['en-US', en], ['zh-CN', zh]] as const) {
      const context = await browser.newContext({ locale, viewport: locale === 'zh-CN' ? { width: 390, height: 844 } : { width: 1280, height: 800 } });
      try {
        const page = await context.newPage();
        await page.goto(`${rig.gw.url}/`);
        const away = page.locator('.away');
        await away.waitFor();
        assert.equal(await page.locator('.away-text').textContent(), t.agentsAway);
        assert.equal(await page.locator('.log > li').count(), 0, 'before the customer writes');
        await assertAccessible(page, `agents away, ${locale}`);
        await page.locator('.leave-offer').click();
        await page.locator('.leave-text').fill(`Please call me about order 1042 (${locale})`);
        await page.locator('.leave-phone').fill('+8613800000000');
        await page.locator('.leave-send').click();
        await page.locator('.leave-thanks').waitFor();
        assert.equal(await page.locator('.leave-thanks').textContent(), t.leaveThanks);
        await assertAccessible(page, `message left, ${locale}`);
        const left = rig.sim.leftMessages.at(-1)!;
        assert.equal(left.leaveMessage, `Please call me about order 1042 (${locale})`);
      } finally {
        await context.close();
      }
    }
  });
});
