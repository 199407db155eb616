// Takes the README's pictures of the widget: docs/widget-desktop.png (1280×800) and docs/widget-mobile.png
// (390×844), mid-conversation with the agent; docs/widget-greeting.png (opened, before the customer writes),
// docs/widget-robot.png (the robot's greeting, offered no rating, and its answer, offered thumbs),
// docs/widget-queue.png (a phone, waiting for a person: the place in line and the estimated wait),
// docs/widget-unread.png (closed, two unread, with the tab title as Chromium has it written on a strip, since a
// headless browser draws no tab), docs/widget-offline.png (no agent now: the banner and the leave-message
// offer), docs/widget-survey.png (the customer ended the chat: AICC's survey), docs/widget-reconnecting.png (the
// network gone: the banner and a message waiting), docs/widget-prechat.png (the pre-chat form) and
// docs/widget-dark.png (dark mode on a phone). Runs the gateway (with the widget) and the AICC simulator on
// loopback, and Debian's Chromium through playwright-core: `npm run screenshots` (tools/screenshots.ts).

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { buildServer } from '../src/server.js';
import { createSimulator, type Simulator } from '../src/simulator/index.js';

const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** A fresh browser profile of its own (Debian's Chromium wants a fresh --user-data-dir, so a persistent context on a temp dir), removed on close. */
export async function launchChromium(options: { width: number; height: number; mobile?: boolean; dark?: boolean }): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'aicc-widget-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    viewport: { width: options.width, height: options.height },
    ...(options.mobile ? { deviceScaleFactor: 2, isMobile: true, hasTouch: true } : {}),
    ...(options.dark ? { colorScheme: 'dark' as const } : {}),
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    },
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Chats up to the agent's image and location, as a customer would. */
async function converse(page: Page, url: string, followUp: boolean): Promise<void> {
  await page.goto(url);
  const input = page.locator('.input');
  await input.fill('Hi! Where is my order #1042?');
  await input.press('Enter');
  await page.locator('.chip', { hasText: 'Talk to a human' }).first().click();
  await page.locator('.msg-agent .body-location').waitFor();
  await page.locator('.msg-agent img').evaluate((img: HTMLImageElement) => img.decode());
  await page.locator('.msg-customer[data-delivery="read"]').first().waitFor();
  if (followUp) await reply(page);
  await page.locator('.scroll').evaluate((el) => (el.scrollTop = el.scrollHeight));
  await page.mouse.move(1, 1); // no hover styles in the picture
}

/** The robot: its greeting (no rating: it answers nothing) and its answer to the customer's question (thumbs). */
async function robot(page: Page, url: string): Promise<void> {
  await page.goto(url);
  const input = page.locator('.input');
  await input.fill('Where is my order?');
  await input.press('Enter');
  await page.locator('.msg-bot', { hasText: 'left our warehouse' }).locator('.rating .rate-up').waitFor();
  await page.locator('.scroll').evaluate((el) => (el.scrollTop = el.scrollHeight));
  await page.mouse.move(1, 1);
}

/** A phone, waiting for a person: the line held still (the simulator's holdQueue) while the picture is taken. */
async function queue(page: Page, url: string, sim: Simulator): Promise<void> {
  sim.holdQueue(true);
  await page.goto(url);
  const input = page.locator('.input');
  await input.fill('Hi! Where is my order #1042?');
  await input.press('Enter');
  await page.locator('.msg-bot').nth(1).waitFor();
  await page.locator('button.human').click();
  await page.locator('.banner-state', { hasText: 'to wait' }).waitFor();
  await page.locator('.scroll').evaluate((el) => (el.scrollTop = el.scrollHeight));
  await page.mouse.move(1, 1);
}

/** pushMsg as AICC sends it, to the demo visitor of `page`. */
async function pushTo(url: string, page: Page, messages: Record<string, unknown>[]): Promise<void> {
  const to = await page.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.endsWith(':visitor'))!;
    return (JSON.parse(localStorage.getItem(key)!) as { visitorId: string }).visitorId;
  });
  const token = await fetch(`${url}/apigovernance/api/oauth/tokenByAkSk`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ app_key: 'demo', app_secret: 'demo-secret' }),
  }).then((res) => res.json() as Promise<{ AccessToken: string }>);
  const base = { channel: 'WEB', from: '202105284494222653', to, timestamp: Date.now() };
  const res = await fetch(`${url}/apiaccess/ccmessaging/pushMsg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-app-key': 'demo', authorization: `Bearer ${token.AccessToken}` },
    body: JSON.stringify({ timestamp: Date.now(), messages: messages.map((m) => ({ ...base, ...m })) }),
  });
  if (!res.ok) throw new Error(`pushMsg answered ${res.status}`);
}

const visitorKnown = (page: Page) => page.waitForFunction(() => Object.keys(localStorage).some((k) => k.endsWith(':visitor')));

/** The demo page opened: the greeting, before the customer writes. */
async function greet(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator('.greeting-text').waitFor();
  await visitorKnown(page);
  await page.mouse.move(1, 1);
}

/** Closed, while the agent wrote twice: the badge, and the tab title drawn on a strip at the top. */
async function unread(page: Page, url: string): Promise<void> {
  await greet(page, url);
  await page.locator('.close').click();
  await page.locator('.panel').waitFor({ state: 'hidden' });
  const agent = { controlType: 'CHAT', sourceType: 'AGENT', mediaType: 'TEXT', senderNickname: 'Lily' };
  await pushTo(url, page, [{ ...agent, content: 'Your parcel left our warehouse this morning.' }, { ...agent, content: 'It arrives tomorrow.' }]);
  await page.waitForFunction(() => document.title.startsWith('(2) '));
  await page.evaluate(() => {
    const strip = document.createElement('div');
    strip.textContent = `Tab title: ${document.title}`;
    // Through the CSSOM: the demo page's Content-Security-Policy refuses style attributes.
    Object.assign(strip.style, { position: 'fixed', top: '0', left: '0', right: '0', padding: '10px 16px', background: '#1b2230', color: '#fff', font: '15px system-ui', zIndex: '2147483647' });
    document.body.append(strip);
  });
}

/** No agent now: the conversation went offline (AICC's DISCONNECT with isOfflineStatus). */
async function offline(page: Page, url: string): Promise<void> {
  await greet(page, url);
  await pushTo(url, page, [{ controlType: 'DISCONNECT', sourceType: 'SYSTEM', isOfflineStatus: true, mediaType: null, content: null }]);
  await page.locator('.leave-offer').waitFor();
  await page.locator('.leave-offer').click();
  await page.locator('.leave-text').fill('Please call me back about order #1042.');
  await page.mouse.move(1, 1);
}

/** The customer ended the chat (asked first): AICC's survey, a level chosen. */
async function survey(page: Page, url: string): Promise<void> {
  await converse(page, url, false);
  await page.locator('.end-chat').click();
  await page.locator('.confirm-yes').click();
  await page.locator('.survey-option').first().waitFor();
  await page.locator('.survey-level .survey-option').nth(0).click();
  await page.locator('.survey-resolved .survey-option').nth(0).click();
  await page.locator('.survey h3').scrollIntoViewIfNeeded();
  await page.mouse.move(1, 1);
}

/** The network gone (Chromium's switched off): the banner, and a message waiting to go by itself. */
async function reconnecting(page: Page, url: string): Promise<void> {
  await converse(page, url, false);
  await page.context().setOffline(true);
  await page.locator('.banner-conn').waitFor();
  await page.locator('.input').fill('Is it still on its way?');
  await page.locator('.input').press('Enter');
  await page.locator('.waiting').waitFor();
  await page.locator('.scroll').evaluate((el) => (el.scrollTop = el.scrollHeight));
  await page.mouse.move(1, 1);
}

/** A site that asks who is writing first (data-prechat): the form, partly filled. */
async function prechat(page: Page, url: string): Promise<void> {
  await page.route(`${url}/shop.html`, (route) =>
    route.fulfill({
      contentType: 'text/html; charset=utf-8',
      body: `<!doctype html><html lang="en"><head><title>Northwind Outfitters</title><link rel="stylesheet" href="${url}/demo.css"></head>` +
        `<body><main><h1>Northwind Outfitters</h1></main><script src="${url}/widget.js" data-open="true" data-prechat="name*,email,phone" defer></script></body></html>`,
    }),
  );
  await page.goto(`${url}/shop.html`);
  await page.locator('.prechat').waitFor();
  await page.locator('#aicc-prechat-name').fill('Ada Lovelace');
  await page.mouse.move(1, 1);
}

async function reply(page: Page): Promise<void> {
  const input = page.locator('.input');
  await input.fill('Thanks Lily, that helps a lot!');
  await input.press('Enter');
  await page.locator('.msg-agent .text', { hasText: 'Thanks Lily' }).waitFor();
  await page.locator('.msg-customer[data-delivery="read"]', { hasText: 'Thanks Lily' }).waitFor();
}

export async function takeScreenshots(): Promise<string[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'aicc-widget-shots-'));
  const port = await freePort();
  const aicc = { appKey: 'demo-aicc', appSecret: 'demo-aicc-secret', channelId: '202105284494222653' };
  const sim = await createSimulator({
    ...aicc, push: 'pushMsg', gatewayUrl: `http://127.0.0.1:${port}`, gatewayAppKey: 'demo', gatewayAppSecret: 'demo-secret',
    stepMs: 120, queueLength: 2, agentHangsUp: false,
  });
  const config = loadConfig({
    HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn', AICC_APPS: 'demo:demo-secret',
    AICC_BASE_URL: sim.url, AICC_APP_KEY: aicc.appKey, AICC_APP_SECRET: aicc.appSecret, AICC_CHANNEL_ID: aicc.channelId,
    QUEUE_POLL_MS: '100',
  });
  const gateway = await buildServer(config, createLogger(config.logLevel), { demoPage: true });
  const url = await gateway.app.listen({ host: '127.0.0.1', port });
  const saved: string[] = [];
  try {
    const desktop = { width: 1280, height: 800 };
    for (const [name, viewport, stage] of [
      ['widget-desktop.png', desktop, (page: Page) => converse(page, `${url}/`, false)],
      ['widget-mobile.png', { width: 390, height: 844, mobile: true }, (page: Page) => converse(page, `${url}/`, true)],
      ['widget-greeting.png', desktop, (page: Page) => greet(page, `${url}/`)],
      ['widget-robot.png', desktop, (page: Page) => robot(page, `${url}/`)],
      ['widget-queue.png', { width: 390, height: 844, mobile: true }, (page: Page) => queue(page, `${url}/`, sim)],
      ['widget-unread.png', desktop, (page: Page) => unread(page, url)],
      ['widget-offline.png', desktop, (page: Page) => offline(page, url)],
      ['widget-survey.png', desktop, (page: Page) => survey(page, `${url}/`)],
      ['widget-reconnecting.png', desktop, (page: Page) => reconnecting(page, `${url}/`)],
      ['widget-prechat.png', desktop, (page: Page) => prechat(page, url)],
      ['widget-dark.png', { width: 390, height: 844, mobile: true, dark: true }, (page: Page) => converse(page, `${url}/`, true)],
    ] as const) {
      const chromium = await launchChromium(viewport);
      try {
        const page = chromium.context.pages()[0] ?? (await chromium.context.newPage());
        await stage(page);
        await page.screenshot({ path: join(DOCS, name) });
        saved.push(join(DOCS, name));
      } finally {
        sim.holdQueue(false);
        await chromium.close();
      }
    }
  } finally {
    await gateway.close();
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return saved;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const path of await takeScreenshots()) console.log(`saved ${path}`);
}
