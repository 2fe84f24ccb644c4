import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../../engine/core/errors.js';
import { NOOP_SPAN } from '../../../../engine/core/telemetry.js';
import type {
  RequestTracer,
  RootSpanOptions,
  SpanOptions,
  TraceAttributes,
  TraceSpan,
} from '../../../../engine/core/telemetry.js';
import type { InferRequest } from '../../../../engine/core/request.js';
import type { InferContext } from '../../../../engine/runtime/types.js';
import { createApp } from '../../../../engine/server/app.js';
import { TraceSettingsStore } from '../../../../engine/telemetry/tracing/trace-settings.js';
import { expectError, fakeEngine, post } from '../helpers.js';

/** A span that writes down what happens to it. */
class RecordingSpan implements TraceSpan {
  readonly recording = true;
  readonly attributes: Record<string, unknown> = {};
  readonly events: string[] = [];
  readonly children: RecordingSpan[] = [];
  failed: unknown;
  ended = 0;
  constructor(readonly name: string) {}
  child(name: string, opts: SpanOptions = {}): TraceSpan {
    const c = new RecordingSpan(name);
    Object.assign(c.attributes, opts.attributes);
    this.children.push(c);
    return c;
  }
  setAttributes(a: TraceAttributes): void {
    Object.assign(this.attributes, a);
  }
  event(name: string): void {
    this.events.push(name);
  }
  link(): void {}
  fail(e: unknown): void {
    this.failed = e;
  }
  end(): void {
    this.ended++;
  }
  traceparent(): string {
    return '00-00000000000000000000000000000001-0000000000000001-01';
  }
}

/** Samples every request for models in `sampled`, recording the options it was asked with. */
function tracer(
  sampled: string[],
): RequestTracer & { roots: RecordingSpan[]; asked: RootSpanOptions[] } {
  const roots: RecordingSpan[] = [];
  const asked: RootSpanOptions[] = [];
  return {
    roots,
    asked,
    startRequest(name, opts) {
      asked.push(opts);
      if (!sampled.includes(opts.model)) return NOOP_SPAN;
      const span = new RecordingSpan(name);
      roots.push(span);
      return span;
    },
  };
}

const INFER = {
  id: 'r-1',
  inputs: [
    {
      name: 'INPUT0',
      shape: [1, 16],
      datatype: 'INT32',
      data: Array.from({ length: 16 }, () => 1),
    },
    {
      name: 'INPUT1',
      shape: [1, 16],
      datatype: 'INT32',
      data: Array.from({ length: 16 }, () => 2),
    },
  ],
};

function setup(sampled: string[] = ['simple']) {
  const engine = fakeEngine();
  const contexts: (InferContext | undefined)[] = [];
  const infer = engine.infer.bind(engine);
  Object.assign(engine, {
    infer: (req: InferRequest, ctx?: InferContext) => (contexts.push(ctx), infer(req)),
  });
  const t = tracer(sampled);
  const traceSettings = new TraceSettingsStore(
    { level: 'TIMESTAMPS', rate: 1 },
    { url: 'http://c:4318/v1/traces' },
  );
  const app = createApp(engine, { tracer: t, traceSettings });
  return { app, engine, tracer: t, contexts, traceSettings };
}

describe('infer root span', () => {
  it('opens InferRequest for a sampled request and hands it to the engine', async () => {
    const { app, tracer: t, contexts } = setup();
    const res = await post(app, '/v2/models/simple/infer', INFER, {
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    expect(res.status).toBe(200);
    const [root] = t.roots;
    expect(root!.name).toBe('InferRequest');
    expect(t.asked[0]!.model).toBe('simple');
    expect(t.asked[0]!.header!('traceparent')).toBe(
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    );
    expect(root!.attributes).toEqual({
      'http.request.method': 'POST',
      'http.route': '/v2/models/:model/infer',
      'url.path': '/v2/models/simple/infer',
      'braid.request_id': 'r-1',
      'http.response.status_code': 200,
    });
    expect(root!.events).toEqual([
      'HTTP_RECV_START',
      'HTTP_RECV_END',
      'INFER_RESPONSE_COMPLETE',
      'HTTP_SEND_START',
    ]);
    expect(root!.ended).toBe(1);
    expect(contexts).toEqual([{ trace: root }]);
  });

  it('records the status and the error of a failed request, and traces nothing for an unsampled one', async () => {
    const { app, engine, tracer: t, contexts } = setup(['simple']);
    engine.script('simple', {
      error: new EngineError('UNAVAILABLE', "model 'simple' is unloading"),
    });
    await expectError(await post(app, '/v2/models/simple/infer', INFER), 503);
    expect(t.roots[0]!.attributes['http.response.status_code']).toBe(503);
    expect((t.roots[0]!.failed as EngineError).code).toBe('UNAVAILABLE');
    expect(t.roots[0]!.ended).toBe(1);
    expect(
      (
        await post(app, '/v2/models/echo/infer', {
          inputs: [{ name: 'INPUT0', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }],
        })
      ).status,
    ).toBe(200);
    expect(t.roots).toHaveLength(1);
    expect(contexts.at(-1)).toBeUndefined();
  });
});

describe('trace settings routes', () => {
  it('GET answers the global and per-model settings; POST changes them at run time', async () => {
    const { app } = setup();
    const global = await (await app.request('/v2/trace/setting')).json();
    expect(global).toEqual({
      trace_level: ['TIMESTAMPS'],
      trace_rate: '1',
      trace_count: '-1',
      trace_mode: 'opentelemetry',
      url: 'http://c:4318/v1/traces',
    });
    const changed = await post(app, '/v2/models/simple/trace/setting', {
      trace_rate: '10',
      trace_count: '5',
    });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toMatchObject({
      trace_rate: '10',
      trace_count: '5',
      trace_level: ['TIMESTAMPS'],
    });
    expect(await (await app.request('/v2/models/simple/trace/setting')).json()).toMatchObject({
      trace_rate: '10',
    });
    expect(await (await app.request('/v2/trace/setting')).json()).toMatchObject({
      trace_rate: '1',
    });
    const cleared = await post(app, '/v2/models/simple/trace/setting', {
      trace_rate: null,
      trace_count: null,
    });
    expect(await cleared.json()).toEqual(global);
    expect(await (await post(app, '/v2/trace/setting')).json()).toEqual(global); // empty body: nothing changes
  });

  it('refuses unknown models, versioned paths, bad values and other methods as Triton does', async () => {
    const { app } = setup();
    await expectError(
      await app.request('/v2/models/nope/trace/setting'),
      400,
      'Request for unknown model : nope',
    );
    await expectError(
      await post(app, '/v2/models/nope/trace/setting', { trace_rate: '1' }),
      400,
      'Request for unknown model : nope',
    );
    await expectError(
      await app.request('/v2/models/simple/versions/1/trace/setting'),
      400,
      /belong to model 'simple', not to one version/,
    );
    await expectError(
      await post(app, '/v2/trace/setting', { trace_file: 'x' }),
      501,
      /trace file location can not be updated/,
    );
    await expectError(
      await post(app, '/v2/trace/setting', { trace_level: ['OFF', 'TIMESTAMPS'] }),
      400,
      /only one trace level 'OFF'/,
    );
    await expectError(await post(app, '/v2/trace/setting', '[1]'), 400, /must be a JSON object/);
    await expectError(
      await app.request('/v2/trace/setting', { method: 'PUT' }),
      405,
      'Method Not Allowed',
    );
  });

  it('answers UNAVAILABLE when the server has no tracing', async () => {
    const app = createApp(fakeEngine());
    await expectError(
      await app.request('/v2/trace/setting'),
      503,
      'the server does not support tracing',
    );
  });
});
