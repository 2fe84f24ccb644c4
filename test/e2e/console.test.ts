/*
 * The web console in a real browser (issue #18): Debian's chromium, headless, against `braid
 * serve` on the example repository. Every model with its state, unload and reload of `simple`
 * (the config editor is in console-config.test.ts),
 * the OCR pipeline's graph and state machine, Try-it on a committed image, a trace in the waterfall, and axe-core
 * finding no serious or critical accessibility problem. Screenshots go to test/e2e/.artifacts.
 */
import { readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'puppeteer-core';
import {
  browserMissing,
  launchBrowser,
  screenshot,
  seriousViolations,
} from '../support/browser.js';
import { EXAMPLES, ROOT } from '../support/repo.js';
import { startServe, type ServeProcess } from '../support/serve-process.js';

const missing = browserMissing();
const MODELS = readdirSync(EXAMPLES)
  .filter(n => statSync(path.join(EXAMPLES, n)).isDirectory())
  .sort();

describe.skipIf(missing !== undefined)('the console in chromium', { timeout: 90_000 }, () => {
  let server: ServeProcess;
  let browser: Browser;
  let page: Page;
  const cspErrors: string[] = [];

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startServe(
        [
          '--model-repository',
          EXAMPLES,
          '--model-control-mode',
          'explicit',
          '--load-model',
          '*',
          '--allow-grpc',
          'false',
          '--trace-config',
          'level=TIMESTAMPS',
          '--trace-config',
          'rate=1',
          // Nothing listens there: the ring keeps the traces whatever the export does.
          '--trace-config',
          'opentelemetry,url=http://127.0.0.1:9/v1/traces',
        ],
        120_000,
      ),
      launchBrowser(),
    ]);
    page = await browser.newPage();
    page.on('console', m => {
      if (/Content.Security.Policy/i.test(m.text())) cspErrors.push(m.text());
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const stateOf = (name: string): Promise<string | null> =>
    page
      .$eval(`tr[data-model="${name}"] .state`, el => el.getAttribute('data-state'))
      .catch(() => null);

  const waitState = (name: string, state: string): Promise<unknown> =>
    page.waitForFunction(
      `document.querySelector('tr[data-model="${name}"] .state')?.getAttribute('data-state') === '${state}'`,
      { timeout: 60_000 },
    );

  it('serves the page with a strict Content-Security-Policy', async () => {
    const res = await page.goto(`${server.url}/console`, { waitUntil: 'load' });
    expect(res?.status()).toBe(200);
    const csp = res?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
  });

  it('lists every model of the repository with its state', async () => {
    await page.waitForSelector('tr[data-model="simple"]', { timeout: 30_000 });
    for (const name of MODELS) await waitState(name, 'READY');
    const shown = await page.$$eval('tr[data-model]', rows =>
      [...new Set(rows.map(r => r.getAttribute('data-model')))].sort(),
    );
    expect(shown).toEqual(MODELS);
    // Explicit mode: the buttons are live, with no notice about the control mode.
    expect(await page.$('#control-mode-notice')).toBeNull();
    await screenshot(page, 'console-models');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('unloads and reloads simple with the buttons', async () => {
    await page.click('button[aria-label="Unload simple"]');
    await waitState('simple', 'UNAVAILABLE');
    expect(await page.$eval('tr[data-model="simple"] .reason', el => el.textContent)).toMatch(
      /unloaded/,
    );
    await page.click('button[aria-label="Load simple"]');
    await waitState('simple', 'READY');
    expect(await stateOf('simple')).toBe('READY');
  });

  it("draws the OCR pipeline's graph with typed edges, guards and fan-outs", async () => {
    await page.click('a[aria-label="Graph of ocr"]');
    await page.waitForSelector('g.step[data-step="recognize"]', { timeout: 30_000 });
    const steps = await page.$$eval('g.step', gs => gs.map(g => g.getAttribute('data-step')));
    expect(steps).toEqual(
      expect.arrayContaining([
        'prepare',
        'detect',
        'find_boxes',
        'no_text',
        'orient',
        'recognize',
        'decode',
      ]),
    );
    expect(await page.$eval('g.step[data-step="recognize"]', g => g.textContent)).toContain(
      'map: over rec_x',
    );
    expect(await page.$eval('g.step[data-step="no_text"]', g => g.textContent)).toContain(
      'when: shape(boxes)[0] == 0',
    );
    const edges = await page.$$eval('g.edge text', ts => ts.map(t => t.textContent));
    expect(edges).toContain('boxes: FP32 [N, 4, 2]');
    await screenshot(page, 'console-graph-ocr');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("shows the OCR pipeline's state machine, a region per step, and downloads it", async () => {
    await page.goto(`${server.url}/console#/graph/ocr`);
    await (await page.waitForSelector('a[href="#/machine/ocr"]', { timeout: 30_000 }))!.click();
    await page.waitForSelector('section[data-region="step:recognize"]', { timeout: 30_000 });
    const regions = await page.$$eval('section.region', rs => rs.map(r => r.dataset['region']));
    expect(regions).toEqual(expect.arrayContaining(['request', 'step:prepare', 'step:decode']));
    const recognize = await page.$eval('section[data-region="step:recognize"]', r => r.textContent);
    expect(recognize).toContain('gathering');
    expect(recognize).toContain('inputs settled: rec_x');
    expect(recognize).toContain('event recognize.done');
    const noText = await page.$eval('section[data-region="step:no_text"]', r => r.textContent);
    expect(noText).toContain('guarding');
    const href = await page.$eval('a[download="ocr.machine.json"]', a => a.getAttribute('href'));
    const machine = (await (await fetch(`${server.url}${href}`)).json()) as {
      id: string;
      description: string;
    };
    expect(machine.id).toBe('ocr');
    // issue #10: paths the server sends are relative to the repository.
    expect(machine.description).toBe("pipeline 'ocr' (ocr/1/pipeline.yaml)");
    await screenshot(page, 'console-machine-ocr');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('runs Try-it on a committed image and shows the text and per-step timings', async () => {
    await page.goto(`${server.url}/console#/try/ocr`);
    const file = await page.waitForSelector('#input-IMAGE-file', { timeout: 30_000 });
    await (file as unknown as { uploadFile(p: string): Promise<void> }).uploadFile(
      path.join(ROOT, 'examples', 'images', 'sign.png'),
    );
    await page.waitForSelector('img.preview');
    await page.click('input[name="capture"][value="rgb"]');
    await page.click('input[name="capture"][value="det_prob"]');
    await page.click('form.try button[type="submit"]');
    await page.waitForSelector('.output[data-output="TEXT"] li', { timeout: 60_000 });
    const text = await page.$$eval('.output[data-output="TEXT"] li', lis =>
      lis.map(l => l.textContent ?? ''),
    );
    expect(text.join(' ').replace(/\s+/g, ' ').toLowerCase()).toContain('welcome to braid');
    const timed = await page.$$eval('.timings tr[data-step]', rows =>
      rows.map(r => r.getAttribute('data-step')),
    );
    expect(timed).toEqual(expect.arrayContaining(['prepare', 'detect', 'recognize', 'decode']));
    await page.waitForSelector('.overlay svg polygon');
    // Captured intermediates drawn as images: the decoded RGB input and the detector's text map.
    expect(
      await page.$$eval('.intermediates canvas', cs =>
        cs.map(c => c.getAttribute('data-tensor')).sort(),
      ),
    ).toEqual(['det_prob', 'rgb']);
    await screenshot(page, 'console-try-ocr');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('shows the Try-it request as a waterfall, downloadable as OTLP JSON', async () => {
    await page.goto(`${server.url}/console#/traces`);
    const link = await page.waitForSelector('.trace-list a', { timeout: 30_000 });
    expect(await link!.evaluate(a => a.textContent)).toContain('ocr');
    await page.click('.trace-list a');
    await page.waitForSelector('.waterfall tr[data-span="InferRequest"]', { timeout: 30_000 });
    const spans = await page.$$eval('.waterfall tr[data-span]', rows =>
      rows.map(r => r.getAttribute('data-span')),
    );
    expect(spans.some(s => s?.startsWith('step '))).toBe(true);
    const href = await page.$eval('.waterfall a[download]', a => a.getAttribute('href'));
    const otlp = (await (await fetch(`${server.url}${href}`)).json()) as {
      resourceSpans: { scopeSpans: { spans: unknown[] }[] }[];
    };
    expect(otlp.resourceSpans[0]!.scopeSpans[0]!.spans.length).toBe(spans.length);
    await screenshot(page, 'console-trace');
    expect(await seriousViolations(page)).toEqual([]);
  });

  /** Runs the OCR pipeline on the committed sign, the file sent as binary tensor data. */
  const inferOcr = async (): Promise<void> => {
    const png = await readFile(path.join(ROOT, 'examples', 'images', 'sign.png'));
    const element = Buffer.alloc(4 + png.length);
    element.writeUInt32LE(png.length, 0);
    png.copy(element, 4);
    const header = Buffer.from(
      JSON.stringify({
        inputs: [
          {
            name: 'IMAGE',
            datatype: 'BYTES',
            shape: [1],
            parameters: { binary_data_size: element.length },
          },
        ],
      }),
    );
    const res = await fetch(`${server.url}/v2/models/ocr/infer`, {
      method: 'POST',
      headers: {
        'content-type': 'application/octet-stream',
        'inference-header-content-length': String(header.length),
      },
      body: Buffer.concat([header, element]),
    });
    expect(res.status).toBe(200);
  };

  // The figures cover the feed's last 10 s, so each check makes its own requests after the page
  // (and so its feed) is open, then waits for the next event to show them.
  it('shows per-step p50/p99 estimates on the graph', async () => {
    // A fresh page, so a fresh feed whose window holds none of the earlier runs.
    await page.goto('about:blank');
    await page.goto(`${server.url}/console#/graph/ocr`);
    // The first event is the window's start: a request before it would not count.
    await page.waitForFunction(
      `document.querySelector('g.step[data-step="detect"] .quantiles')?.textContent === 'p50/p99: no run in the window'`,
      { timeout: 30_000 },
    );
    await inferOcr();
    await page.waitForFunction(
      `/p50 ≈ [0-9.,]+ ms · p99 ≈ [0-9.,]+ ms/.test(document.querySelector('g.step[data-step="detect"] .quantiles')?.textContent ?? '')`,
      { timeout: 30_000 },
    );
    expect(await page.$eval('.note', el => el.textContent)).toMatch(/estimates from the buckets/);
    await screenshot(page, 'console-graph-quantiles');
  });

  it('streams p50/p99, queue depth and batch sizes per model, and tails the log', async () => {
    await page.goto(`${server.url}/console#/metrics`);
    await page.waitForSelector('.chart .uplot', { timeout: 30_000 });
    const row = 'tr[data-model="simple"][data-version="1"]';
    // The first event is the window's start: requests before it would not count.
    await page.waitForSelector(row, { timeout: 30_000 });
    const data = Array.from({ length: 16 }, (_, i) => i);
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${server.url}/v2/models/simple/versions/1/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          inputs: ['INPUT0', 'INPUT1'].map(name => ({
            name,
            datatype: 'FP32',
            shape: [1, 16],
            data,
          })),
        }),
      });
      expect(res.status, await res.text()).toBe(200);
    }
    await page.waitForFunction(
      `/^[0-9.,]+$/.test(document.querySelector('${row} .p99')?.textContent ?? '')`,
      { timeout: 30_000 },
    );
    expect(await page.$eval(`${row} .p50`, el => el.textContent)).toMatch(/^[0-9.,]+$/);
    expect(await page.$eval(`${row} .pending`, el => el.textContent)).toMatch(/^[0-9]+$/);
    expect(await page.$eval(`${row} .batches`, el => el.textContent)).toMatch(/^1: 3 \(100%\)$/);
    await screenshot(page, 'console-metrics');
    expect(await seriousViolations(page)).toEqual([]);
    await page.goto(`${server.url}/console#/logs`);
    await page.waitForFunction(
      `document.querySelector('ol.log')?.textContent?.includes('Started HTTPService')`,
      { timeout: 30_000 },
    );
    expect(await seriousViolations(page)).toEqual([]);
    expect(cspErrors).toEqual([]);
  });
});
