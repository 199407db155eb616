// The chat widget in a real browser (playwright-core driving Debian's Chromium) against the gateway and the AICC
// simulator on loopback: the scripted conversation as the customer sees it, a reload in the middle, hostile
// content, the phone layout, the keyboard, Chinese, and the headers of the pages we serve.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { makePng } from '../../src/simulator/files.js';
import { CHROMIUM_ARGS } from '../../tools/screenshots.js';
import { readConfig } from '../../src/widget/config.js';
import { chooseLang } from '../../src/widget/i18n.js';
import { Deliveries, display, suggestionsOf } from '../../src/widget/model.js';
import { assertAccessible } from '../support/axe.js';
import { downLinkMsg, pushBody } from '../support/fixtures.js';
import { APPS, freePort, startGateway, type InProcessGateway } from '../support/gateway.js';

const AICC = { appKey: 'gw-at-aicc', appSecret: 'gw-at-aicc-secret', channelId: '202105284494222653' };

let gw: InProcessGateway;
let sim: Simulator;
let browser: Browser;

before(async () => {
  const port = await freePort();
  sim = await createSimulator({
    ...AICC, push: 'pushMsg', gatewayUrl: `http://127.0.0.1:${port}`, gatewayAppKey: 'app1', gatewayAppSecret: APPS.app1,
    stepMs: 150, queueLength: 2, pollTimeoutMs: 300, pushRetryBaseMs: 20,
    // The agent's typing is shown from an INPUT downlink, which no Huawei page prints: played here on request.
    inventedAgentEvents: true,
  });
  gw = await startGateway({
    PORT: String(port), AICC_BASE_URL: sim.url, AICC_APP_KEY: AICC.appKey, AICC_APP_SECRET: AICC.appSecret,
    AICC_CHANNEL_ID: AICC.channelId, QUEUE_POLL_MS: '50', AICC_TIMEOUT_MS: '2000', VISITOR_RATE_LIMIT: '1000',
  });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  await gw?.close();
  await sim?.close();
});

/** A fresh browser context (its own localStorage: a new visitor), with every dialog recorded. */
async function visit(options: Parameters<Browser['newContext']>[0] = {}): Promise<{ context: BrowserContext; page: Page; dialogs: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  const page = await context.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return { context, page, dialogs };
}

async function send(page: Page, text: string): Promise<void> {
  await page.locator('.input').fill(text);
  await page.locator('.input').press('Enter');
}

const visitorOf = (page: Page) =>
  page.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.endsWith(':visitor'))!;
    return JSON.parse(localStorage.getItem(key)!) as { visitorId: string; token: string };
  });

/** A page of another site (another port: another origin) that embeds the widget. */
async function hostPage(html: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/shop.html`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const banner = (page: Page) => page.locator('.banner-state');

describe('the chat widget', () => {
  it('serves the demo page with a strict Content-Security-Policy, and the bundle with caching headers', async () => {
    const home = await fetch(`${gw.url}/`);
    assert.equal(home.status, 200);
    assert.match(home.headers.get('content-type')!, /^text\/html/);
    const csp = home.headers.get('content-security-policy')!;
    for (const rule of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self' ws: wss:", 'frame-ancestors']) {
      assert.ok(csp.includes(rule), `CSP has ${rule}: ${csp}`);
    }
    assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'), csp);
    assert.equal(home.headers.get('x-content-type-options'), 'nosniff');
    const html = await home.text();
    assert.ok(!/<script>|<script [^>]*>[^<]+<\/script>|\son\w+=|<style/i.test(html), 'no inline script, handler or style');

    const js = await fetch(`${gw.url}/widget.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type')!, /^text\/javascript/);
    assert.match(js.headers.get('cache-control')!, /max-age=/);
    assert.equal(js.headers.get('x-content-type-options'), 'nosniff');
    const etag = js.headers.get('etag')!;
    assert.equal((await fetch(`${gw.url}/widget.js`, { headers: { 'if-none-match': etag } })).status, 304);
    const css = await fetch(`${gw.url}/widget.css`);
    assert.match(css.headers.get('content-type')!, /^text\/css/);
  });

  it('plays the scripted conversation: suggestions, queue, agent, typing, image, location, read ticks, the end', async () => {
    const { context, page, dialogs } = await visit();
    try {
      await page.goto(`${gw.url}/`);
      await page.locator('.panel').waitFor();
      await send(page, 'Hello there');
      const mine = page.locator('.msg-customer', { hasText: 'Hello there' });
      await mine.locator('.tick-sent, .tick-read').waitFor();
      const greeting = page.locator('.msg-bot', { hasText: 'virtual assistant' });
      await greeting.locator('.who', { hasText: 'Robot' }).waitFor();
      await greeting.locator('time').waitFor();
      const human = page.locator('.chip', { hasText: 'Talk to a human' });
      await page.locator('.chip', { hasText: 'Where is my order?' }).waitFor();
      await assertAccessible(page, 'with the bot');

      // The indicator may show for a moment only: a MutationObserver records that it did.
      await page.locator('.typing').evaluate((el: HTMLElement) => {
        new MutationObserver(() => {
          if (!el.hidden) (window as unknown as { typingSeen: string }).typingSeen = el.textContent ?? '';
        }).observe(el, { attributes: true, attributeFilter: ['hidden'] });
      });
      await human.click();
      await banner(page).filter({ hasText: 'Queuing' }).waitFor();
      await assertAccessible(page, 'queuing');
      await banner(page).filter({ hasText: 'Lily joined' }).waitFor();
      await assertAccessible(page, 'with the agent');
      const typing = await page.waitForFunction(() => (window as unknown as { typingSeen?: string }).typingSeen);
      assert.equal(await typing.jsonValue(), 'Lily is typing…');
      await page.locator('.msg-agent .text', { hasText: 'Hello, this is Lily' }).waitFor();
      await page.locator('.msg-agent .who', { hasText: 'Lily' }).first().waitFor();
      const image = page.locator('.msg-agent .thumb img[src]');
      await image.waitFor();
      // A signed, short-lived URL for this one picture: the customer's token is in no URL (proxy logs keep URLs).
      const src = (await image.getAttribute('src'))!;
      assert.match(src, /\/v1\/media\/[^?]+\?customer=[^&]+&expires=\d+&signature=[\w-]+$/);
      assert.doesNotMatch(src, /token=/);
      assert.ok(await image.evaluate((img: HTMLImageElement) => img.decode().then(() => img.naturalWidth > 0)), 'the image loads');
      const map = page.locator('.msg-agent a.location');
      await map.waitFor();
      assert.equal(await map.getAttribute('href'), 'https://www.openstreetmap.org/?mlat=22.54310&mlon=114.05790#map=16/22.54310/114.05790');
      assert.match((await map.textContent())!, /Huawei Shenzhen Campus/);
      await page.locator('.notice', { hasText: 'connected to an agent' }).waitFor();
      await mine.locator('.tick-read').waitFor();
      await banner(page).filter({ hasText: 'The conversation has ended' }).waitFor();
      assert.ok(await page.locator('.input').isDisabled(), 'no writing after the end');
      await page.locator('.restart').waitFor();
      await assertAccessible(page, 'ended');

      // The enlarged image, closed with Escape.
      await image.click();
      await page.locator('.lightbox img').waitFor();
      await assertAccessible(page, 'the enlarged image');
      await page.keyboard.press('Escape');
      await page.locator('.lightbox').waitFor({ state: 'hidden' });
      assert.deepEqual(dialogs, []);
    } finally {
      await context.close();
    }
  });

  it('after a reload in the middle of the conversation shows every message once', async () => {
    const { context, page } = await visit();
    try {
      await page.goto(`${gw.url}/`);
      await send(page, 'Talk to a human please');
      await banner(page).filter({ hasText: 'Lily joined' }).waitFor();
      await page.reload();
      await page.locator('.msg-customer', { hasText: 'Talk to a human please' }).waitFor();
      await banner(page).filter({ hasText: 'The conversation has ended' }).waitFor();
      await page.locator('.msg-agent a.location').waitFor();
      const seqs = await page.locator('.log > li').evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset.seq ?? 'pending'));
      assert.ok(!seqs.includes('pending'), 'every message reached the log');
      assert.equal(new Set(seqs).size, seqs.length, `each seq once: ${seqs}`);
      assert.deepEqual(seqs.map(Number), [...seqs.map(Number)].sort((a, b) => a - b), 'in order');
      for (const [selector, text] of [
        ['.msg-customer', 'Talk to a human please'],
        ['.notice', 'Queuing'],
        ['.notice', 'connected to an agent'],
        ['.msg-agent', 'Hello, this is Lily'],
        ['.msg-agent', 'Huawei Shenzhen Campus'],
        ['.notice', 'ended'],
      ] as const) {
        assert.equal(await page.locator(selector, { hasText: text }).count(), 1, `${selector} "${text}" once`);
      }
      assert.equal(await page.locator('.msg-agent .thumb img').count(), 1, 'the image once');
    } finally {
      await context.close();
    }
  });

  it('shows hostile content and nicknames as text, runs nothing, and keeps only http(s) links', async () => {
    const { context, page, dialogs } = await visit();
    try {
      await page.goto(`${gw.url}/`);
      await send(page, 'hi');
      await page.locator('.msg-customer .tick-sent, .msg-customer .tick-read').first().waitFor();
      const { visitorId } = await visitorOf(page);
      const hostile = '<img src=x onerror=alert(1)>';
      const links = 'see javascript:alert(2) and https://example.com/a?b=1';
      const answer = await gw.push(pushBody([
        downLinkMsg({ to: visitorId, content: hostile, senderNickname: '<b>x</b>' }),
        downLinkMsg({ to: visitorId, content: links, senderNickname: '<script>alert(3)</script>' }),
      ]));
      assert.equal(answer.status, 200);
      const bubble = page.locator('.msg-agent', { hasText: hostile });
      await bubble.waitFor();
      assert.equal(await bubble.locator('.text').textContent(), hostile);
      assert.equal(await bubble.locator('.who').textContent(), '<b>x</b>');
      assert.equal(await page.locator('img[src="x"]').count(), 0);
      assert.equal(await page.locator('.log b, .log script').count(), 0);
      const linked = page.locator('.msg-agent', { hasText: 'example.com' });
      await linked.waitFor();
      assert.deepEqual(await linked.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))), ['https://example.com/a?b=1']);
      assert.deepEqual(dialogs, [], 'no script ran');
    } finally {
      await context.close();
    }
  });

  it('marks a message AICC did not take as failed with the reason, and Retry sends it once', async () => {
    const { context, page } = await visit();
    try {
      await page.goto(`${gw.url}/`);
      sim.setDown(true);
      await send(page, 'Is anyone there?');
      const mine = page.locator('.msg-customer', { hasText: 'Is anyone there?' });
      await mine.locator('.tick-failed').waitFor();
      assert.match((await mine.locator('.reason').textContent())!, /^Not sent: The contact center .+/, 'with the reason');
      await assertAccessible(page, 'a failed message');
      sim.setDown(false);
      await mine.locator('.retry').click();
      await mine.locator('.tick-sent, .tick-read').waitFor();
      await assertAccessible(page, 'after the retry');
      assert.equal(await page.locator('.msg-customer', { hasText: 'Is anyone there?' }).count(), 1);
      assert.equal(sim.sends.filter((s) => s.request.content === 'Is anyone there?').length, 1, 'AICC got it once');
    } finally {
      sim.setDown(false);
      await context.close();
    }
  });

  it('says when no agent is available and the customer may leave a message (offline)', async () => {
    const { context, page } = await visit();
    try {
      await page.goto(`${gw.url}/`);
      await send(page, 'Anyone around?');
      await page.locator('.msg-customer .tick-sent, .msg-customer .tick-read').first().waitFor();
      // The bot's greeting and answer first: arriving after the DISCONNECT, they would take the conversation back
      // to the bot (and the leave-message offer away).
      await page.locator('.msg-bot').nth(1).waitFor();
      const { visitorId } = await visitorOf(page);
      await gw.push(pushBody([downLinkMsg({ to: visitorId, controlType: 'DISCONNECT', sourceType: 'SYSTEM', isOfflineStatus: true, content: null, mediaType: null })]));
      await banner(page).filter({ hasText: 'No agent is available right now' }).waitFor();
      assert.ok(!(await page.locator('.input').isDisabled()), 'the customer may still write');
      await page.locator('.away .leave-offer').waitFor();
      await assertAccessible(page, 'offline');
    } finally {
      await context.close();
    }
  });

  it('fills a 390×844 phone screen, and sends text, a picture and the current location from it', async () => {
    const { context, page } = await visit({
      viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2,
      permissions: ['geolocation'], geolocation: { latitude: 48.8584, longitude: 2.2945 },
    });
    try {
      await page.goto(`${gw.url}/`);
      const panel = page.locator('.panel');
      await panel.waitFor();
      assert.deepEqual(await panel.boundingBox(), { x: 0, y: 0, width: 390, height: 844 });
      assert.ok(!(await page.locator('.launcher').isVisible()), 'the launcher hides behind the full-screen panel');
      const input = page.locator('.input');
      const box = (await input.boundingBox())!;
      assert.ok(box.y > 700 && box.y + box.height <= 844 && box.width > 200, `input at the bottom: ${JSON.stringify(box)}`);
      await assertAccessible(page, 'the phone, opened');
      await input.tap();
      await send(page, 'From my phone');
      await page.locator('.msg-customer', { hasText: 'From my phone' }).locator('.tick-sent, .tick-read').waitFor();
      await assertAccessible(page, 'the phone, with the bot');

      await page.locator('input.file').setInputFiles({ name: 'parcel.png', mimeType: 'image/png', buffer: makePng(24, 24, 7) });
      await page.locator('.preview-send').tap(); // previewed first (test/browser/widgetComposer.test.ts)
      const picture = page.locator('.msg-customer .thumb img');
      await picture.waitFor();
      assert.ok(await picture.evaluate((img: HTMLImageElement) => img.decode().then(() => img.naturalWidth === 24)));

      await page.locator('.locate').click();
      const place = page.locator('.msg-customer a.location');
      await place.waitFor();
      assert.match((await place.getAttribute('href'))!, /^https:\/\/www\.openstreetmap\.org\/\?mlat=48\.85840&mlon=2\.29450#map=16\//);
      await page.locator('.close').tap();
      await page.locator('.launcher').waitFor();
      await assertAccessible(page, 'the phone, closed');
    } finally {
      await context.close();
    }
  });

  it('works from the keyboard, speaks Chinese when asked, and counts unread messages on the launcher', async () => {
    const { context, page } = await visit({ locale: 'en-US' });
    let closeShop = async () => {};
    try {
      // A shop on another origin embeds the widget with one tag; the gateway is the script's origin.
      const shop = await hostPage(
        `<!doctype html><html lang="en"><meta charset="utf-8"><title>Shop</title><main><h1>Shop</h1></main>` +
          `<script src="${gw.url}/widget.js" data-lang="zh-CN" data-title="客服中心" data-color="#0f766e" data-position="left" defer></script>`,
      );
      closeShop = shop.close;
      await page.goto(shop.url);
      const launcher = page.locator('.launcher');
      await launcher.waitFor();
      await assertAccessible(page, 'zh-CN, closed');
      assert.equal(await launcher.getAttribute('aria-label'), '打开聊天');
      assert.ok((await launcher.boundingBox())!.x < 100, 'on the left');
      await page.keyboard.press('Tab');
      assert.ok(await launcher.evaluate((el) => (el.getRootNode() as ShadowRoot).activeElement === el), 'Tab reaches the launcher');
      await page.keyboard.press('Enter');
      await page.locator('.panel').waitFor();
      assert.equal(await page.locator('#aicc-title').textContent(), '客服中心');
      const input = page.locator('.input');
      assert.equal(await input.getAttribute('placeholder'), '输入消息…');
      assert.ok(await input.evaluate((el) => (el.getRootNode() as ShadowRoot).activeElement === el), 'the input has the focus');
      await page.keyboard.type('你好');
      await page.keyboard.press('Enter');
      await page.locator('.msg-customer', { hasText: '你好' }).locator('.tick-sent, .tick-read').waitFor();
      // The bot answers the first message; it must be shown before the panel closes, or it would count on the badge.
      await page.locator('.msg-bot', { hasText: 'virtual assistant' }).waitFor();
      await assertAccessible(page, 'zh-CN, chatting');
      await page.keyboard.press('Escape');
      await page.locator('.panel').waitFor({ state: 'hidden' });
      assert.ok(await launcher.evaluate((el) => (el.getRootNode() as ShadowRoot).activeElement === el), 'the focus returns to the launcher');

      // Closed: what the agent writes counts on the badge, and the live region announces it.
      const { visitorId } = await visitorOf(page);
      const before = await page.locator('.msg-agent, .msg-bot').count();
      await gw.push(pushBody([downLinkMsg({ to: visitorId, content: '您好，请问有什么可以帮您？', senderNickname: '小李' })]));
      await page.locator('.msg-agent', { hasText: '小李' }).waitFor({ state: 'attached' });
      const badge = page.locator('.badge');
      await badge.waitFor();
      const unread = Number(await badge.textContent());
      assert.ok(unread >= 1 && unread <= before + 1, `badge ${unread} with ${before} answers shown before`);
      assert.match((await page.locator('[aria-live="polite"]').textContent())!, /小李：您好/);
      await launcher.click();
      await badge.waitFor({ state: 'hidden' });
    } finally {
      await context.close();
      await closeShop();
    }
  });
});

describe('the widget model', () => {
  it('reads simQuestions, the language and the script attributes', () => {
    assert.deepEqual(suggestionsOf('["Where is my order?"," Talk to a human ",3,""]'), ['Where is my order?', 'Talk to a human']);
    assert.deepEqual(suggestionsOf('not json'), []);
    assert.deepEqual(suggestionsOf(undefined), []);
    for (const [attribute, browser, lang] of [
      [null, ['zh-TW', 'en'], 'zh-CN'],
      [null, ['fr-FR', 'en-GB'], 'en'],
      ['zh-CN', ['en-US'], 'zh-CN'],
      ['en', ['zh-CN'], 'en'],
      [null, [], 'en'],
    ] as const) {
      assert.equal(chooseLang(attribute, browser), lang, `${attribute} ${browser}`);
    }
    const attrs = (values: Record<string, string>) => ({ src: 'https://chat.example.com/widget.js', getAttribute: (n: string) => values[n] ?? null });
    const config = readConfig(attrs({ 'data-position': 'left', 'data-gateway': 'javascript:alert(1)' }), 'https://shop.example.org/', ['en']);
    assert.equal(config.gateway, 'https://chat.example.com', 'a gateway that is not http(s) falls back to the script origin');
    assert.equal(config.position, 'left');
    assert.equal(readConfig(attrs({ 'data-gateway': 'https://gw.example.com/chat/' }), 'https://x/', []).gateway, 'https://gw.example.com/chat');
  });

  it('tells the entries apart and follows delivery: sent, read by code or by a later READ, failed', () => {
    const msg = (fields: Record<string, unknown>) => ({ channel: 'WEB', from: 'a', to: 'b', mediaType: null, content: null, timestamp: 1, ...fields }) as never;
    assert.equal(display(msg({ controlType: 'CHAT', sourceType: 'SYSTEM', mediaType: 'TEXT', content: 'Queuing...' })).kind, 'notice');
    assert.equal(display(msg({ controlType: 'INPUT', sourceType: 'AGENT' })).kind, 'hidden');
    const bot = display(msg({ controlType: 'CHAT', sourceType: 'ROBOT', mediaType: 'TEXT', content: 'Hi', simQuestions: '["A"]' }));
    assert.ok(bot.kind === 'bubble' && bot.author === 'bot' && bot.suggestions[0] === 'A');
    const place = display(msg({ controlType: 'CHAT', sourceType: 'AGENT', mediaType: 'LOCATE', content: '1/2/x', location: { latitude: 1, longitude: 2, description: 'x' } }));
    assert.ok(place.kind === 'bubble' && place.body.kind === 'location');

    const deliveries = new Deliveries();
    deliveries.track(3, 'c-3');
    deliveries.track(5, 'c-5');
    deliveries.track(9, 'c-9');
    assert.equal(deliveries.of(3).delivery, 'sending');
    deliveries.apply(4, display(msg({ controlType: 'STATUS', sourceType: 'GATEWAY', refSeq: 3, status: 'sent' })));
    deliveries.apply(6, display(msg({ controlType: 'STATUS', sourceType: 'GATEWAY', refSeq: 5, status: 'failed', reason: 'down' })));
    assert.deepEqual(deliveries.of(3), { delivery: 'sent', reason: undefined });
    assert.deepEqual(deliveries.of(5), { delivery: 'failed', reason: 'down' });
    const changed = deliveries.apply(7, display(msg({ controlType: 'READ', sourceType: 'AGENT', content: 'c-9', readIds: ['c-9'] })));
    assert.deepEqual(changed, [3, 5, 9]);
    assert.equal(deliveries.of(3).delivery, 'read', 'before the READ');
    assert.equal(deliveries.of(9).delivery, 'read', 'listed by the READ');
    assert.equal(deliveries.of(5).delivery, 'failed', 'a failed message stays failed');
  });
});
