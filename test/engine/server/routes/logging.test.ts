import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../../engine/core/clock.js';
import { EngineError } from '../../../../engine/core/errors.js';
import { InMemoryLogger } from '../../../../engine/core/logger.js';
import type { HttpRequestSample, InferenceMetrics } from '../../../../engine/core/telemetry.js';
import { noopMetrics } from '../../../../engine/core/telemetry.js';
import { createApp } from '../../../../engine/server/app.js';
import { LogControl } from '../../../../engine/telemetry/logger.js';
import { expectError, fakeEngine, post } from '../helpers.js';

function setup() {
  const engine = fakeEngine();
  const logging = new LogControl();
  const logger = new InMemoryLogger();
  const samples: HttpRequestSample[] = [];
  const metrics: InferenceMetrics = { ...noopMetrics, httpRequest: s => void samples.push(s) };
  const app = createApp(engine, { logging, logger, metrics, clock: new SimulatedClock() });
  return { app, engine, logging, logger, samples };
}

describe('logging routes', () => {
  it('GET answers every setting; POST applies the keys it names and answers every setting', async () => {
    const { app, logging } = setup();
    expect(await (await app.request('/v2/logging')).json()).toEqual({
      log_file: '',
      log_info: true,
      log_warning: true,
      log_error: true,
      log_verbose_level: 0,
      log_format: 'text',
    });
    const res = await post(app, '/v2/logging', { log_verbose_level: 1, log_info: false });
    expect(await res.json()).toMatchObject({
      log_verbose_level: 1,
      log_info: false,
      log_warning: true,
    });
    expect(logging.enabled('debug')).toBe(true);
    expect(logging.enabled('info')).toBe(false);
  });

  it('rejects what Triton rejects, and answers UNAVAILABLE without dynamic logging', async () => {
    const { app } = setup();
    await expectError(
      await post(app, '/v2/logging', { log_file: '/tmp/x.log' }),
      501,
      /log file location can not be updated/,
    );
    await expectError(
      await post(app, '/v2/logging', { log_verbose_level: 'high' }),
      400,
      /log_verbose_level/,
    );
    await expectError(
      await app.request('/v2/logging', { method: 'DELETE' }),
      405,
      'Method Not Allowed',
    );
    await expectError(
      await createApp(fakeEngine()).request('/v2/logging'),
      503,
      'the server does not support dynamic logging',
    );
  });
});

describe('request observation', () => {
  it('counts every answer by method, route pattern and status', async () => {
    const { app, samples } = setup();
    await app.request('/v2/models/simple/ready');
    await app.request('/v2/models/nope/ready');
    await app.request('/nowhere');
    await app.request('/v2/health/live', { method: 'POST' });
    expect(samples.map(s => [s.method, s.route, s.status])).toEqual([
      ['GET', '/v2/models/:model/ready', 200],
      ['GET', '/v2/models/:model/ready', 400],
      ['GET', 'unmatched', 404],
      ['POST', '/v2/health/live', 405],
    ]);
    expect(samples.every(s => s.seconds === 0)).toBe(true); // the simulated clock did not move
  });

  it('logs each request with its id when verbose, and an internal failure with the same id', async () => {
    const { app, engine, logging, logger } = setup();
    await app.request('/v2/health/ready');
    expect(logger.lines).toEqual([]);
    logging.update({ log_verbose_level: 1 });
    engine.script('simple', { error: new EngineError('INTERNAL', "model 'simple' crashed") });
    const body = {
      inputs: [
        {
          name: 'INPUT0',
          shape: [1, 16],
          datatype: 'INT32',
          data: Array.from({ length: 16 }, () => 0),
        },
        {
          name: 'INPUT1',
          shape: [1, 16],
          datatype: 'INT32',
          data: Array.from({ length: 16 }, () => 0),
        },
      ],
    };
    await post(app, '/v2/models/simple/infer', body, { 'X-Request-Id': 'abc-123' });
    const [failure, access] = logger.lines;
    expect(failure).toMatchObject({
      level: 'error',
      msg: "model 'simple' crashed",
      fields: { component: 'http', request_id: 'abc-123', method: 'POST' },
    });
    expect(access).toMatchObject({
      level: 'debug',
      msg: 'http request',
      fields: {
        request_id: 'abc-123',
        route: '/v2/models/:model/infer',
        status: 500,
        path: '/v2/models/simple/infer',
      },
    });
    await app.request('/v2/health/live');
    expect(logger.lines[2]!.fields.request_id).toMatch(/^[0-9a-f-]{36}$/);
  });
});
