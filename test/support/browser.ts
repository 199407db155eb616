// The world a widget test runs in: the AICC simulator and a gateway (test/support/rig.ts), and Debian's Chromium
// through playwright-core, started once per file and stopped after it.

import { chromium, type Browser } from 'playwright-core';
import type { SimulatorOptions } from '../../src/simulator/index.js';
import { CHROMIUM_ARGS } from '../../tools/screenshots.js';
import { startRig, type Rig } from './rig.js';

/** A phone as Chromium emulates it (the widget's full-screen layout). */
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

export interface WidgetWorld {
  rig: Rig;
  browser: Browser;
}

export async function startWidgetWorld(simOptions: SimulatorOptions, gatewayEnv: Record<string, string> = {}): Promise<WidgetWorld> {
  const rig = await startRig(simOptions, gatewayEnv);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  return { rig, browser };
}

export async function stopWidgetWorld(world: Partial<WidgetWorld>): Promise<void> {
  await world.browser?.close();
  await world.rig?.close();
}
