// The optional pre-chat form, as a site configures it (data-prechat="name*,email,phone": which fields, `*` required):
// a new visitor answers it before the first message; the name reaches AICC's applyToken (what the agent sees), the
// phone fills the after-hours leave-message form, and the e-mail goes with a left message. Desktop in English,
// phone in Chinese (dark), axe-core in the new state.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Browser } from 'playwright-core';
import { AICC_PATHS } from '../../src/aicc/api.js';
import { preChatFields } from '../../src/widget/config.js';
import { stringsFor, type Lang } from '../../src/widget/i18n.js';
import { assertAccessible } from '../support/axe.js';
import { PHONE, startWidgetWorld, stopWidgetWorld } from '../support/browser.js';
import { type Rig } from '../support/rig.js';
import { waitFor } from '../support/streams.js';


let rig: Rig;
let browser: Browser;
before(async () => ({ rig, browser } = await startWidgetWorld({ push: 'pushMsg', scenario: 'after-hours' }, { VISITOR_RATE_LIMIT: '1000' })));
after(() => stopWidgetWorld({ rig, browser }));

const cases: { name: string; lang: Lang; options: Parameters<Browser['newContext']>[0]; who: string; phone: string }[] = [
  { name: 'desktop, English', lang: 'en', options: { viewport: { width: 1280, height: 800 }, locale: 'en-US' }, who: 'Ada Lovelace', phone: '+44 20 7946 0000' },
  { name: 'phone, Chinese, dark', lang: 'zh-CN', options: { ...PHONE, locale: 'zh-CN', colorScheme: 'dark' }, who: '王小明', phone: '13866667777' },
];

describe('the pre-chat form', () => {
  for (const { name, lang, options, who, phone } of cases) {
    it(`asks who is writing before the first message; the name reaches applyToken, the phone the leave form (${name})`, async () => {
      const t = stringsFor(lang);
      const context = await browser.newContext(options);
      try {
        const page = await context.newPage();
        // A page of the site's, on the gateway's origin, with the widget configured to ask.
        await page.route(`${rig.gw.url}/shop.html`, (route) =>
          route.fulfill({
            contentType: 'text/html; charset=utf-8',
            body: `<!doctype html><html lang="${lang}"><head><title>Shop</title></head><body><main><h1>Shop</h1></main>` +
              `<script src="${rig.gw.url}/widget.js" data-open="true" data-prechat="name*,email,phone*" defer></script></body></html>`,
          }),
        );
        await page.goto(`${rig.gw.url}/shop.html`);
        const form = page.getByRole('form', { name: t.prechatIntro });
        await form.waitFor();
        assert.equal(await page.locator('.input').isDisabled(), true, 'nothing can be written before');
        assert.equal(await page.evaluate(() => Object.keys(localStorage).some((k) => k.endsWith(':visitor'))), false, 'no visitor yet');
        await assertAccessible(page, `the pre-chat form (${name})`);

        await form.getByRole('button', { name: t.prechatStart }).click();
        assert.equal(await form.isVisible(), true, 'the required name is asked for');
        await form.getByLabel(t.prechatName).fill(who);
        await form.getByLabel(t.prechatEmail).fill('ada@example.com');
        await form.getByLabel(t.prechatPhone).fill(phone);
        await form.getByRole('button', { name: t.prechatStart }).click();
        await form.waitFor({ state: 'detached' });
        await page.locator('.input:not([disabled])').waitFor();

        await page.locator('.input').fill('Hello');
        await page.locator('.input').press('Enter');
        const visitorId = await page.evaluate(() => {
          const key = Object.keys(localStorage).find((k) => k.endsWith(':visitor'))!;
          return (JSON.parse(localStorage.getItem(key)!) as { visitorId: string }).visitorId;
        });
        const applied = () => rig.sim.requests.filter((r) => r.path === AICC_PATHS.applyToken && (r.body as { userId: string }).userId === visitorId);
        await waitFor(() => applied().length > 0, 'applyToken');
        assert.equal((applied()[0]!.body as { userName: string }).userName, who, 'the agent sees the name');

        // After hours: the leave-message form starts with the phone; the e-mail goes with the message.
        await page.locator('.msg-bot').first().waitFor();
        await page.locator('.human').click();
        await page.locator('.banner-state[data-kind="offline"]').waitFor();
        await page.locator('.leave-offer').click();
        assert.equal(await page.locator('.leave-phone').inputValue(), phone);
        await page.locator('.leave-text').fill('Please call me');
        await page.locator('.leave-send').click();
        await page.locator('.leave-thanks').waitFor();
        const left = rig.sim.leftMessages.at(-1)!;
        assert.deepEqual([left.caller, left.leaveMessage], [phone, `Please call me\n${t.leftEmail('ada@example.com')}`]);

        // Answered once: a reload does not ask again.
        await page.reload();
        await page.locator('.panel').waitFor();
        await page.locator('.msg-customer', { hasText: 'Hello' }).waitFor();
        assert.equal(await page.locator('.prechat').count(), 0);
      } finally {
        await context.close();
      }
    });
  }

  it('reads data-prechat: the fields listed, once each, in order, `*` required; anything else ignored', () => {
    assert.deepEqual(preChatFields(' name* , Email,phone,name,address'), [
      { field: 'name', required: true }, { field: 'email', required: false }, { field: 'phone', required: false },
    ]);
    assert.deepEqual(preChatFields(undefined), []);
    assert.deepEqual(preChatFields(''), []);
  });
});
