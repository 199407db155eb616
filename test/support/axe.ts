// axe-core (the engine behind Lighthouse and most accessibility CI) run inside a real page: the browser tests
// call it in every state they reach, light and dark, and fail on any serious or critical violation (and on any
// landmark rule: the widget must not add a second banner beside its host page's). Shadow DOM is audited too.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** Every axe violation a customer would be hurt by, described; empty when the page passes. */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  // Colours are judged as the customer sees them once the panel has risen, not halfway through its fade-in.
  await page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter((a) => a.effect?.getComputedTiming().iterations !== Infinity)
        .map((a) => a.finished.catch(() => undefined)),
    ),
  );
  // Evaluated through the DevTools protocol, so the page's strict Content-Security-Policy stays as it is.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: Violation[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map(({ id, impact, help, nodes }) => ({
      id, impact, help, nodes: nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical' || v.id.startsWith('landmark'))
    .map((v) => `${v.impact} ${v.id} (${v.help}): ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}

/**
 * Fails on any serious or critical violation in the state the page is in, light and dark: axe runs in the colour
 * scheme the page has, then in the other one (the widget follows prefers-color-scheme), and the page is left as
 * it was.
 */
export async function assertAccessible(page: Page, state: string): Promise<void> {
  const dark = await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches);
  const schemes = dark ? (['dark', 'light'] as const) : (['light', 'dark'] as const);
  const found: string[] = [];
  try {
    for (const scheme of schemes) {
      if (scheme !== schemes[0]) await page.emulateMedia({ colorScheme: scheme });
      found.push(...(await accessibilityProblems(page)).map((problem) => `${scheme}: ${problem}`));
    }
  } finally {
    await page.emulateMedia({ colorScheme: schemes[0] });
  }
  if (found.length > 0) throw new Error(`axe-core, ${state}:\n  ${found.join('\n  ')}`);
}
