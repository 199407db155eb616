// The queue in the widget, in a real browser (playwright-core driving Debian's Chromium) against the gateway and
// the AICC simulator on loopback: a customer who asks for a person reads their place in the line and AICC's
// estimated wait (queryQueueInfo's estimateWaitTime, the queue frame's estimateWaitSeconds) in the banner, until
// the agent joins. On a desktop in English and on a phone in Chinese, with axe-core light and dark while queuing.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { assertAccessible } from '../support/axe.js';
import { PHONE, startWidgetWorld, stopWidgetWorld } from '../support/browser.js';
import type { Rig } from '../support/rig.js';
import { waitFor } from '../support/streams.js';

let rig: Rig;
let browser: Browser;
// Three ahead in the line: AICC's simulator estimates 30 s each, 90 s, which the widget rounds up to 2 minutes.
before(async () => ({ rig, browser } = await startWidgetWorld({ push: 'pushMsg', queueLength: 3, agentHangsUp: false }, { VISITOR_RATE_LIMIT: '1000' })));
after(() => stopWidgetWorld({ rig, browser }));

const visitorIdOf = (page: Page) =>
  page.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.endsWith(':visitor'))!;
    return (JSON.parse(localStorage.getItem(key)!) as { visitorId: string }).visitorId;
  });

const cases = [
  {
    name: 'desktop, English',
    options: { viewport: { width: 1280, height: 800 }, locale: 'en-US' },
    hello: 'Hello there',
    person: 'Talk to a person',
    waiting: 'Queuing for an agent… you are number 3 in line · about 2 minutes to wait',
    joined: 'Lily joined the conversation',
  },
  {
    name: 'phone, Chinese',
    options: { ...PHONE, locale: 'zh-CN' },
    hello: '你好',
    person: '转人工',
    waiting: '正在排队，您排在第 3 位 · 预计等待约 2 分钟',
    joined: 'Lily 已加入会话',
  },
];

describe('the queue banner in the widget', () => {
  for (const c of cases) {
    it(`${c.name}: asks for a person, reads the place in line and the estimated wait, then the agent joins`, async () => {
      const context = await browser.newContext(c.options);
      const page = await context.newPage();
      const banner = page.locator('.banner-state');
      rig.sim.holdQueue(true);
      try {
        // The customer writes to the robot, then asks for a person; the line holds still while they read it.
        await page.goto(`${rig.gw.url}/`);
        await page.locator('.input').fill(c.hello);
        await page.locator('.input').press('Enter');
        await page.locator('.msg-bot').first().waitFor();
        await page.getByRole('button', { name: c.person, exact: true }).click();
        await banner.filter({ hasText: c.waiting }).waitFor();
        assert.equal(await banner.getAttribute('role'), 'status', 'the banner is a live region');
        const visitorId = await visitorIdOf(page);
        assert.equal(rig.sim.session(visitorId)?.queuePosition, 3, 'AICC has them third in line');
        await assertAccessible(page, `${c.name}: queuing with the estimated wait (light and dark)`);

        // The line moves: the agent joins and the wait is no longer shown.
        rig.sim.holdQueue(false);
        await banner.filter({ hasText: c.joined }).waitFor();
        assert.doesNotMatch((await banner.textContent())!, /wait|等待/);
        await waitFor(() => rig.sim.session(visitorId)?.phase === 'agent', 'AICC connected an agent');
      } finally {
        rig.sim.holdQueue(false);
        await context.close();
      }
    });
  }
});
