// issue #10 item 7: what a client sends must never overflow the stack while an error message is
// made (a 500), and an error message shows only a bounded part of it.
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/core/errors.js';
import { createApp } from '../../../engine/server/app.js';
import { errorResponse } from '../../../engine/server/errors.js';
import { LogControl } from '../../../engine/telemetry/logger.js';
import { TraceSettingsStore } from '../../../engine/telemetry/tracing/trace-settings.js';
import { expectError, fakeEngine, post } from './helpers.js';

const DEPTH = 5_000;
const deep = '['.repeat(DEPTH) + ']'.repeat(DEPTH);
const deepObject = '{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH);
const bytes = (text: string) => new TextEncoder().encode(text);

function setup() {
  const engine = fakeEngine();
  const app = createApp(engine, {
    logging: new LogControl(),
    traceSettings: new TraceSettingsStore(),
  });
  return { app, engine };
}

const input = (fields: string) => `{"inputs":[{${fields}}]}`;

describe('deeply nested JSON is a 400 naming the field', () => {
  const infer: Array<[field: string, body: string, message: RegExp]> = [
    [
      'id',
      `{"id":${deep},"inputs":[]}`,
      /^Unable to parse 'id': expected a string, got \[\[\[\[\.\.\.\]\]\]\]$/,
    ],
    [
      'parameters',
      `{"parameters":${deep},"inputs":[]}`,
      /^Unable to parse 'parameters' of the request/,
    ],
    [
      'a parameter',
      `{"parameters":{"p":${deepObject}},"inputs":[]}`,
      /^parameter 'p' of the request has invalid type.*got \{"a":\{"a":\{"a":\{\.\.\.\}\}\}\}$/,
    ],
    [
      'priority',
      `{"parameters":{"priority":${deep}},"inputs":[]}`,
      /parameter 'priority' of the request has invalid type/,
    ],
    ['name', input(`"name":${deep}`), /^Unable to parse 'name' of input 0/],
    ['datatype', input(`"name":"A","datatype":${deep}`), /^invalid datatype for input 'A'/],
    [
      'shape',
      input(`"name":"A","datatype":"INT32","shape":${deep}`),
      /^Unable to parse 'shape' of input 'A'/,
    ],
    [
      'input parameters',
      input(`"name":"A","datatype":"INT32","shape":[1],"parameters":{"x":${deep}}`),
      /^parameter 'x' of input 'A'/,
    ],
    [
      'data',
      input(`"name":"A","datatype":"INT32","shape":[1],"data":${deep}`),
      /^Unable to parse 'data' of input 'A': nesting deeper/,
    ],
    [
      'output name',
      `{"inputs":[],"outputs":[{"name":${deep}}]}`,
      /^Unable to parse 'name' of output 0/,
    ],
    [
      'outputs',
      `{"inputs":[],"outputs":${deepObject}}`,
      /^Unable to parse 'outputs': expected an array/,
    ],
  ];
  for (const [field, body, message] of infer) {
    it(`infer: ${field}`, async () => {
      const { app } = setup();
      await expectError(await post(app, '/v2/models/simple/infer', bytes(body)), 400, message);
    });
  }

  const settings: Array<[path: string, body: string, message: RegExp]> = [
    [
      '/v2/trace/setting',
      `{"trace_level":${deep}}`,
      /^'trace_level' in the global trace settings must be an array of strings/,
    ],
    ['/v2/trace/setting', `{"trace_rate":${deep}}`, /^Unable to parse 'trace_rate'/],
    ['/v2/trace/setting', `{"trace_count":${deepObject}}`, /^Unable to parse 'trace_count'/],
    ['/v2/logging', `{"log_info":${deep}}`, /^logging setting 'log_info' must be a boolean/],
    ['/v2/logging', `{"log_verbose_level":${deep}}`, /^logging setting 'log_verbose_level'/],
    ['/v2/logging', `{"log_format":${deepObject}}`, /^logging setting 'log_format'/],
    [
      '/v2/repository/models/simple/load',
      `{"parameters":{"config":${deep}}}`,
      /^load parameter 'config'/,
    ],
    [
      '/v2/repository/models/simple/unload',
      `{"parameters":{"unload_dependents":${deep}}}`,
      /^unload parameter 'unload_dependents'/,
    ],
  ];
  for (const [path, body, message] of settings) {
    it(`${path} ${body.slice(0, 20)}`, async () => {
      const { app } = setup();
      await expectError(await post(app, path, bytes(body)), 400, message);
    });
  }

  it('parses a body with bare NaN tokens however deep it nests', async () => {
    const { app } = setup();
    const body = `{"ignored":${deep},"inputs":[{"name":"INPUT0","datatype":"FP32","shape":[1,4],"data":[NaN,1,2,3]}]}`;
    const res = await post(app, '/v2/models/echo/infer', bytes(body));
    expect(res.status).toBe(200);
  });
});

describe('error messages show a bounded part of what the client sent', () => {
  const huge = 'n'.repeat(1_000_000);

  it('cuts a huge input name and says how long it was', async () => {
    const { app } = setup();
    const body = { inputs: [{ name: huge, datatype: 'NOPE', shape: [1], data: [1] }] };
    const error = await expectError(await post(app, '/v2/models/simple/infer', body), 400);
    expect(error).toMatch(
      /^invalid datatype for input 'n+\.\.\.' \(1000000 characters\): expected one of/,
    );
    expect(error.length).toBeLessThan(400);
  });

  it('cuts huge names in the messages of duplicate inputs, outputs and parameters', async () => {
    const { app } = setup();
    const tensor = { name: huge, datatype: 'INT32', shape: [1], data: [1] };
    const cases: Array<[unknown, RegExp]> = [
      [{ inputs: [tensor, tensor] }, /^input 'n+\.\.\.' \(1000000 characters\) already exists/],
      [
        { inputs: [], outputs: [{ name: huge }, { name: huge }] },
        /^output 'n+\.\.\.' \(1000000 characters\) is requested more than once/,
      ],
      [
        { inputs: [], parameters: { [huge]: [] } },
        /^parameter 'n+\.\.\.' \(1000000 characters\) of the request has invalid type/,
      ],
      [
        { inputs: [], parameters: { priority: huge } },
        /^Unable to parse 'priority': got "n+\.\.\.$/,
      ],
    ];
    for (const [body, message] of cases) {
      const error = await expectError(
        await post(app, '/v2/models/simple/infer', body),
        400,
        message,
      );
      expect(error.length).toBeLessThan(400);
    }
  });

  it('cuts huge keys and values in the settings and repository messages', async () => {
    const { app } = setup();
    const cut = "'n+\\.\\.\\.' \\(1000000 characters\\)";
    const cases: Array<[string, unknown, RegExp]> = [
      [
        '/v2/trace/setting',
        { [huge]: 1 },
        new RegExp(`^unknown key ${cut} in the global trace settings`),
      ],
      ['/v2/trace/setting', { trace_level: [huge] }, new RegExp(`^unknown trace level ${cut}`)],
      ['/v2/trace/setting', { trace_rate: huge }, /^Unable to parse 'trace_rate'.*got "n+\.\.\.$/],
      ['/v2/logging', { [huge]: 1 }, new RegExp(`^unknown logging setting ${cut}`)],
      ['/v2/logging', { log_format: huge }, /^logging setting 'log_format'.*got "n+\.\.\.$/],
      [
        '/v2/repository/models/simple/load',
        { parameters: { [huge]: 1 } },
        new RegExp(`^unrecognized load parameter ${cut}`),
      ],
      [
        '/v2/repository/models/simple/unload',
        { parameters: { [huge]: 1 } },
        new RegExp(`^unrecognized unload parameter ${cut}`),
      ],
    ];
    for (const [path, body, message] of cases) {
      const error = await expectError(await post(app, path, body), 400, message);
      expect(error.length, path).toBeLessThan(400);
    }
  });

  it('bounds any error message as a last resort', async () => {
    const res = errorResponse(new EngineError('NOT_FOUND', `model '${huge}' is not found`));
    const error = await expectError(res, 404);
    expect(error.length).toBeLessThan(5_000);
    expect(error).toMatch(/ \(\d+ more characters\)$/);
  });
});
