// The widget words errors in its own language from their codes: a message AICC did not take shows the words for
// its STATUS entry's errorCode (in a real browser, in Chinese), and a failed call the words for the SDK's error
// code and HTTP status, never the English text the log or the SDK carries.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { GatewayClientError } from '../../src/client/index.js';
import { CHROMIUM_ARGS } from '../../tools/screenshots.js';
import { errorText, notSentText, stringsFor } from '../../src/widget/i18n.js';
import { startRig, type Rig } from '../support/rig.js';

const zh = stringsFor('zh-CN');
const en = stringsFor('en');

describe('widget errors', () => {
  let rig: Rig;
  let browser: Browser;
  before(async () => {
    rig = await startRig({ push: 'pushMsg' }, { VISITOR_RATE_LIMIT: '1000' });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    await rig?.close();
  });

  it('shows a zh-CN customer why a message was not sent in Chinese, from the STATUS errorCode', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    try {
      const page = await context.newPage();
      await page.goto(`${rig.gw.url}/`);
      rig.sim.setDown(true);
      await page.locator('.input').fill('有人吗');
      await page.locator('.input').press('Enter');
      const mine = page.locator('.msg-customer', { hasText: '有人吗' });
      await mine.locator('.tick-failed').waitFor();
      const reason = (await mine.locator('.reason').textContent())!;
      const chinese = Object.values(zh.notSentBecause).map((words) => `${zh.failed}: ${words}`);
      assert.ok(chinese.includes(reason), `in Chinese: ${reason}`);
      assert.doesNotMatch(reason, /[A-Za-z]{3,}/, 'no English reason from the log');
    } finally {
      rig.sim.setDown(false);
      await context.close();
    }
  });

  it('words the codes it knows, and general words for one it does not', () => {
    assert.equal(notSentText(zh, 'UNREACHABLE'), zh.notSentBecause.UNREACHABLE);
    assert.equal(notSentText(en, 'SOMETHING_NEW'), en.notSentBecause.UNEXPECTED);
    assert.equal(notSentText(en, undefined), undefined);
    const cases: [error: unknown, words: string][] = [
      [new GatewayClientError('HTTP', 'POST /v1/messages failed: fetch failed'), zh.requestFailed.network],
      [new GatewayClientError('TOKEN_REFUSED', 'POST /v1/messages answered 401: expired', { status: 401 }), zh.requestFailed.token],
      [new GatewayClientError('TOKEN_REFRESH_FAILED', 'getToken threw'), zh.requestFailed.token],
      [new GatewayClientError('HTTP', 'POST /v1/uploads answered 413: too large', { status: 413 }), zh.requestFailed.tooLarge],
      [new GatewayClientError('HTTP', 'POST /v1/messages answered 429: slow down', { status: 429 }), zh.requestFailed.tooMany],
      [new GatewayClientError('HTTP', 'POST /v1/transfer answered 503: uplink disabled', { status: 503 }), zh.requestFailed.unavailable],
      [new GatewayClientError('HTTP', 'POST /v1/messages answered 400: bad', { status: 400 }), zh.requestFailed.refused],
      [new GatewayClientError('HTTP', 'POST /v1/messages answered 500: oops', { status: 500 }), zh.requestFailed.other],
      [new Error('anything else'), zh.requestFailed.other],
    ];
    for (const [error, words] of cases) assert.equal(errorText(zh, error), words, String((error as Error).message));
  });
});
