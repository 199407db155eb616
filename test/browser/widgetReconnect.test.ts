// Losing the network in the widget, for real (Chromium's network switched off under the page): the customer is
// told at once, politely (a live status, "Reconnecting…"), a message written meanwhile waits as pending and is
// sent by itself when the network is back, exactly once at AICC; the banner goes when the stream is back. On a
// desktop in English and on a phone in Chinese, with axe-core in the new states.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Browser } from 'playwright-core';
import { stringsFor, type Lang } from '../../src/widget/i18n.js';
import { assertAccessible } from '../support/axe.js';
import { PHONE, startWidgetWorld, stopWidgetWorld } from '../support/browser.js';
import { type Rig } from '../support/rig.js';
import { waitFor } from '../support/streams.js';


let rig: Rig;
let browser: Browser;
before(async () => ({ rig, browser } = await startWidgetWorld({ push: 'pushMsg' }, { VISITOR_RATE_LIMIT: '1000' })));
after(() => stopWidgetWorld({ rig, browser }));

const cases: { name: string; lang: Lang; options: Parameters<Browser['newContext']>[0]; first: string; meanwhile: string }[] = [
  { name: 'on a desktop, in English', lang: 'en', options: { viewport: { width: 1280, height: 800 }, locale: 'en-US' }, first: 'Hello there', meanwhile: 'Are you still there?' },
  { name: 'on a phone, in Chinese', lang: 'zh-CN', options: { ...PHONE, locale: 'zh-CN' }, first: '你好', meanwhile: '还在吗？' },
];

describe('the widget when the network goes away', () => {
  for (const { name, lang, options, first, meanwhile } of cases) {
    it(`says it is reconnecting and sends what was written meanwhile, once, when it is back (${name})`, async () => {
      const t = stringsFor(lang);
      const context = await browser.newContext(options);
      try {
        const page = await context.newPage();
        await page.goto(`${rig.gw.url}/`);
        await page.locator('.input').fill(first);
        await page.locator('.input').press('Enter');
        await page.locator('.msg-customer', { hasText: first }).locator('.tick-sent, .tick-read').waitFor();
        await page.locator('.msg-bot').first().waitFor();

        await context.setOffline(true);
        // A polite live region (role=status) says it, without waiting for a heartbeat to be missed.
        const banner = page.getByRole('status').filter({ hasText: t.reconnecting });
        await banner.waitFor();
        assert.equal(await banner.evaluate((node) => node.classList.contains('banner-conn')), true);
        await page.locator('.input').fill(meanwhile);
        await page.locator('.input').press('Enter');
        const waiting = page.locator('.msg-customer', { hasText: meanwhile });
        await waiting.locator('.tick-sending').waitFor();
        await waiting.locator('.waiting', { hasText: t.waitingForConnection }).waitFor();
        assert.equal(await waiting.locator('.retry').count(), 0, 'no Retry: nothing failed');
        await assertAccessible(page, `reconnecting, a message waiting (${name})`);

        await context.setOffline(false);
        await waiting.locator('.tick-sent, .tick-read').waitFor({ timeout: 30_000 });
        await banner.waitFor({ state: 'hidden' });
        const sent = () => rig.sim.sends.filter((s) => s.request.controlType === 'CHAT' && s.request.content === meanwhile);
        await waitFor(() => sent().length === 1, 'AICC has the message');
        assert.equal(await page.locator('.msg-customer', { hasText: meanwhile }).count(), 1, 'shown once');
        await assertAccessible(page, `back online (${name})`);
        // Settled: nothing more goes up (the clientMessageId would have deduplicated a second POST anyway).
        await page.reload();
        await page.locator('.msg-customer', { hasText: meanwhile }).locator('.tick-sent, .tick-read').waitFor();
        assert.equal(await page.locator('.msg-customer', { hasText: meanwhile }).count(), 1);
        assert.equal(sent().length, 1, 'sent to AICC exactly once');
      } finally {
        await context.close();
      }
    });
  }
});
