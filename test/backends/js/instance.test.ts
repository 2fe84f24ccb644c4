/*
 * JsModelInstance and its worker entry (worker-main.ts) on their own, without the backend:
 * what initialize, execute and finalize receive, and how errors in user code read.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsModelInstance, jsFailure } from '../../../backends/js/instance.js';
import type { JsInstanceOptions } from '../../../backends/js/instance.js';
import { workerEntry } from '../../../backends/worker-host/bootstrap.js';
import { SimulatedClock } from '../../../engine/core/clock.js';
import { EngineError, isEngineError } from '../../../engine/core/errors.js';
import { InMemoryLogger } from '../../../engine/core/logger.js';
import type { TensorMap } from '../../../engine/core/tensor.js';

const script = workerEntry(
  new URL('../../../backends/js/instance.ts', import.meta.url).href,
  'worker-main',
);
const signal = new AbortController().signal;
const started: JsModelInstance[] = [];
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'braid-js-instance-'));
});
afterAll(async () => {
  await Promise.all(started.map(i => i.dispose()));
  await rm(dir, { recursive: true, force: true });
});

/** Writes `source` as a module and starts an instance of it. */
async function start(
  file: string,
  source: string,
  parameters: Record<string, string> = {},
): Promise<JsModelInstance> {
  const modulePath = path.join(dir, file);
  await writeFile(modulePath, source);
  const opts: JsInstanceOptions = {
    path: modulePath,
    script,
    clock: new SimulatedClock(),
    logger: new InMemoryLogger(),
    executeTimeoutMs: 0,
    cancelGraceMs: 1000,
    maxHeapMb: 256,
    context: {
      name: 'm',
      version: 3,
      modelDir: dir,
      versionDir: dir,
      parameters,
      maxBatchSize: 8,
      instance: { index: 1, count: 2 },
    },
  };
  const inst = await JsModelInstance.start(opts);
  started.push(inst);
  return inst;
}

async function failure(p: Promise<unknown>): Promise<EngineError> {
  try {
    await p;
  } catch (e) {
    if (isEngineError(e)) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

const x = (...v: number[]): TensorMap =>
  new Map([['x', { datatype: 'INT32', shape: [v.length], data: Int32Array.from(v) }]]);

const ECHO_CONTEXT = `
let seen;
export const inputs = [{ name: 'x', datatype: 'INT32', shape: [-1] }];
export const outputs = [{ name: 'context', datatype: 'BYTES', shape: [1] }, { name: 'asked', datatype: 'BYTES', shape: [1] }];
export function initialize(ctx) {
  const { resolveFile, ...data } = ctx;
  seen = JSON.stringify({ ...data, resolved: resolveFile('a.txt'), x: undefined });
}
export function execute({ x }, ctx) {
  return {
    context: { datatype: 'BYTES', shape: [1], data: [seen] },
    asked: { datatype: 'BYTES', shape: [1], data: [ctx.outputs.join(',') + ':' + Array.from(x.data).join(',')] },
  };
}
`;

const text = (out: TensorMap, name: string) =>
  new TextDecoder().decode((out.get(name)!.data as Uint8Array[])[0]);

describe('JsModelInstance', () => {
  it('gives initialize the context the server sent, with resolveFile inside the model directory', async () => {
    const inst = await start('context.mjs', ECHO_CONTEXT, { factor: '3' });
    const out = await inst.execute(x(1), { signal });
    expect(JSON.parse(text(out, 'context'))).toEqual({
      name: 'm',
      version: 3,
      modelDir: dir,
      versionDir: dir,
      parameters: { factor: '3' },
      maxBatchSize: 8,
      instance: { index: 1, count: 2 },
      resolved: path.join(dir, 'a.txt'),
    });
  });

  it('tells execute the outputs asked for, or all declared outputs when none are', async () => {
    const inst = await start('asked.mjs', ECHO_CONTEXT);
    const some = await inst.execute(x(4, 5), { signal, outputs: ['asked'] });
    expect([...some.keys()]).toEqual(['asked']);
    expect(text(some, 'asked')).toBe('asked:4,5');
    const all = await inst.execute(x(6), { signal });
    expect(text(all, 'asked')).toBe('context,asked:6');
  });

  it('runs finalize on dispose, once', async () => {
    const marker = path.join(dir, 'finalized.txt');
    const source = `
import { appendFileSync } from 'node:fs';
export const inputs = [];
export const outputs = [];
export function execute() { return {}; }
export function finalize() { appendFileSync(${JSON.stringify(marker)}, 'x'); }
`;
    const inst = await start('final.mjs', source);
    expect(existsSync(marker)).toBe(false);
    await inst.dispose();
    await inst.dispose();
    expect(await readFile(marker, 'utf8')).toBe('x');
  });

  it('refuses a module without an execute function, naming the file', async () => {
    const e = await failure(
      start('none.mjs', 'export const inputs = []; export const outputs = [];'),
    );
    expect(e.code).toBe('INVALID_ARG');
    expect(e.message).toBe(
      `model 'm': ${path.join(dir, 'none.mjs')} must export a function execute(inputs), found undefined`,
    );
  });

  it('fails the start with what initialize threw and the line of user code that threw it', async () => {
    const source = `export const inputs = [];\nexport const outputs = [];\nexport function execute() {}\nexport function initialize() {\n  throw new RangeError('no weights');\n}\n`;
    const e = await failure(start('init-throws.mjs', source));
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toMatch(
      /^model 'm': initialize\(\) threw RangeError: no weights \(at .*init-throws\.mjs:5:\d+\)+$/,
    );
  });

  it('fails a request with what execute threw, even a value that is not an Error, and keeps serving', async () => {
    const source = `export const inputs = [];\nexport const outputs = [{ name: 'y', datatype: 'INT32', shape: [1] }];\nexport function execute({ x }) {\n  if (x.data[0] === 0) throw 'zero';\n  return { y: { datatype: 'INT32', shape: [1], data: [x.data[0] * 2] } };\n}\n`;
    const inst = await start('throws.mjs', source);
    const e = await failure(inst.execute(x(0), { signal }));
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toBe("model 'm': execute() threw Error: zero");
    expect((await inst.execute(x(21), { signal })).get('y')!.data).toEqual(Int32Array.of(42));
    expect(inst.restarts).toBe(0);
  });
});

describe('jsFailure', () => {
  it('keeps the code a worker sent, and takes INTERNAL without one', () => {
    expect(jsFailure({ code: 'INVALID_ARG', message: 'bad x' })).toMatchObject({
      code: 'INVALID_ARG',
      message: 'bad x',
    });
    expect(jsFailure({ message: 'boom' })).toMatchObject({ code: 'INTERNAL', message: 'boom' });
    expect(jsFailure({ message: 'boom' })).toBeInstanceOf(EngineError);
  });
});
