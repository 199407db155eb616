// A message of the customer's that failed before the gateway stored it keeps its place in the conversation, where
// it was written, rather than sinking below everything that arrives after it; and a Retry after the conversation
// ended offers "Start a new conversation" rather than starting one with the old text by itself. In Chromium, on a
// desktop in English and on a phone in Chinese, axe-core in the new states.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Browser } from 'playwright-core';
import { stringsFor, type Lang } from '../../src/widget/i18n.js';
import { assertAccessible } from '../support/axe.js';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { PHONE, startWidgetWorld, stopWidgetWorld } from '../support/browser.js';
import { type Rig } from '../support/rig.js';


let rig: Rig;
let browser: Browser;
before(async () => ({ rig, browser } = await startWidgetWorld({ push: 'pushMsg' }, { VISITOR_RATE_LIMIT: '1000' })));
after(() => stopWidgetWorld({ rig, browser }));

const cases: { name: string; lang: Lang; options: Parameters<Browser['newContext']>[0]; refused: string }[] = [
  { name: 'desktop, English', lang: 'en', options: { viewport: { width: 1280, height: 800 }, locale: 'en-US' }, refused: 'Refused on the way' },
  { name: 'phone, Chinese', lang: 'zh-CN', options: { ...PHONE, locale: 'zh-CN' }, refused: '路上被拒绝了' },
];

describe('the order and the Retry of a failed message', () => {
  for (const { name, lang, options, refused } of cases) {
    it(`keeps a message that failed before it was stored where it was written; its Retry after the end asks first (${name})`, async () => {
      const t = stringsFor(lang);
      const context = await browser.newContext(options);
      try {
        const page = await context.newPage();
        await page.goto(`${rig.gw.url}/`);
        const visitorId = await page.evaluate(async () => {
          for (;;) {
            const key = Object.keys(localStorage).find((k) => k.endsWith(':visitor'));
            if (key) return (JSON.parse(localStorage.getItem(key)!) as { visitorId: string }).visitorId;
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        });
        // The gateway refuses this one message (as a proxy in between might): it is never stored.
        await page.route('**/v1/messages', (route) =>
          route.request().method() === 'POST'
            ? route.fulfill({ status: 400, contentType: 'application/json', body: '{"resultCode":"2","resultDesc":"refused","code":"INVALID_PARAMETER"}' })
            : route.fallback(),
        );
        await page.locator('.input').fill(refused);
        await page.locator('.input').press('Enter');
        const failed = page.locator('.msg-customer', { hasText: refused });
        await failed.locator('.tick-failed').waitFor();
        await page.unroute('**/v1/messages');

        // The agent writes afterwards, then hangs up: the failed message stays above both.
        const agent = { to: visitorId, sourceType: 'AGENT', senderNickname: 'Lily' };
        assert.equal((await rig.gw.push(pushBody([downLinkMsg({ ...agent, content: 'Written later' })]))).status, 200);
        const later = page.locator('.msg-agent', { hasText: 'Written later' });
        await later.waitFor();
        const order = await page.locator('.log > li').evaluateAll((items) => items.map((li) => li.textContent ?? ''));
        const at = (text: string) => order.findIndex((line) => line.includes(text));
        assert.ok(at(refused) >= 0 && at(refused) < at('Written later'), `where it was written: ${JSON.stringify(order)}`);
        await assertAccessible(page, `a failed message in its place (${name})`);

        assert.equal((await rig.gw.push(pushBody([downLinkMsg({ ...agent, controlType: 'DISCONNECT', mediaType: null, content: null })]))).status, 200);
        await page.locator('.banner-state[data-kind="ended"]').waitFor();
        const sends = rig.sim.sends.length;
        await failed.getByRole('button', { name: t.retry }).click();
        await page.getByRole('status').filter({ hasText: t.endedRetry }).first().waitFor();
        const restart = page.getByRole('button', { name: t.newConversation });
        assert.equal(await restart.evaluate((b) => b === (b.getRootNode() as ShadowRoot).activeElement), true, '"Start a new conversation" has the focus');
        await assertAccessible(page, `Retry after the end (${name})`);
        assert.equal(rig.sim.sends.length, sends, 'no new conversation started by itself');
        assert.equal(await page.locator('.msg-customer', { hasText: refused }).count(), 1);
      } finally {
        await context.close();
      }
    });
  }
});
