// The end of a conversation in the widget, in a real browser (playwright-core driving Debian's Chromium) against
// the gateway and the AICC simulator on loopback: the customer ends the chat (asked first), AICC hears DISCONNECT
// once, every tab of the customer shows the end; AICC's satisfaction survey follows whoever ended it, works from
// the keyboard, is answered once (AICC hears it once, every tab says thank you) and is not offered again. On a
// desktop in English, on a phone in Chinese, light and dark, with axe-core in every new state.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
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

const visitorIdOf = (page: Page) =>
  page.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.endsWith(':visitor'))!;
    return (JSON.parse(localStorage.getItem(key)!) as { visitorId: string }).visitorId;
  });

async function send(page: Page, text: string): Promise<void> {
  await page.locator('.input').fill(text);
  await page.locator('.input').press('Enter');
}

const disconnectsFrom = (userId: string) => rig.sim.sends.filter((s) => s.request.from === userId && s.request.controlType === 'DISCONNECT');

describe('ending the conversation in the widget', () => {
  it('ends the chat when the customer confirms, in every tab; the survey follows, answered once from the keyboard', async () => {
    const context: BrowserContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    try {
      const page = await context.newPage();
      await page.goto(`${rig.gw.url}/`);
      await send(page, 'Hello there');
      await page.locator('.msg-bot', { hasText: 'virtual assistant' }).waitFor();
      const visitorId = await visitorIdOf(page);
      const other = await context.newPage();
      await other.goto(`${rig.gw.url}/`);
      await other.locator('.msg-customer', { hasText: 'Hello there' }).waitFor();

      // Asked first: "Keep chatting" changes nothing.
      const end = page.getByRole('button', { name: en.endChat, exact: true });
      await end.click();
      const question = page.getByRole('alertdialog', { name: en.endQuestion });
      await question.waitFor();
      await assertAccessible(page, 'asked whether to end the chat');
      assert.equal(await question.getByRole('button', { name: en.endNo }).evaluate((b) => b === (b.getRootNode() as ShadowRoot).activeElement), true, 'the safe answer has the focus');
      await page.keyboard.press('Escape');
      await question.waitFor({ state: 'detached' });
      await end.click();
      await question.getByRole('button', { name: en.endNo }).click();
      assert.equal(await page.locator('.notice-you-ended').count(), 0);
      assert.deepEqual(disconnectsFrom(visitorId), [], 'nothing was sent to AICC');

      await end.click();
      await question.getByRole('button', { name: en.endYes }).click();
      await page.locator('.notice-you-ended', { hasText: en.youEnded }).waitFor();
      await page.locator('.banner-state[data-kind="ended"]', { hasText: en.ended }).waitFor();
      await waitFor(() => disconnectsFrom(visitorId).length === 1, 'AICC hears DISCONNECT');
      const disconnect = disconnectsFrom(visitorId)[0]!.request;
      assert.equal(disconnect.mediaType, 'TEXT', "as Huawei's samples send control messages");
      assert.equal(await end.isHidden(), true, 'nothing left to end');

      // The other tab shows the end too, and both offer AICC's survey.
      await other.locator('.notice-you-ended').waitFor();
      await other.locator('.survey').waitFor();
      const survey = page.locator('.survey');
      await survey.getByRole('heading', { name: en.surveyTitle }).waitFor();
      await survey.getByRole('group', { name: en.surveyLevel }).waitFor();
      await survey.getByRole('group', { name: en.surveyResolved }).waitFor();
      await survey.getByRole('group', { name: /recommend/ }).waitFor();
      await assertAccessible(page, 'the survey');

      // Sending without a level says what is missing.
      await survey.getByRole('button', { name: en.surveySend }).click();
      await survey.getByRole('alert').filter({ hasText: en.surveyPickLevel }).waitFor();

      // The keyboard alone: focus a level's radio, arrows choose within the group, Tab to the next group.
      const levels = survey.getByRole('group', { name: en.surveyLevel }).getByRole('radio');
      assert.equal(await levels.count(), 5);
      await levels.first().focus();
      await page.keyboard.press('ArrowDown'); // the second level from the top: 4 of 5
      await page.keyboard.press('Tab');
      await page.keyboard.press('Space'); // "Yes": resolved
      await page.keyboard.press('Tab');
      for (let i = 0; i < 9; i++) await page.keyboard.press('ArrowRight'); // NPS 9 (the first press checks 1)
      await page.keyboard.press('Tab');
      await page.keyboard.type('Quick and kind');
      const before = rig.sim.satisfactions.length;
      await survey.getByRole('button', { name: en.surveySend }).focus();
      await page.keyboard.press('Enter');
      await survey.getByRole('status').filter({ hasText: en.surveyThanks }).waitFor();
      await assertAccessible(page, 'the survey answered');
      await waitFor(() => rig.sim.satisfactions.length === before + 1, 'AICC has the answer');
      const saved = rig.sim.satisfactions.at(-1)!.satisfication;
      assert.deepEqual([String(saved.evaluation), String(saved.fcrValue), String(saved.npsScore), saved.comment], ['4', '1', '9', 'Quick and kind']);

      // The other tab hears it was answered, and cannot answer again; AICC heard it once.
      await other.locator('.survey-thanks').waitFor();
      await page.reload();
      await page.locator('.notice-you-ended').waitFor();
      await page.locator('.banner-state[data-kind="ended"]').waitFor();
      assert.equal(await page.locator('.survey').count(), 0, 'not offered again after a reload');
      assert.equal(rig.sim.satisfactions.length, before + 1);
      assert.equal(disconnectsFrom(visitorId).length, 1);
    } finally {
      await context.close();
    }
  });

  it('offers the survey in Chinese on a phone, in dark mode, when the agent ends the chat; skipped, it stays skipped', async () => {
    const context = await browser.newContext({ ...PHONE, locale: 'zh-CN', colorScheme: 'dark' });
    try {
      const page = await context.newPage();
      await page.goto(`${rig.gw.url}/`);
      await send(page, '你好');
      await page.locator('.msg-bot').first().waitFor();
      // The widget's language reached AICC with the visitor (applyToken's locale), so the robot answers in it.
      const visitorId = await visitorIdOf(page);
      const applied = rig.sim.requests.filter((r) => r.path.endsWith('/applyToken') && (r.body as { userId: string }).userId === visitorId);
      assert.deepEqual(applied.map((r) => (r.body as { locale: string }).locale), ['zh_CN']);
      await page.getByRole('button', { name: zh.endChat, exact: true }).waitFor();
      await assertAccessible(page, 'the phone, dark, with the bot and End chat');
      await page.locator('.human').click();
      // The simulator's agent answers, then hangs up (agentHangsUp): the end comes from AICC this time.
      const survey = page.locator('.survey');
      await survey.getByRole('heading', { name: zh.surveyTitle }).waitFor({ timeout: 30_000 });
      await survey.getByRole('group', { name: zh.surveyLevel }).waitFor();
      await assertAccessible(page, 'the survey, phone, dark, Chinese');
      const background = await page.locator('.panel').evaluate((panel) => getComputedStyle(panel).backgroundColor);
      assert.equal(background, 'rgb(20, 25, 34)', 'dark');

      const before = rig.sim.satisfactions.length;
      await survey.getByRole('button', { name: zh.surveySkip }).click();
      await survey.waitFor({ state: 'detached' });
      await page.reload();
      await page.locator('.banner-state[data-kind="ended"]').waitFor();
      assert.equal(await page.locator('.survey').count(), 0, 'skipped stays skipped');
      assert.equal(rig.sim.satisfactions.length, before, 'nothing sent to AICC');
    } finally {
      await context.close();
    }
  });
});
