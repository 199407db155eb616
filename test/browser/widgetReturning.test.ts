// A customer who comes back after their last conversation ended writes at once: their first message starts a new
// conversation (as "Start a new conversation" does), rather than meeting a disabled input. In Chromium, against
// the gateway and the AICC simulator on loopback.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type Browser } from 'playwright-core';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { customerToken } from '../support/gateway.js';
import { startWidgetWorld, stopWidgetWorld } from '../support/browser.js';
import { type Rig } from '../support/rig.js';

let rig: Rig;
let browser: Browser;
before(async () => ({ rig, browser } = await startWidgetWorld({ push: 'pushMsg' }, { VISITOR_RATE_LIMIT: '1000' })));
after(() => stopWidgetWorld({ rig, browser }));

describe('a returning customer', () => {
  it('whose last conversation ended writes at once, and the message starts a new conversation', async () => {
    const id = `returning-${Date.now()}`;
    // Yesterday: an agent answered, then hung up.
    await rig.gw.push(pushBody([downLinkMsg({ to: id, content: 'Anything else?' })]));
    await rig.gw.push(pushBody([downLinkMsg({ to: id, controlType: 'DISCONNECT', sourceType: 'AGENT', mediaType: null, content: null })]));
    const token = await customerToken(id);
    const server = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><body><script>window.AiccChatConfig = { getToken: async () => ${JSON.stringify(token)} };</script>
<script src="${rig.gw.url}/widget.js" data-open="true" data-lang="en" defer></script></body>`),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      await page.locator('.msg', { hasText: 'Anything else?' }).waitFor();
      await page.locator('.banner-state[data-kind="ended"]').waitFor();
      assert.equal(await page.evaluate(() => window.AiccChat!.state?.phase), 'ended');
      // Not a dead end: the input is open and no "start a new conversation" step stands in the way.
      assert.equal(await page.locator('.input').isDisabled(), false);
      assert.equal(await page.locator('.ended-bar').isHidden(), true);
      await page.locator('.input').fill('I am back about my order');
      await page.locator('.input').press('Enter');
      await page.locator('.msg-customer[data-delivery="sent"]', { hasText: 'I am back about my order' }).waitFor();
      // AICC took it as a new conversation: the bot answers.
      await page.waitForFunction(() => window.AiccChat!.state?.phase === 'bot');
    } finally {
      await context.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
