import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createJsBackend } from '../../../backends/js/index.js';
import type { InstanceOptions, ModelFiles, ModelInstance } from '../../../engine/core/backend.js';
import { isEngineError } from '../../../engine/core/errors.js';
import { ModelConfigSchema } from '../../../engine/core/model-config.js';
import type { Tensor, TensorMap } from '../../../engine/core/tensor.js';
import { WaitingLogger } from '../worker-host/host-harness.js';

const REPO = fileURLToPath(new URL('../../fixtures/js-models/', import.meta.url));
const logger = new WaitingLogger();
const backend = createJsBackend({ logger });
const signal = new AbortController().signal;
const opened: ModelInstance[] = [];

function files(name: string, file = 'model.js'): ModelFiles {
  const modelDir = path.join(REPO, name);
  const versionDir = path.join(modelDir, '1');
  return {
    modelName: name,
    version: 1,
    modelDir,
    versionDir,
    modelPath: path.join(versionDir, file),
  };
}

function instOpts(index = 0, instanceCount = 1): InstanceOptions {
  return { signal, index, instanceCount, device: { kind: 'CPU' } };
}

async function open(
  name: string,
  config: Record<string, unknown> = {},
  index = 0,
  count = 1,
): Promise<ModelInstance> {
  const inst = await backend.createInstance(
    ModelConfigSchema.parse({ name, backend: 'js', ...config }),
    files(name),
    instOpts(index, count),
  );
  opened.push(inst);
  return inst;
}

const int32 = (v: number): TensorMap =>
  new Map([['MODE', { datatype: 'INT32', shape: [1], data: Int32Array.of(v) } satisfies Tensor]]);

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (isEngineError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a failure');
}

afterAll(async () => {
  await Promise.all(opened.map(i => i.dispose()));
});

describe('describe', () => {
  it('reads the declared inputs and outputs of a TypeScript module (found as model.ts)', async () => {
    const sig = await backend.describe(files('scale'));
    expect(sig.inputs).toEqual([{ name: 'x', datatype: 'FP32', shape: [-1, -1] }]);
    expect(sig.outputs.map(o => o.name)).toEqual(['y', 'instance']);
  });

  it('accepts a default-exported module object', async () => {
    expect((await backend.describe(files('plain'))).outputs).toEqual([
      { name: 'b', datatype: 'INT32', shape: [-1] },
    ]);
  });

  it('refuses a module whose declarations are malformed, naming the export and entry', async () => {
    const f = await failure(backend.describe(files('broken')));
    expect(f.code).toBe('INVALID_ARG');
    expect(f.message).toMatch(/model 'broken'.*export 'inputs'\[0\].*"FLOAT"/);
  });

  it('loads a TypeScript module that lives outside any "type": "module" package', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'braid-js-'));
    try {
      await mkdir(path.join(root, 'ts', '1'), { recursive: true });
      const src =
        "export const inputs = [{ name: 'a', datatype: 'INT32', shape: [1] }];\nexport const outputs: { name: string; datatype: string; shape: number[] }[] = [{ name: 'b', datatype: 'INT32', shape: [1] }];\nexport function execute(i: Record<string, { data: Int32Array }>) { return { b: { datatype: 'INT32', shape: [1], data: [i['a']!.data[0]! * 10] } }; }\n";
      await writeFile(path.join(root, 'ts', '1', 'model.ts'), src);
      const f: ModelFiles = {
        modelName: 'ts',
        version: 1,
        modelDir: path.join(root, 'ts'),
        versionDir: path.join(root, 'ts', '1'),
        modelPath: path.join(root, 'ts', '1', 'model.js'),
      };
      expect((await backend.describe(f)).outputs).toEqual([
        { name: 'b', datatype: 'INT32', shape: [1] },
      ]);
      const inst = await backend.createInstance(
        ModelConfigSchema.parse({ name: 'ts', backend: 'js' }),
        f,
        instOpts(),
      );
      opened.push(inst);
      const out = await inst.execute(
        new Map([['a', { datatype: 'INT32', shape: [1], data: Int32Array.of(4) }]]),
        { signal },
      );
      expect(Array.from(out.get('b')!.data as Int32Array)).toEqual([40]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('says which files it looked for when there is no module', async () => {
    const f = await failure(backend.describe(files('missing')));
    expect(f.message).toMatch(
      /no module found: looked for model\.js, model\.js, model\.ts, model\.mjs, model\.mts/,
    );
  });
});

describe('execute', () => {
  it('runs TypeScript user code in a worker with config parameters and the instance index', async () => {
    const a = await open('scale', { parameters: { factor: { string_value: '3' } } }, 0, 2);
    const b = await open('scale', { parameters: { factor: { string_value: '3' } } }, 1, 2);
    const x: TensorMap = new Map([
      ['x', { datatype: 'FP32', shape: [2, 2], data: Float32Array.of(1, 2, 3, 4) }],
    ]);
    const [ra, rb] = await Promise.all([a.execute(x, { signal }), b.execute(x, { signal })]);
    expect(Array.from(ra.get('y')!.data as Float32Array)).toEqual([3, 6, 9, 12]);
    expect(Array.from(ra.get('instance')!.data as Int32Array)).toEqual([0, 0]);
    expect(Array.from(rb.get('instance')!.data as Int32Array)).toEqual([1, 1]);
  });

  it('computes only the outputs asked for and leaves the caller’s buffers usable', async () => {
    const inst = await open('scale');
    const body = new Float32Array([9, 1, 2, 3, 4, 9]);
    const view = body.subarray(1, 5); // inputs are often views into one request body
    const out = await inst.execute(
      new Map([['x', { datatype: 'FP32', shape: [1, 4], data: view }]]),
      { signal, outputs: ['y'] },
    );
    expect([...out.keys()]).toEqual(['y']);
    expect(Array.from(out.get('y')!.data as Float32Array)).toEqual([2, 4, 6, 8]);
    expect(Array.from(body)).toEqual([9, 1, 2, 3, 4, 9]);
  });

  it('carries BYTES and INT64 both ways and accepts a Map as the result', async () => {
    const inst = await open('upper');
    const enc = new TextEncoder();
    const text: Tensor = {
      datatype: 'BYTES',
      shape: [2],
      data: [enc.encode('braid'), enc.encode('ok')],
    };
    const out = await inst.execute(new Map([['TEXT', text]]), { signal });
    expect((out.get('UPPER')!.data as Uint8Array[]).map(b => new TextDecoder().decode(b))).toEqual([
      'BRAID',
      'OK',
    ]);
    expect(out.get('LENGTH')!.data).toEqual(BigInt64Array.of(5n, 2n));
  });
});

describe('failures in user code', () => {
  it('fails the request when execute throws, naming the model and the error, and keeps serving', async () => {
    const inst = await open('faulty');
    const f = await failure(inst.execute(int32(1), { signal }));
    expect(f).toMatchObject({ code: 'INTERNAL' });
    expect(f.message).toMatch(
      /model 'faulty': execute\(\) threw RangeError: mode 1 is not allowed \(at .*model\.js/,
    );
    expect(
      Array.from((await inst.execute(int32(0), { signal })).get('OUT')!.data as Int32Array),
    ).toEqual([2]);
  });

  it("passes a model error code on: the request fails as the client's fault, not the model's", async () => {
    const inst = await open('faulty');
    expect(await failure(inst.execute(int32(6), { signal }))).toEqual({
      code: 'INVALID_ARG',
      message: "model 'faulty': MODE 6 asks for something impossible",
    });
    // A code outside the model error codes (a Node errno here) stays the model's failure.
    const other = await failure(inst.execute(int32(7), { signal }));
    expect(other.code).toBe('INTERNAL');
    expect(other.message).toMatch(/execute\(\) threw Error: disk on fire/);
  });

  it('refuses a malformed output with the element count it expected', async () => {
    const inst = await open('faulty');
    const f = await failure(inst.execute(int32(5), { signal }));
    expect(f.message).toMatch(/output 'OUT': shape \[2\] holds 2 element\(s\) but data has 1/);
  });

  it('replaces a worker that exits during a request; the next request runs on a fresh one', async () => {
    const inst = await open('faulty');
    await inst.execute(int32(0), { signal });
    const f = await failure(inst.execute(int32(2), { signal }));
    expect(f.message).toMatch(
      /model 'faulty': its worker thread crashed \(the thread exited with code 7\) while executing this request; a new worker is being started/,
    );
    const next = await inst.execute(int32(0), { signal });
    expect(Array.from(next.get('OUT')!.data as Int32Array)).toEqual([1]); // initialize ran again
    expect((inst as unknown as { restarts: number }).restarts).toBe(1);
    expect(
      logger.lines.some(l => l.msg.includes('worker died') && l.fields['model'] === 'faulty'),
    ).toBe(true);
  });

  it('replaces a worker that dies between requests from an uncaught error', async () => {
    const inst = await open('faulty');
    const died = logger.next('worker died');
    await inst.execute(int32(4), { signal }); // answers, then throws from a timer
    await died;
    expect((inst as unknown as { restarts: number }).restarts).toBe(1);
    expect(
      Array.from((await inst.execute(int32(0), { signal })).get('OUT')!.data as Int32Array),
    ).toEqual([1]);
  });

  // The timeout's edges are tested on a simulated clock (worker-limits.test.ts); this one runs on
  // the system clock the server uses.
  it('stops a hung worker after execute_timeout_ms on the system clock', async () => {
    const inst = await open('faulty', {
      parameters: { execute_timeout_ms: { string_value: '300' } },
    });
    const f = await failure(inst.execute(int32(3), { signal }));
    expect(f.message).toMatch(
      /execute\(\) did not finish within 300 ms \(parameter execute_timeout_ms\); its worker was stopped and is being replaced/,
    );
    expect(
      Array.from((await inst.execute(int32(0), { signal })).get('OUT')!.data as Int32Array),
    ).toEqual([1]);
  });

  it('is unavailable once disposed, and dispose is idempotent', async () => {
    const inst = await open('plain');
    await Promise.all([inst.dispose(), inst.dispose()]);
    const f = await failure(
      inst.execute(new Map([['a', { datatype: 'INT32', shape: [1], data: Int32Array.of(1) }]]), {
        signal,
      }),
    );
    expect(f.code).toBe('UNAVAILABLE');
  });
});
