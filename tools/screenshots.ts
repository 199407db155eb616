// Takes the README's pictures of the widget: docs/widget-desktop.png (1280×800) and docs/widget-mobile.png
// (390×844), mid-conversation with the agent. Runs the gateway (with the widget) and the AICC simulator on
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
import { createSimulator } from '../src/simulator/index.js';
import { widgetRoutes } from '../src/delivery/widgetRoutes.js';

const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** A fresh browser profile of its own (Debian's Chromium wants a fresh --user-data-dir, so a persistent context on a temp dir), removed on close. */
export async function launchChromium(options: { width: number; height: number; mobile?: boolean }): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'aicc-widget-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    viewport: { width: options.width, height: options.height },
    ...(options.mobile ? { deviceScaleFactor: 2, isMobile: true, hasTouch: true } : {}),
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
  const gateway = await buildServer(config, createLogger(config.logLevel));
  await gateway.app.register(widgetRoutes);
  const url = await gateway.app.listen({ host: '127.0.0.1', port });
  const saved: string[] = [];
  try {
    for (const [name, viewport] of [
      ['widget-desktop.png', { width: 1280, height: 800 }],
      ['widget-mobile.png', { width: 390, height: 844, mobile: true }],
    ] as const) {
      const chromium = await launchChromium(viewport);
      try {
        const page = chromium.context.pages()[0] ?? (await chromium.context.newPage());
        await converse(page, `${url}/`, name === 'widget-mobile.png');
        await page.screenshot({ path: join(DOCS, name) });
        saved.push(join(DOCS, name));
      } finally {
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
