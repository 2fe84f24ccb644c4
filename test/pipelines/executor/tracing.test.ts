import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/core/errors.js';
import type { SpanOptions, TraceAttributes, TraceSpan } from '../../../engine/core/telemetry.js';
import type { Tensor } from '../../../engine/core/tensor.js';
import { FakeCatalog, elementwise, fp32 } from '../fake-catalog.js';
import { runnerFor } from './harness.js';

/** A span that keeps its children, attributes, events and whether it failed or ended. */
class RecordingSpan implements TraceSpan {
  readonly recording = true;
  readonly children: RecordingSpan[] = [];
  readonly events: { name: string; attributes?: TraceAttributes }[] = [];
  attributes: Record<string, unknown> = {};
  failed: unknown;
  ended = false;

  constructor(
    readonly name: string,
    opts: SpanOptions = {},
  ) {
    this.attributes = { ...opts.attributes };
  }

  child(name: string, opts?: SpanOptions): TraceSpan {
    const c = new RecordingSpan(name, opts);
    this.children.push(c);
    return c;
  }
  setAttributes(a: TraceAttributes): void {
    Object.assign(this.attributes, a);
  }
  event(name: string, _at?: number, attributes?: TraceAttributes): void {
    this.events.push({ name, ...(attributes ? { attributes } : {}) });
  }
  link(): void {}
  fail(e: unknown): void {
    this.failed = e;
  }
  end(): void {
    this.ended = true;
  }
  traceparent(): string | undefined {
    return undefined;
  }
}

describe('tracing', () => {
  it('opens a span per step under the request span and sends model requests under it', async () => {
    let attempts = 0;
    const flaky = {
      ...elementwise('flaky', v => v),
      run: (ins: Map<string, Tensor>) => {
        if (attempts++ === 0) throw new EngineError('UNAVAILABLE', 'busy');
        return new Map([['y', ins.get('x')!]]);
      },
    };
    const catalog = new FakeCatalog([elementwise('double', v => v * 2), flaky]);
    const runner = await runnerFor(
      `inputs: { X: { datatype: FP32, shape: [1, 1] } }\noutputs: { Y: { datatype: FP32, shape: [1, 1] } }\nsteps:\n  - { name: a, model: double, inputs: { x: X }, outputs: { y: T } }\n  - { name: b, model: flaky, retry: { attempts: 2, backoff_ms: 0 }, inputs: { x: T }, outputs: { y: Y } }\n`,
      catalog,
    );
    const root = new RecordingSpan('p');
    await runner.run({ inputs: new Map([['X', fp32([1, 1], [1])]]), trace: root });
    expect(root.children.map(c => c.name)).toEqual(['step a', 'step b']);
    const [a, b] = root.children;
    expect(a?.attributes).toMatchObject({
      'braid.pipeline': 'p',
      'braid.step': 'a',
      'braid.step.target': "model 'double'",
      'braid.step.status': 'ran',
      'braid.step.calls': 1,
    });
    expect(b?.events).toEqual([
      { name: 'RETRY', attributes: { attempt: 2, 'error.code': 'UNAVAILABLE' } },
    ]);
    expect(b?.attributes).toMatchObject({ 'braid.step.retries': 1, 'braid.step.calls': 2 });
    expect(root.children.every(c => c.ended && c.failed === undefined)).toBe(true);
    expect(catalog.contexts.map(c => c?.trace)).toEqual([a, b, b]);
  });

  it('sends no spans when the request is not traced', async () => {
    const catalog = new FakeCatalog([elementwise('double', v => v * 2)]);
    const runner = await runnerFor(
      `inputs: { X: { datatype: FP32, shape: [1, 1] } }\noutputs: { Y: { datatype: FP32, shape: [1, 1] } }\nsteps:\n  - { name: a, model: double, inputs: { x: X }, outputs: { y: Y } }\n`,
      catalog,
    );
    await runner.run({ inputs: new Map([['X', fp32([1, 1], [1])]]) });
    expect(catalog.contexts[0]?.trace).toBeUndefined();
  });
});
