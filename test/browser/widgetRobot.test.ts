// The robot in the widget, in a real browser (playwright-core driving Debian's Chromium) against the gateway and
// the AICC simulator on loopback: thumbs up and down on the robot's answers (never on its greeting) reach AICC's
// feedbacksatisfaction and stay rated after a reload; suggestions while typing are a listbox the keyboard walks,
// and a pick fills the input.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../tools/screenshots.js';
import { assertAccessible } from '../support/axe.js';
import { startRig, type Rig } from '../support/rig.js';
import { waitFor } from '../support/streams.js';

let rig: Rig;
let gw: Rig['gw'];
let sim: Rig['sim'];
let browser: Browser;

before(async () => {
  rig = await startRig({ push: 'pushMsg' }, { VISITOR_RATE_LIMIT: '1000' });
  ({ gw, sim } = rig);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  await rig?.close();
});

const visitorIdOf = (page: Page) =>
  page.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.endsWith(':visitor'))!;
    return (JSON.parse(localStorage.getItem(key)!) as { visitorId: string }).visitorId;
  });

describe('the robot in the widget', () => {
  it('offers thumbs on the robot’s answers, not on its greeting; up sends feedback 1, down asks a reason and sends 0; rated stays rated', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    try {
      // The customer asks; the robot greets (it was just connected), then answers. Only the answer is rated.
      await page.goto(`${gw.url}/`);
      await page.locator('.input').fill('Where is my order?');
      await page.locator('.input').press('Enter');
      const greeting = page.locator('.msg-bot', { hasText: 'virtual assistant' });
      const answer = page.locator('.msg-bot', { hasText: 'left our warehouse' });
      await answer.getByRole('button', { name: 'Helpful', exact: true }).waitFor();
      await answer.getByRole('button', { name: 'Not helpful' }).waitFor();
      assert.equal(await greeting.count(), 1);
      assert.equal(await greeting.locator('.rating').count(), 0, 'the greeting offers no rating');
      await assertAccessible(page, 'robot answers offering a rating');
      const visitorId = await visitorIdOf(page);

      await answer.getByRole('button', { name: 'Helpful', exact: true }).click();
      await waitFor(() => sim.robotFeedbacks.some((f) => f.userId === visitorId && f.request.interIdx === '2'), 'AICC has the thumbs up');
      const up = sim.robotFeedbacks.find((f) => f.userId === visitorId && f.request.interIdx === '2')!;
      assert.deepEqual(up.request, { feedback: 1, from: visitorId, interIdx: '2' });
      await answer.locator('.rating[data-rated="up"]').waitFor();
      assert.equal(await answer.locator('button.rate').count(), 0, 'not offered again');

      // A second question, a second answer: thumbs down asks the reason first (AICC requires one); sending stays
      // off while it is empty.
      await page.locator('.input').fill('Can I pay later?');
      await page.locator('.input').press('Enter');
      const second = page.locator('.msg-bot', { hasText: 'Can I pay later?' });
      await second.getByRole('button', { name: 'Not helpful' }).click();
      const reason = second.getByLabel('What was missing?');
      await reason.waitFor();
      assert.ok(await reason.evaluate((el) => (el.getRootNode() as ShadowRoot).activeElement === el), 'the reason field has focus');
      assert.ok(await second.getByRole('button', { name: 'Send', exact: true }).isDisabled());
      await assertAccessible(page, 'the reason form');
      await reason.fill('Too generic');
      await reason.press('Enter');
      await waitFor(() => sim.robotFeedbacks.some((f) => f.userId === visitorId && f.request.interIdx === '3'), 'AICC has the thumbs down');
      const down = sim.robotFeedbacks.find((f) => f.userId === visitorId && f.request.interIdx === '3')!;
      assert.deepEqual(down.request, { feedback: 0, feedbackContent: 'Too generic', from: visitorId, interIdx: '3' });
      await second.locator('.rating[data-rated="down"]').waitFor();

      // After a reload both answers show their rating and offer none; the greeting still offers nothing.
      await page.reload();
      await page.locator('.msg-bot', { hasText: 'left our warehouse' }).locator('.rating[data-rated="up"]').waitFor();
      await page.locator('.msg-bot', { hasText: 'Can I pay later?' }).locator('.rating[data-rated="down"]').waitFor();
      assert.equal(await page.locator('.msg-bot', { hasText: 'virtual assistant' }).locator('.rating').count(), 0);
      assert.equal(await page.locator('.msg-bot button.rate').count(), 0);
      assert.equal(sim.robotFeedbacks.filter((f) => f.userId === visitorId).length, 2, 'each answer rated once, the greeting never');
    } finally {
      await context.close();
    }
  });

  it('suggests while the customer types: arrow keys walk the list, Enter picks into the input, Escape closes', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    try {
      // The widget asks whether agents work right after it has connected: from then on it can ask for suggestions.
      const connected = page.waitForResponse((res) => res.url().endsWith('/v1/agents'));
      await page.goto(`${gw.url}/`);
      await connected;
      const input = page.locator('.input');
      await input.pressSequentially('ord');
      const list = page.getByRole('listbox', { name: 'Suggested questions' });
      await list.getByRole('option', { name: 'Where is my order?' }).waitFor();
      const options = await list.getByRole('option').allTextContents();
      assert.ok(options.length >= 2 && options.length <= 5, `${options}`);
      assert.ok(options.every((o) => o.toLowerCase().includes('ord')), `${options}`);
      await assertAccessible(page, 'suggestions open');

      await input.press('ArrowDown');
      await list.locator('[aria-selected="true"]').waitFor();
      assert.equal(await list.locator('[aria-selected="true"]').textContent(), options[0]);
      assert.equal(await input.getAttribute('aria-activedescendant'), await list.locator('[aria-selected="true"]').getAttribute('id'));
      await input.press('ArrowDown');
      await input.press('ArrowUp');
      await input.press('Enter');
      await list.waitFor({ state: 'hidden' });
      assert.equal(await input.inputValue(), options[0]);
      assert.equal(await page.locator('.msg-customer').count(), 0, 'a pick fills the input; it does not send');

      // Escape closes the list, not the panel.
      await input.fill('');
      await input.pressSequentially('human');
      await list.getByRole('option', { name: 'Talk to a human' }).waitFor();
      await input.press('Escape');
      await list.waitFor({ state: 'hidden' });
      assert.ok(await page.locator('.panel').isVisible(), 'the panel stays open');
      const asked = sim.phraseQueries.at(-1)!;
      assert.equal(asked.request.channel, 'WEB');
      assert.equal(asked.request.locale, 'en');
    } finally {
      await context.close();
    }
  });

  it('speaks Chinese: the thumbs’ labels, the list’s name, and the locale asked of AICC', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
    const page = await context.newPage();
    try {
      await page.goto(`${gw.url}/`);
      await page.locator('.input').fill('你好');
      await page.locator('.input').press('Enter');
      // The greeting (the robot's first message) offers no rating; its answer to 你好 does, in Chinese.
      const answer = page.locator('.msg-bot', { hasText: '你好' });
      await answer.getByRole('button', { name: '有帮助', exact: true }).waitFor();
      await answer.getByRole('button', { name: '没有帮助' }).waitFor();
      assert.equal(await page.locator('.msg-bot').first().locator('.rating').count(), 0, 'the greeting offers no rating');
      await page.locator('.input').pressSequentially('订单');
      await page.getByRole('listbox', { name: '联想问题' }).getByRole('option', { name: '我的订单在哪里？' }).waitFor();
      await assertAccessible(page, 'zh-CN: ratings and suggestions');
      assert.equal(sim.phraseQueries.at(-1)!.request.locale, 'zh_CN');
    } finally {
      await context.close();
    }
  });
});
