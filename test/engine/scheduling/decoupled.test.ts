// issue #15 section 1: the queue scheduler runs a decoupled model's request alone and hands
// each of its 0..n responses to the request's sink as the instance sends it.
import { describe, expect, it } from 'vitest';
import type { ExecuteOptions, ModelInstance } from '../../../engine/core/backend.js';
import { CancelSource } from '../../../engine/core/cancel.js';
import { SimulatedClock } from '../../../engine/core/clock.js';
import { EngineError } from '../../../engine/core/errors.js';
import type { InferResponse } from '../../../engine/core/request.js';
import type { TraceSpan } from '../../../engine/core/telemetry.js';
import type { TensorMap } from '../../../engine/core/tensor.js';
import { createScheduler } from '../../../engine/scheduling/create-scheduler.js';
import { StatsRecorder } from '../../../engine/scheduling/stats.js';
import {
  config,
  echoOutputs,
  FakeInstance,
  request,
  rowTags,
  settle,
  track,
} from './fake-instance.js';

interface StreamCall {
  readonly inputs: TensorMap;
  readonly opts: ExecuteOptions;
  readonly send: (outputs: TensorMap) => void;
  readonly finish: () => void;
  readonly fail: (e: unknown) => void;
}

/** A decoupled instance whose responses and end the test sends by hand. */
class StreamingInstance implements ModelInstance {
  readonly calls: StreamCall[] = [];

  execute(): Promise<TensorMap> {
    return Promise.reject(new Error('a decoupled instance is never called through execute'));
  }

  executeDecoupled(
    inputs: TensorMap,
    opts: ExecuteOptions,
    send: (outputs: TensorMap) => void,
  ): Promise<void> {
    return new Promise((finish, fail) => this.calls.push({ inputs, opts, send, finish, fail }));
  }

  dispose(): Promise<void> {
    return Promise.resolve();
  }
}

function setup(over: Parameters<typeof config>[0] = {}) {
  const clock = new SimulatedClock();
  const stats = new StatsRecorder('m', '1');
  const instance = new StreamingInstance();
  const cfg = config({ model_transaction_policy: { decoupled: true }, ...over });
  const scheduler = createScheduler({
    modelName: 'm',
    version: '1',
    config: cfg,
    instances: [instance],
    clock,
    stats,
  });
  return { clock, stats, instance, scheduler };
}

describe('a decoupled model in the queue scheduler', () => {
  it('hands each response to the sink in order, then resolves without outputs', async () => {
    const { clock, stats, instance, scheduler } = setup();
    const got: InferResponse[] = [];
    const run = track(scheduler.run(request(1, 7, { id: 'r1', respond: r => got.push(r) })));
    await settle();
    const call = instance.calls[0]!;
    clock.advance(5);
    call.send(echoOutputs(call.inputs));
    clock.advance(3);
    call.send(echoOutputs(call.inputs));
    expect(got.map(r => [r.id, r.modelName, r.modelVersion, rowTags(r)])).toEqual([
      ['r1', 'm', '1', [7]],
      ['r1', 'm', '1', [7]],
    ]);
    expect(run.done).toBe(false);
    call.finish();
    await settle();
    expect(run.value?.outputs.size).toBe(0);
    const s = stats.snapshot();
    expect([s.execution_count, s.inference_count]).toEqual([1, 1]);
    expect(s.response_stats['0']!.success).toEqual({ count: 1, ns: 5e6 });
    expect(s.response_stats['1']!.success).toEqual({ count: 1, ns: 3e6 });
    expect(s.response_stats['2']!.empty_response.count).toBe(1);
  });

  it('marks each response on the request’s span, with the time to the first and the count', async () => {
    const { clock, instance, scheduler } = setup();
    const events: [string, number | undefined][] = [];
    const attributes: Record<string, unknown> = {};
    const span: TraceSpan = {
      recording: true,
      child: () => span,
      setAttributes: a => Object.assign(attributes, a),
      event: (name, at) => events.push([name, at]),
      link() {},
      fail() {},
      end() {},
      traceparent: () => undefined,
    };
    const run = track(scheduler.run(request(1, 1, { trace: span, respond: () => {} })));
    await settle();
    const call = instance.calls[0]!;
    clock.advance(4);
    call.send(echoOutputs(call.inputs));
    clock.advance(2);
    call.send(echoOutputs(call.inputs));
    call.finish();
    await settle();
    expect(run.done).toBe(true);
    expect(events.filter(([name]) => name === 'INFER_RESPONSE_COMPLETE')).toEqual([
      ['INFER_RESPONSE_COMPLETE', 4],
      ['INFER_RESPONSE_COMPLETE', 6],
    ]);
    expect(attributes).toMatchObject({
      'braid.first_response_us': 4000,
      'braid.response_count': 2,
    });
  });

  it('never joins requests into one execution, even with dynamic batching', async () => {
    const { instance, scheduler } = setup({
      dynamic_batching: { max_queue_delay_microseconds: 0 },
    });
    track(scheduler.run(request(1, 1, { respond: () => {} })));
    track(scheduler.run(request(1, 2, { respond: () => {} })));
    await settle();
    expect(instance.calls.length).toBe(1);
    instance.calls[0]!.finish();
    await settle();
    expect(instance.calls.map(c => rowTags(echoOutputs(c.inputs)))).toEqual([[1], [2]]);
  });

  it('fails the request with the model error after the responses already sent', async () => {
    const { instance, scheduler } = setup();
    const got: InferResponse[] = [];
    const run = track(scheduler.run(request(1, 3, { respond: r => got.push(r) })));
    await settle();
    const call = instance.calls[0]!;
    call.send(echoOutputs(call.inputs));
    call.fail(new EngineError('INTERNAL', 'model broke'));
    await settle();
    expect(got.length).toBe(1);
    expect((run.error as EngineError).message).toBe('model broke');
  });

  it('aborts the execution when its client cancels, drops later responses and rejects CANCELLED', async () => {
    const { instance, scheduler, stats } = setup();
    const cancel = new CancelSource();
    const got: InferResponse[] = [];
    const run = track(scheduler.run(request(1, 4, { signal: cancel, respond: r => got.push(r) })));
    await settle();
    const call = instance.calls[0]!;
    call.send(echoOutputs(call.inputs));
    cancel.abort(new EngineError('CANCELLED', 'gone'));
    expect(call.opts.signal.aborted).toBe(true);
    call.send(echoOutputs(call.inputs));
    call.finish();
    await settle();
    expect(got.length).toBe(1);
    expect((run.error as EngineError).code).toBe('CANCELLED');
    expect(stats.snapshot().response_stats['1']!.cancel.count).toBe(1);
  });

  it('refuses at load a decoupled config whose instances send one response per request', () => {
    const make = () =>
      createScheduler({
        modelName: 'm',
        version: '1',
        config: config({ model_transaction_policy: { decoupled: true } }),
        instances: [new FakeInstance()],
        clock: new SimulatedClock(),
        stats: new StatsRecorder('m', '1'),
      });
    expect(make).toThrow(
      /model_transaction_policy.decoupled is set, but its backend sends exactly one response per request/,
    );
  });
});
