// The conversation to keep: once it has ended, the customer downloads it as a text file, made from the gateway's
// history (every message, in order, as the widget showed it). In Chromium, on a desktop in English and on a phone
// in Chinese, axe-core in the new state.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { type Browser } from 'playwright-core';
import { stringsFor, type Lang } from '../../src/widget/i18n.js';
import { assertAccessible } from '../support/axe.js';
import { PHONE, startWidgetWorld, stopWidgetWorld } from '../support/browser.js';
import { type Rig } from '../support/rig.js';


let rig: Rig;
let browser: Browser;
before(async () => ({ rig, browser } = await startWidgetWorld({ push: 'pushMsg' }, { VISITOR_RATE_LIMIT: '1000' })));
after(() => stopWidgetWorld({ rig, browser }));

const cases: { name: string; lang: Lang; options: Parameters<Browser['newContext']>[0]; said: string }[] = [
  { name: 'desktop, English', lang: 'en', options: { viewport: { width: 1280, height: 800 }, locale: 'en-US' }, said: 'Hello there' },
  { name: 'phone, Chinese', lang: 'zh-CN', options: { ...PHONE, locale: 'zh-CN' }, said: '你好' },
];

describe('the transcript', () => {
  for (const { name, lang, options, said } of cases) {
    it(`downloads the ended conversation as text, in order (${name})`, async () => {
      const t = stringsFor(lang);
      const context = await browser.newContext({ ...options, acceptDownloads: true });
      try {
        const page = await context.newPage();
        await page.goto(`${rig.gw.url}/`);
        await page.locator('.input').fill(said);
        await page.locator('.input').press('Enter');
        const bot = page.locator('.msg-bot').first();
        await bot.waitFor();
        const botText = (await bot.locator('.text').textContent())!;
        await page.getByRole('button', { name: t.endChat, exact: true }).click();
        await page.getByRole('alertdialog').getByRole('button', { name: t.endYes }).click();
        const download = page.getByRole('button', { name: t.transcript });
        await download.waitFor();
        await assertAccessible(page, `ended, the transcript offered (${name})`);

        const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
        assert.match(file.suggestedFilename(), /^chat-\d{4}-\d{2}-\d{2}\.txt$/);
        const lines = (await readFile((await file.path())!, 'utf8')).trim().split('\n');
        const at = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line));
        const mine = at(new RegExp(`^\\[[^\\]]+\\] ${t.you}: ${said}$`));
        const answer = lines.findIndex((line) => line.endsWith(`: ${botText}`));
        const end = lines.indexOf(`— ${t.youEnded} —`);
        assert.ok(mine >= 0 && answer > mine && end > answer, `in order: ${JSON.stringify(lines)}`);
        assert.ok(!lines.some((line) => /STATUS|undefined|\[object/.test(line)), 'only what the widget showed');
      } finally {
        await context.close();
      }
    });
  }
});
