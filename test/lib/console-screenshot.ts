/**
 * A look at a VM's screen through its console URL, as a user would get it: Debian's
 * chromium, driven headless by playwright-core (which downloads no browser), opens the
 * noVNC page the console proxy serves, waits until noVNC says it is connected and the
 * canvas shows something, and saves the canvas as a PNG.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian packages screenshotConsole needs (see debs.ts ensureDebs). */
export const CONSOLE_DEBS = ['chromium'];

/** Debian's chromium launcher. */
export const CHROMIUM = '/usr/bin/chromium';

/** No sandbox (tests run as root), no GPU, and nothing that talks to Google on its own. */
const CHROMIUM_FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export interface ConsoleShot {
  /** Size of the VM's screen (the noVNC canvas) in pixels. */
  width: number;
  height: number;
  /** Pixels of that screen with any colour channel above 32: 0 means nothing was drawn. */
  nonBlackPixels: number;
}

/**
 * Opens a console URL (`openstack console url show`) and saves the VM's screen to
 * `pngPath`. Throws when the page never says it is connected (or says it failed)
 * within `timeoutMs`; a screen that stays black is saved anyway once the time is up,
 * with nonBlackPixels 0. The browser runs on a fresh temporary profile, removed after.
 */
export async function screenshotConsole(url: string, pngPath: string, timeoutMs = 30_000): Promise<ConsoleShot> {
  const deadline = Date.now() + timeoutMs;
  const left = (): number => Math.max(1, deadline - Date.now());
  const profile = mkdtempSync(join(tmpdir(), 'stratus-console-chromium-'));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1280, height: 1024 }, timeout: left(),
    });
    const page = context.pages()[0] ?? await context.newPage();
    await page.goto(url, { timeout: left() });
    await waitConnected(page, left());
    let shot = await countPixels(page);
    while (shot.nonBlackPixels === 0 && Date.now() < deadline) {
      await page.waitForTimeout(Math.min(200, left()));
      shot = await countPixels(page);
    }
    // noVNC draws an update as it arrives; give the rest of the first frame a moment.
    if (shot.nonBlackPixels > 0) await page.waitForTimeout(Math.min(500, left()));
    await page.locator('canvas').first().screenshot({ path: pngPath, timeout: left() });
    return await countPixels(page);
  } finally {
    await context?.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
  }
}

/**
 * Waits until the page says noVNC is connected: Stratus's page marks #status with
 * data-state; noVNC's own pages say "Connected..." (vnc_lite.html) or put
 * noVNC_connected on <html> (vnc.html).
 */
async function waitConnected(page: Page, timeoutMs: number): Promise<void> {
  const handle = await page.waitForFunction(() => {
    const status = document.querySelector('#status');
    const state = status?.getAttribute('data-state');
    if (state === 'failed') return `failed: ${status?.textContent ?? ''}`;
    const connected = state === 'connected' || /^Connected/.test(status?.textContent ?? '')
      || document.documentElement.classList.contains('noVNC_connected');
    return connected && document.querySelector('canvas') ? 'connected' : false;
  }, undefined, { timeout: timeoutMs, polling: 100 });
  const outcome = await handle.jsonValue();
  if (outcome !== 'connected') throw new Error(`console did not connect: ${String(outcome)}`);
}

/** The canvas's size and how many of its pixels are not (near) black. */
function countPixels(page: Page): Promise<ConsoleShot> {
  return page.evaluate(() => {
    const canvas = document.querySelector('canvas');
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx || canvas.width === 0 || canvas.height === 0) return { width: 0, height: 0, nonBlackPixels: 0 };
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let nonBlackPixels = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i]! > 32 || data[i + 1]! > 32 || data[i + 2]! > 32) nonBlackPixels++;
    }
    return { width: canvas.width, height: canvas.height, nonBlackPixels };
  });
}
