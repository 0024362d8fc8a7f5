/**
 * Headless Chromium for the dashboard's browser tests: Debian's `chromium`
 * (apt-get install chromium) driven by playwright-core, which downloads no
 * browser of its own. CAVIAR_CHROMIUM names another binary.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { HANG_MS } from '../helpers/hang.js';

export function chromiumPath(): string | undefined {
  return [process.env.CAVIAR_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p): p is string => !!p && existsSync(p));
}

export const CHROMIUM_NOTICE = 'Chromium not found (apt-get install chromium, or set CAVIAR_CHROMIUM to its path)';

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
}

/** Where screenshots go: test-artifacts/dashboard/ at the repository's root (gitignored). */
export const ARTIFACTS = join(fileURLToPath(new URL('../../', import.meta.url)), 'test-artifacts', 'dashboard');

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** A page that fails the test on any script error, and records any dialog (none should ever open). */
export async function openPage(browser: Browser): Promise<{ page: Page; errors: string[]; dialogs: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  // Every wait (a locator, a navigation, waitForFunction) fails only on a hang, never because the machine is busy.
  page.setDefaultTimeout(HANG_MS);
  page.setDefaultNavigationTimeout(HANG_MS);
  const errors: string[] = [];
  const dialogs: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  return { page, errors, dialogs };
}

/**
 * What the page exposes to tests (charts/echarts.ts). The test program has no
 * DOM types, so code run in the page reaches it as `(globalThis as unknown as PageWindow)`.
 */
export interface PageWindow {
  __caviar: {
    charts(): Record<string, ChartReport>;
    chart(id: string): { getOption(): Record<string, unknown> } | undefined;
    ready: Record<string, number>;
    timings?: Record<string, number>;
    rendered: Record<string, number>;
    settled?: () => boolean;
  };
}

/** Waits for a page to say it is ready (`window.__caviar.ready[name]`) and returns when, in ms since navigation began. */
export async function ready(page: Page, name: string, timeout = HANG_MS): Promise<number> {
  const handle = await page.waitForFunction((k) => (globalThis as unknown as PageWindow).__caviar?.ready[k], name, { timeout });
  return (await handle.jsonValue()) as number;
}

/**
 * Scrolls to `selector` as a person would and waits until every chart in and
 * near the view has been drawn: the study page draws a chart only when it
 * comes near the view (src/dashboard/web/lazy.ts).
 *
 * @example await see(page, '#chart-timeline'); const c = await charts(page);
 */
export async function see(page: Page, selector: string): Promise<void> {
  await page.locator(selector).first().scrollIntoViewIfNeeded();
  await page.waitForFunction(() => (globalThis as unknown as PageWindow).__caviar.settled?.() === true);
}

export interface ChartReport {
  drawn: boolean;
  series: { type: string; name: string; points: number }[];
}

export function charts(page: Page): Promise<Record<string, ChartReport>> {
  return page.evaluate(() => (globalThis as unknown as PageWindow).__caviar.charts());
}

/**
 * Code run in the page, as a string: the test's TypeScript loader would add
 * helpers to a function that the page lacks. `axis(chart, kind, index)` is an
 * axis as ECharts laid it out.
 */
export function inPage<T>(page: Page, body: string): Promise<T> {
  return page.evaluate(`(() => {
    const chart = (id) => window.__caviar.chart(id);
    const axis = (id, kind, index) => chart(id).getModel().getComponent(kind, index ?? 0).axis;
    return (${body});
  })()`) as Promise<T>;
}
