/*
 * The console's config editor in a real browser (issue #18): a form for the common fields
 * generated from the model config's JSON Schema, kept in step with the raw JSON, every edit
 * checked with the messages a load gives, then "Load with this config". A one-model repository
 * in explicit mode keeps the start quick.
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

describe.skipIf(missing !== undefined)('the config editor in chromium', { timeout: 60_000 }, () => {
  let repo: string;
  let server: ServeProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    repo = mkdtempSync(path.join(tmpdir(), 'braid-console-config-'));
    cpSync(path.join(EXAMPLES, 'simple'), path.join(repo, 'simple'), { recursive: true });
    [server, browser] = await Promise.all([
      startServe(
        [
          '--model-repository',
          repo,
          '--model-control-mode',
          'explicit',
          '--load-model',
          '*',
          '--allow-grpc',
          'false',
        ],
        60_000,
      ),
      launchBrowser(),
    ]);
    page = await browser.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  const editorText = (): Promise<string> =>
    page.$eval('#config-text', el => (el as unknown as { value: string }).value);

  /** Sets a control's value as a person would, then waits for the server's verdict. */
  const set = async (selector: string, value: string, state: string): Promise<string> => {
    await page.evaluate(
      `(() => { const t = document.querySelector(${JSON.stringify(selector)}); t.value = ${JSON.stringify(value)}; t.dispatchEvent(new Event(t.tagName === 'SELECT' ? 'change' : 'input', { bubbles: true })); })()`,
    );
    await page.waitForSelector(`[data-check="${state}"]`, { timeout: 30_000 });
    return page.$eval(`[data-check="${state}"]`, el => el.textContent ?? '');
  };

  it("checks an edited config with the load's messages and loads with it", async () => {
    await page.goto(`${server.url}/console#/config/simple`);
    await page.waitForSelector('#config-text', { timeout: 30_000 });
    const original = await page.$eval(
      '#config-text',
      el => (el as unknown as { value: string }).value,
    );
    expect(JSON.parse(original)).toMatchObject({ name: 'simple' });
    const edit = (text: string, state: string): Promise<string> => set('#config-text', text, state);
    expect(await edit('{"max_batch_sise": 8}', 'invalid')).toContain(
      "parameters.config: unknown key 'max_batch_sise'",
    );
    await screenshot(page, 'console-config-invalid');
    expect(await seriousViolations(page)).toEqual([]);
    expect(await edit(original, 'valid')).toContain('Valid.');
    await page.click('::-p-text(Load with this config)');
    await page.waitForFunction(
      `document.body.textContent.includes('simple: loaded with this config')`,
      { timeout: 60_000 },
    );
  });

  it('fills a form from the schema and keeps it in step with the JSON', async () => {
    // A fresh page, not the same document at the same hash.
    await page.goto('about:blank');
    await page.goto(`${server.url}/console#/config/simple`);
    await page.waitForSelector('#field-max_batch_size', { timeout: 30_000 });
    const value = (sel: string): Promise<string> =>
      page.$eval(sel, el => (el as unknown as { value: string }).value);
    expect(await value('#field-name')).toBe('simple');
    expect(await value('#field-max_batch_size')).toBe('8');
    expect(await value('#field-input-0-name')).toBe('INPUT0');
    expect(await value('#field-input-0-data_type')).toBe('TYPE_FP32');
    expect(await value('#field-input-0-dims')).toBe('16');
    expect(await value('#field-instance_group-0-kind')).toBe('KIND_CPU');
    expect(await value('#field-dynamic_batching-max_queue_delay_microseconds')).toBe('500');
    // The schema's choices: every data type, as a select.
    expect(await page.$$eval('#field-output-1-data_type option', os => os.length)).toBe(14);

    expect(await set('#field-instance_group-0-count', '0', 'invalid')).toContain(
      'parameters.config: instance_group[0].count: Too small: expected number to be >=1',
    );
    expect(JSON.parse(await editorText()).instance_group[0].count).toBe(0);
    await screenshot(page, 'console-config-form-invalid');
    expect(await seriousViolations(page)).toEqual([]);
    expect(await set('#field-input-0-dims', '16, x', 'invalid')).toContain(
      'input[0].dims: Invalid input: expected array, received string',
    );
    await set('#field-instance_group-0-count', '2', 'invalid');
    await set('#field-input-0-dims', '16', 'valid');
    // The load's rules beyond the schema: the completed preferred size 8 no longer fits.
    expect(await set('#field-max_batch_size', '4', 'invalid')).toContain(
      "model 'simple': dynamic_batching.preferred_batch_size 8 must be <= max_batch_size (4)",
    );
    expect(await set('#field-dynamic_batching-preferred_batch_size', '2, 4', 'valid')).toContain(
      'Valid.',
    );
    // An edit of the JSON shows in the form.
    const edited = JSON.parse(await editorText()) as { backend: string };
    edited.backend = 'onnxruntime ';
    await set('#config-text', JSON.stringify(edited, null, 2), 'valid');
    expect(await value('#field-backend')).toBe('onnxruntime ');
    await set('#field-backend', 'onnxruntime', 'valid');
  });

  it('loads the model with the config made in the form', async () => {
    await page.click('::-p-text(Load with this config)');
    await page.waitForFunction(
      `document.body.textContent.includes('simple: loaded with this config')`,
      { timeout: 60_000 },
    );
    const config = (await (await fetch(`${server.url}/v2/models/simple/config`)).json()) as {
      max_batch_size: number;
      dynamic_batching: { preferred_batch_size: number[] };
      instance_group: { count: number }[];
    };
    expect(config.max_batch_size).toBe(4);
    expect(config.dynamic_batching.preferred_batch_size).toEqual([2, 4]);
    expect(config.instance_group[0]!.count).toBe(2);
    await screenshot(page, 'console-config-form');
  });
});
