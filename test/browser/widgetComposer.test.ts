// What the customer can send, known before sending, in a real browser against the gateway and the AICC simulator:
// AICC's 1 KB TEXT limit counted in bytes while typing (400 Chinese characters are refused before sending, with
// the reason, never a failed bubble); only the files AICC's upload takes, a refused one named before anything is
// uploaded; pictures chosen, pasted or dropped are previewed before they are sent. Desktop in English, phone in
// Chinese, light and dark, axe-core in every new state.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { makePng } from '../../src/simulator/files.js';
import { stringsFor } from '../../src/widget/i18n.js';
import { assertAccessible } from '../support/axe.js';
import { PHONE, startWidgetWorld, stopWidgetWorld } from '../support/browser.js';
import { type Rig } from '../support/rig.js';
import { waitFor } from '../support/streams.js';

const en = stringsFor('en');
const zh = stringsFor('zh-CN');

let rig: Rig;
let browser: Browser;
before(async () => ({ rig, browser } = await startWidgetWorld({ push: 'pushMsg' }, { VISITOR_RATE_LIMIT: '1000' })));
after(() => stopWidgetWorld({ rig, browser }));

/** A picture put on the page's clipboard and pasted into the composer, or dropped on the panel. */
async function hand(page: Page, how: 'paste' | 'drop', name: string): Promise<void> {
  const bytes = [...makePng(16, 16, 7)];
  await page.evaluate(
    ({ how, name, bytes }) => {
      const root = document.querySelector('#aicc-chat')!.shadowRoot!;
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], name, { type: 'image/png' }));
      if (how === 'paste') root.querySelector('.input')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
      else root.querySelector('.panel')!.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    },
    { how, name, bytes },
  );
}

describe('the composer', () => {
  it('refuses 400 Chinese characters before sending, saying so in bytes; 341 of them go (phone, Chinese, dark)', async () => {
    const context = await browser.newContext({ ...PHONE, locale: 'zh-CN', colorScheme: 'dark' });
    try {
      const page = await context.newPage();
      await page.goto(`${rig.gw.url}/`);
      const input = page.locator('.input');
      await input.fill('好'.repeat(400));
      const limit = page.locator('.limit');
      await limit.filter({ hasText: zh.overLimit(1200 - 1024) }).waitFor();
      assert.equal(await input.getAttribute('aria-invalid'), 'true');
      await assertAccessible(page, 'too long, phone, dark, Chinese');
      await input.press('Enter');
      await page.locator('.send').click();
      assert.equal(await page.locator('.msg-customer').count(), 0, 'no bubble, failed or otherwise');
      assert.equal(await input.inputValue(), '好'.repeat(400), 'the text stays for the customer to shorten');

      await input.fill('好'.repeat(341)); // 1,023 bytes
      await limit.filter({ hasText: zh.nearLimit(1) }).waitFor();
      assert.equal(await input.getAttribute('aria-invalid'), null);
      await input.press('Enter');
      await page.locator('.msg-customer').locator('.tick-sent, .tick-read').waitFor();
      const sent = rig.sim.sends.find((s) => s.request.content === '好'.repeat(341));
      assert.ok(sent, 'AICC took it whole');
      assert.equal(await limit.isHidden(), true, 'the counter goes with the text');
    } finally {
      await context.close();
    }
  });

  it('names a file AICC would refuse before uploading it; previews a chosen, pasted or dropped picture before sending', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    try {
      const page = await context.newPage();
      await page.goto(`${rig.gw.url}/`);
      await page.locator('.panel').waitFor();
      const accept = await page.locator('input.file').getAttribute('accept');
      assert.equal(accept, '.jpg,.jpeg,.png,.bmp,.mp3,.aac,.mp4,.txt,.csv', "the picker offers AICC's types");

      const uploads = rig.sim.uploads.length;
      await page.locator('input.file').setInputFiles({ name: 'report.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7') });
      await page.getByRole('status').filter({ hasText: en.fileRefused('report.pdf') }).first().waitFor();
      await assertAccessible(page, 'a refused file');
      assert.equal(rig.sim.uploads.length, uploads, 'nothing uploaded');
      assert.equal(await page.locator('.msg-customer').count(), 0, 'no failed bubble');

      // Chosen: previewed, cancelled; pasted: previewed, sent; dropped: previewed, sent.
      await page.locator('input.file').setInputFiles({ name: 'chosen.png', mimeType: 'image/png', buffer: makePng(16, 16, 1) });
      const preview = page.getByRole('group', { name: en.previewTitle });
      await preview.getByRole('img', { name: 'chosen.png' }).waitFor();
      await assertAccessible(page, 'a picture previewed');
      await preview.getByRole('button', { name: en.previewCancel }).click();
      await preview.waitFor({ state: 'detached' });

      await hand(page, 'paste', 'pasted.png');
      await preview.getByRole('img', { name: 'pasted.png' }).waitFor();
      await preview.getByRole('button', { name: en.previewSend }).click();
      await page.locator('.msg-customer img').first().waitFor();
      await hand(page, 'drop', 'dropped.png');
      await preview.getByRole('img', { name: 'dropped.png' }).waitFor();
      await preview.getByRole('button', { name: en.previewSend }).click();
      await waitFor(() => rig.sim.uploads.length === uploads + 2, 'both pictures uploaded to AICC');
      await page.locator('.msg-customer img').nth(1).waitFor();
      assert.equal(await page.locator('.msg-customer').count(), 2);
    } finally {
      await context.close();
    }
  });
});
