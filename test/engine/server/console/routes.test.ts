/*
 * The console's server side (issue #18): the page and bundles with a strict CSP, 503 before the
 * bundle is built, off without the option (--allow-console false), the plan and machine JSON, the live feed
 * over SSE paced by the injected clock and idle once the page goes, and the telemetry endpoints.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../../engine/core/clock.js';
import type { ExecutionPlan, PlanTensor } from '../../../../engine/core/plan.js';
import { createApp } from '../../../../engine/server/app.js';
import type { ConsoleAssets } from '../../../../engine/server/console/assets.js';
import type { ConsoleSources } from '../../../../engine/server/console/sources.js';
import { expectError, fakeEngine } from '../helpers.js';

const ASSETS: ConsoleAssets = new Map([
  [
    'index.html',
    {
      body: new TextEncoder().encode('<!doctype html><title>t</title>'),
      contentType: 'text/html; charset=utf-8',
    },
  ],
  [
    'console.js',
    { body: new TextEncoder().encode('export {}'), contentType: 'text/javascript; charset=utf-8' },
  ],
]);

const tensor = (name: string, dims: (number | string)[]): PlanTensor => ({
  name,
  datatype: 'FP32',
  shape: dims.map(d => (typeof d === 'number' ? d : -1)),
  dims,
  optional: false,
});

/** One mapped, guarded step `a` from IN to mid; output OUT is mid. */
const PLAN: ExecutionPlan = {
  name: 'simple',
  source: 'pipeline.yaml',
  inputs: [tensor('IN', ['N', 4])],
  outputs: [{ name: 'OUT', tensor: 'mid', spec: tensor('mid', ['N', 4]), optional: false }],
  steps: [
    {
      index: 0,
      name: 'a',
      target: { kind: 'model', model: 'echo', version: 1 },
      inputs: [{ param: 'x', tensor: 'IN', optional: false }],
      outputs: [{ param: 'y', tensor: 'mid' }],
      when: { source: 'size(IN) > 0', expr: { kind: 'literal', value: true }, tensors: ['IN'] },
      map: { over: 'IN', mode: 'concat', maxParallel: 2 },
      onError: { policy: 'fail' },
      reads: ['IN'],
      level: 0,
    },
  ],
  tensors: new Map([
    ['IN', tensor('IN', ['N', 4])],
    ['mid', tensor('mid', ['N', 4])],
  ]),
  producer: new Map([['mid', 0]]),
  levels: [[0]],
  warnings: [],
};

function consoleApp(
  sources: ConsoleSources = {},
  assets: ConsoleAssets = ASSETS,
  clock = new SimulatedClock(),
) {
  const engine = fakeEngine();
  return { engine, clock, app: createApp(engine, { clock, console: { assets, sources } }) };
}

describe('the console page', () => {
  it('is served with a strict Content-Security-Policy and nosniff', async () => {
    const res = await consoleApp().app.request('/console');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves the bundles by name and 404s others', async () => {
    const { app } = consoleApp();
    const js = await app.request('/console/assets/console.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toBe('export {}');
    await expectError(await app.request('/console/assets/other.js'), 404, 'Not Found');
  });

  it('answers 503 saying how to build it when the bundle is missing', async () => {
    await expectError(
      await consoleApp({}, new Map()).app.request('/console'),
      503,
      /npm run build/,
    );
  });

  it('is absent without the console option (--allow-console false)', async () => {
    await expectError(await createApp(fakeEngine()).request('/console'), 404, 'Not Found');
    await expectError(
      await createApp(fakeEngine()).request('/console/api/events'),
      404,
      'Not Found',
    );
  });
});

describe('the plan endpoint', () => {
  it("answers the newest ready version's plan as graph JSON", async () => {
    const asked: number[] = [];
    const { app } = consoleApp({
      plans: (name, version) => (asked.push(version), name === 'simple' ? PLAN : undefined),
    });
    const res = await app.request('/console/api/plan/simple');
    expect(res.status).toBe(200);
    expect(asked).toEqual([2]);
    expect(await res.json()).toEqual({
      name: 'simple',
      inputs: ['IN'],
      outputs: [{ name: 'OUT', tensor: 'mid' }],
      tensors: [
        { name: 'IN', datatype: 'FP32', dims: ['N', 4] },
        { name: 'mid', datatype: 'FP32', dims: ['N', 4], producer: 0 },
      ],
      steps: [
        {
          index: 0,
          name: 'a',
          kind: 'model',
          target: 'echo@1',
          reads: ['IN'],
          writes: ['mid'],
          when: 'size(IN) > 0',
          map: { over: 'IN', mode: 'concat', maxParallel: 2 },
          onError: 'fail',
          level: 0,
        },
      ],
      warnings: [],
    });
  });

  it('says when the model is no pipeline, and 404s unknown models', async () => {
    const { app } = consoleApp({ plans: () => undefined });
    await expectError(
      await app.request('/console/api/plan/echo'),
      400,
      "model 'echo' is not a pipeline: it has no plan to show",
    );
    expect((await app.request('/console/api/plan/nope')).status).toBe(404);
  });
});

describe('the machine endpoint', () => {
  it("answers the newest ready version's state machine as it is, 400 for a model", async () => {
    const machine = { id: 'simple', initial: 'running', states: {} };
    const asked: number[] = [];
    const { app } = consoleApp({
      machines: (name, version) => (asked.push(version), name === 'simple' ? machine : undefined),
    });
    const res = await app.request('/console/api/machine/simple');
    expect(res.status).toBe(200);
    expect(asked).toEqual([2]);
    expect(await res.json()).toEqual(machine);
    expect((await app.request('/console/api/machine/simple/versions/1')).status).toBe(200);
    expect(asked).toEqual([2, 1]);
    await expectError(
      await app.request('/console/api/machine/echo'),
      400,
      "model 'echo' is not a pipeline: it has no plan to show",
    );
    expect((await app.request('/console/api/machine/nope')).status).toBe(404);
  });
});

describe('the live feed', () => {
  it('sends a snapshot at once and then one per second, and stops when the page goes', async () => {
    const { app, clock } = consoleApp();
    const res = await app.request('/console/api/events');
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    const next = async (): Promise<string> => new TextDecoder().decode((await reader.read()).value);
    const first = await next();
    expect(first).toMatch(/^event: snapshot\ndata: /);
    const data = JSON.parse(/data: (.*)/.exec(first)![1]!) as {
      time: number;
      index: unknown[];
      stats: unknown[];
    };
    expect(data.time).toBe(clock.wallNow());
    expect(Array.isArray(data.index) && Array.isArray(data.stats)).toBe(true);
    await vitestWait(() => clock.pendingTimers === 1);
    clock.advance(1000);
    expect(await next()).toMatch(/^event: snapshot\ndata: .*\nid: 1\n\n$/);
    await vitestWait(() => clock.pendingTimers === 1);
    await reader.cancel();
    await vitestWait(() => clock.pendingTimers === 0);
  });

  it('ends when the server drains, so it does not hold the shutdown up', async () => {
    let draining = false;
    const clock = new SimulatedClock();
    const app = createApp(fakeEngine(), {
      clock,
      isDraining: () => draining,
      console: { assets: ASSETS, sources: {} },
    });
    const reader = (await app.request('/console/api/events')).body!.getReader();
    expect((await reader.read()).done).toBe(false);
    await vitestWait(() => clock.pendingTimers === 1);
    draining = true;
    clock.advance(1000);
    expect((await reader.read()).done).toBe(true);
  });
});

describe('the config check', () => {
  const check = (app: ReturnType<typeof consoleApp>['app'], body: unknown) =>
    app.request('/console/api/config-check/simple', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('answers the parsed config of a valid override', async () => {
    const res = await check(consoleApp().app, { config: '{"max_batch_size": 8}' });
    expect(res.status).toBe(200);
    expect(
      ((await res.json()) as { config: { max_batch_size: number } }).config.max_batch_size,
    ).toBe(8);
  });

  it('refuses an invalid one with the message a load with it gives', async () => {
    const { app } = consoleApp();
    await expectError(
      await check(app, { config: '{"max_batch_sise": 8}' }),
      400,
      "model 'simple': config is not valid:\n  parameters.config: unknown key 'max_batch_sise'",
    );
    // issue #18: the load's normalization rules too, not only the schema, so "Valid." means the
    // load will not refuse the config itself.
    await expectError(
      await check(app, {
        config:
          '{"name": "simple", "max_batch_size": 4, "dynamic_batching": {"preferred_batch_size": [8]}}',
      }),
      400,
      "model 'simple': dynamic_batching.preferred_batch_size 8 must be <= max_batch_size (4)",
    );
    await expectError(
      await check(app, { config: '{' }),
      400,
      /^config override for 'simple' is not valid JSON: /,
    );
    await expectError(
      await check(app, { config: 8 }),
      400,
      "'config' of the config check for model 'simple' must be a string of JSON, got number",
    );
  });
});

describe('traces and logs', () => {
  it('answer UNAVAILABLE when the server keeps none', async () => {
    const { app } = consoleApp();
    await expectError(
      await app.request('/console/api/traces'),
      503,
      'traces are not kept by this server',
    );
    await expectError(
      await app.request('/console/api/logs'),
      503,
      'the log tail is not kept by this server',
    );
  });

  it("reject a bad 'after' naming it", async () => {
    const { app } = consoleApp({ logs: { since: () => [] } });
    await expectError(
      await app.request('/console/api/logs?after=-1'),
      400,
      "query 'after' of the log tail must be a non-negative integer, got '-1'",
    );
  });

  it('404 a trace that left the ring', async () => {
    const traces = { list: () => [], spans: () => undefined, otlpJson: () => undefined };
    const { app } = consoleApp({ traces });
    await expectError(
      await app.request('/console/api/traces/abc'),
      404,
      /not in the ring of recent traces/,
    );
  });
});

/** Waits for `cond` over microtask and macrotask turns (stream plumbing), never on wall-clock time. */
async function vitestWait(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise(resolve => setImmediate(resolve));
  expect(cond()).toBe(true);
}
