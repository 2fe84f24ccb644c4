// issue #15 section 1: pipelines whose last step calls a decoupled model stream its responses.
import { describe, expect, it } from 'vitest';
import { CancelSource } from '../../engine/core/cancel.js';
import { SimulatedClock } from '../../engine/core/clock.js';
import type { EngineError } from '../../engine/core/errors.js';
import type { InferResponse } from '../../engine/core/request.js';
import type { ResponsesOutcome } from '../../engine/core/scheduler.js';
import type { TensorMap } from '../../engine/core/tensor.js';
import { PipelineRunner } from '../../pipelines/executor/pipeline-runner.js';
import { explainPlan } from '../../pipelines/explain.js';
import { compile, failures } from './compile-helpers.js';
import { CountingStats, schedulerOver } from './executor/harness.js';
import { elementwise, FakeCatalog, fp32, int32, values } from './fake-catalog.js';
import type { FakeModel } from './fake-catalog.js';

/** Counts responses as the version's statistics do. */
class StreamStats extends CountingStats {
  readonly responses: number[] = [];
  readonly ends: { count: number; outcome: ResponsesOutcome }[] = [];
  response(index: number): void {
    this.responses.push(index);
  }
  responsesEnded(count: number, _ns: number, outcome: ResponsesOutcome): void {
    this.ends.push({ count, outcome });
  }
}

/** A decoupled model: one response per element of `x` (value and index), as `each` lets it. */
function spread(each: (i: number) => Promise<void> = () => Promise.resolve()): FakeModel {
  return {
    name: 'spread',
    inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, -1] }],
    outputs: [
      { name: 'y', datatype: 'FP32', shape: [1, 1] },
      { name: 'i', datatype: 'INT32', shape: [1] },
    ],
    run: () => new Map(),
    stream: async function* (inputs) {
      const x = inputs.get('x')!.data as Float32Array;
      for (let i = 0; i < x.length; i++) {
        await each(i);
        yield new Map([
          ['y', fp32([1, 1], [x[i]!])],
          ['i', int32([1], [i])],
        ]) as TensorMap;
      }
    },
  };
}

const HEAD = `inputs: { X: { datatype: FP32, shape: [1, N] } }
outputs:
  V: { datatype: FP32, shape: [1, 1] }
  I: { datatype: INT32, shape: [1] }
steps:
  - { name: a, model: double, inputs: { x: X }, outputs: { y: T } }
`;
const TEXT = `${HEAD}  - { name: b, model: spread, inputs: { x: T }, outputs: { y: V, i: I } }\n`;

async function streaming(model: FakeModel = spread()) {
  const catalog = new FakeCatalog([elementwise('double', v => v * 2), model]);
  const { plan } = await compile(TEXT, catalog);
  const stats = new StreamStats();
  const scheduler = schedulerOver(new PipelineRunner({ plan, catalog }), stats);
  return { catalog, plan, stats, scheduler };
}

const X = new Map([['X', fp32([1, 3], [1, 2, 3])]]);

describe('pipelines that stream', () => {
  it('stream the responses of their last step when it calls a decoupled model', async () => {
    const { catalog, plan, stats, scheduler } = await streaming();
    expect(plan.streams).toBe(1);
    expect(explainPlan(plan)).toContain(
      "streams: each response of step 'b' (decoupled) is one response",
    );
    const sent: InferResponse[] = [];
    const final = await scheduler.run({
      inputs: X,
      batchSize: 1,
      id: 'r1',
      respond: r => sent.push(r),
    });
    expect(sent.map(r => values(r.outputs.get('V')))).toEqual([[2], [4], [6]]);
    expect(sent.map(r => values(r.outputs.get('I')))).toEqual([[0], [1], [2]]);
    expect(sent[0]).toMatchObject({ id: 'r1', modelName: 'p', modelVersion: '1' });
    // The final flag: a response without outputs.
    expect(final.outputs.size).toBe(0);
    expect(catalog.callsTo('double')).toHaveLength(1);
    expect(stats.responses).toEqual([0, 1, 2]);
    expect(stats.ends).toEqual([{ count: 3, outcome: 'empty_response' }]);
    expect(stats.executions).toBe(1);
  });

  it('stop the decoupled step when the client cancels, and send nothing after', async () => {
    let stopped!: () => void;
    const stoppedNow = new Promise<void>(resolve => (stopped = resolve));
    const client = new CancelSource();
    const model: FakeModel = {
      ...spread(),
      stream: async function* (_inputs, req) {
        try {
          yield new Map([
            ['y', fp32([1, 1], [1])],
            ['i', int32([1], [0])],
          ]) as TensorMap;
          // Waits for the cancellation to reach the model's request.
          if (!req.signal!.aborted)
            await new Promise(resolve =>
              req.signal!.addEventListener('abort', () => resolve(undefined), { once: true }),
            );
          yield new Map([
            ['y', fp32([1, 1], [2])],
            ['i', int32([1], [1])],
          ]) as TensorMap;
        } finally {
          stopped();
        }
      },
    };
    const { stats, scheduler } = await streaming(model);
    const sent: InferResponse[] = [];
    const run = scheduler.run({
      inputs: X,
      batchSize: 1,
      signal: client.signal,
      respond: r => {
        sent.push(r);
        client.abort(new Error('client went away'));
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    await stoppedNow;
    expect(sent).toHaveLength(1);
    expect(stats.ends).toEqual([{ count: 1, outcome: 'cancel' }]);
  });

  it('fail the request with the step error when the decoupled model fails mid-stream', async () => {
    const { stats, scheduler } = await streaming(
      spread(async i => {
        if (i === 1) throw new Error('line 2 cannot be read');
      }),
    );
    const sent: InferResponse[] = [];
    const err = await scheduler.run({ inputs: X, batchSize: 1, respond: r => sent.push(r) }).then(
      () => undefined,
      (e: EngineError) => e,
    );
    expect(err?.message).toMatch(/step 'b'.*line 2 cannot be read/);
    expect(sent).toHaveLength(1);
    expect(stats.ends).toEqual([{ count: 1, outcome: 'fail' }]);
  });

  it('answer with one response when an early return answers instead of the decoupled step', async () => {
    const catalog = new FakeCatalog([elementwise('double', v => v * 2), spread()]);
    const text = `${TEXT}  - name: nothing
    when: "shape(X)[1] == 0"
    return:
      V: { datatype: FP32, shape: [1, 1], data: [0] }
      I: { datatype: INT32, shape: [1], data: [-1] }
`;
    const { plan } = await compile(text, catalog);
    const stats = new StreamStats();
    const scheduler = schedulerOver(new PipelineRunner({ plan, catalog }), stats);
    const sent: InferResponse[] = [];
    const respond = (r: InferResponse) => sent.push(r);
    await scheduler.run({ inputs: new Map([['X', fp32([1, 0], [])]]), batchSize: 1, respond });
    expect(sent.map(r => values(r.outputs.get('I')))).toEqual([[-1]]);
    expect(catalog.callsTo('spread')).toHaveLength(0);
    sent.length = 0;
    await scheduler.run({ inputs: X, batchSize: 1, respond });
    expect(sent.map(r => values(r.outputs.get('I')))).toEqual([[0], [1], [2]]);
    expect(stats.ends.map(e => e.count)).toEqual([1, 3]);
  });

  it("bound the whole stream by the decoupled step's timeout_ms", async () => {
    const clock = new SimulatedClock();
    const model: FakeModel = {
      ...spread(),
      stream: async function* (_inputs, req) {
        yield new Map([
          ['y', fp32([1, 1], [1])],
          ['i', int32([1], [0])],
        ]) as TensorMap;
        await new Promise(resolve =>
          req.signal!.addEventListener('abort', () => resolve(undefined), { once: true }),
        );
      },
    };
    const catalog = new FakeCatalog([elementwise('double', v => v * 2), model]);
    const text = TEXT.replace(
      'outputs: { y: V, i: I } }',
      'outputs: { y: V, i: I }, timeout_ms: 50 }',
    );
    const { plan } = await compile(text, catalog);
    const scheduler = schedulerOver(new PipelineRunner({ plan, catalog, clock }));
    const sent: InferResponse[] = [];
    let first!: () => void;
    const firstSent = new Promise<void>(resolve => (first = resolve));
    const run = scheduler.run({
      inputs: X,
      batchSize: 1,
      respond: r => (sent.push(r), first()),
    });
    await firstSent;
    clock.advance(50);
    await expect(run).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringMatching(/did not answer within 50 ms/) as string,
    });
    expect(sent).toHaveLength(1);
  });

  it('refuse a decoupled step whose outputs feed a later step, naming it', async () => {
    const catalog = new FakeCatalog([elementwise('double', v => v * 2), spread()]);
    const text = `${HEAD}  - { name: b, model: spread, inputs: { x: T }, outputs: { y: W, i: I } }
  - { name: c, model: double, inputs: { x: W }, outputs: { y: V } }
`;
    const { code, message } = await failures(text, catalog);
    expect(code).toBe('INVALID_ARG');
    expect(message).toMatch(
      /step 'b': model 'spread' version 1 is decoupled, so this step must be the pipeline's last: expected its outputs to reach only the pipeline's outputs, found step 'c' reading them/,
    );
  });

  it('refuse a second decoupled step, a mapped one, and outputs from other steps', async () => {
    const other = { ...spread(), name: 'spread2' };
    const catalog = new FakeCatalog([elementwise('double', v => v * 2), spread(), other]);
    const two = `${HEAD}  - { name: b, model: spread, inputs: { x: T }, outputs: { y: V } }
  - { name: c, model: spread2, inputs: { x: T }, outputs: { i: I } }
`;
    expect((await failures(two, catalog)).message).toMatch(
      /step 'c': model 'spread2' version 1 is decoupled, and so is step 'b': a pipeline streams the responses of one decoupled step/,
    );
    const mapped = `${HEAD}  - { name: b, model: spread, map: { over: T }, inputs: { x: T }, outputs: { y: V, i: I } }\n`;
    expect((await failures(mapped, catalog)).message).toMatch(
      /step 'b': model 'spread' version 1 is decoupled .* cannot be combined with map/,
    );
    const elsewhere = `inputs: { X: { datatype: FP32, shape: [1, N] } }
outputs:
  V: { datatype: FP32, shape: [1, 1] }
  T: { datatype: FP32, shape: [1, N] }
steps:
  - { name: a, model: double, inputs: { x: X }, outputs: { y: T } }
  - { name: b, model: spread, inputs: { x: X }, outputs: { y: V } }
`;
    expect((await failures(elsewhere, catalog)).message).toMatch(
      /tensor 'T': the pipeline streams the responses of decoupled step 'b': expected every output to come from it, found this one from step 'a'/,
    );
  });
});
