/*
 * The console under the default model control mode `none` (issue #18), as `npm start` runs it:
 * load, unload and reload are refused by the repository API there, so the page learns the mode
 * from its feed and shows the buttons disabled with how to enable them, instead of failing on
 * click. A one-model repository keeps the start quick.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'puppeteer-core';
import {
  browserMissing,
  launchBrowser,
  screenshot,
  seriousViolations,
} from '../support/browser.js';
import { EXAMPLES } from '../support/repo.js';
import { startServe, type ServeProcess } from '../support/serve-process.js';

const missing = browserMissing();

describe.skipIf(missing !== undefined)('the console with model control mode none', () => {
  let repo: string;
  let server: ServeProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    repo = mkdtempSync(path.join(tmpdir(), 'braid-console-none-'));
    cpSync(path.join(EXAMPLES, 'simple'), path.join(repo, 'simple'), { recursive: true });
    [server, browser] = await Promise.all([
      startServe(['--model-repository', repo, '--allow-grpc', 'false'], 60_000),
      launchBrowser(),
    ]);
    page = await browser.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  it('disables load, unload and reload, saying how to start in explicit mode', async () => {
    await page.goto(`${server.url}/console#/models`);
    const notice = await page.waitForSelector('#control-mode-notice[data-control-mode="none"]', {
      timeout: 30_000,
    });
    expect(await notice!.evaluate(n => n.textContent)).toContain(
      'braid serve --model-control-mode explicit',
    );
    for (const label of ['Unload simple', 'Reload simple']) {
      const button = `button[aria-label="${label}"]`;
      expect(
        await page.$eval(button, b => (b as unknown as { disabled: boolean }).disabled),
        label,
      ).toBe(true);
      expect(await page.$eval(button, b => b.getAttribute('aria-describedby'))).toBe(
        'control-mode-notice',
      );
    }
    await screenshot(page, 'console-models-mode-none');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('disables "Load with this config" the same way', async () => {
    await page.click('a[aria-label="Config of simple"]');
    await page.waitForSelector('#config-text', { timeout: 30_000 });
    await page.waitForSelector('#control-mode-notice');
    expect(
      await page.$eval(
        '::-p-text(Load with this config)',
        b => (b as unknown as { disabled: boolean }).disabled,
      ),
    ).toBe(true);
  });
});
