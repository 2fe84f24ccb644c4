import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createJsBackend } from '../../../../backends/js/index.js';
import { SimulatedClock } from '../../../../engine/core/clock.js';
import { CancelSource } from '../../../../engine/core/cancel.js';
import { EngineError } from '../../../../engine/core/errors.js';
import type { TensorMap } from '../../../../engine/core/tensor.js';
import { StubRuntime } from '../../../../engine/cli/testing/stub-runtime.js';
import {
  activeStubs,
  compileStubs,
  isModuleKey,
  replacesEntirely,
} from '../../../../engine/cli/testing/stubs.js';
import { elements, toTensor } from '../../../../engine/cli/testing/values.js';
import { WarpClock } from '../../../../engine/cli/testing/warp-clock.js';
import { ROOT } from '../../../support/repo.js';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'testing-repo', 'branchy', 'tests');
const input: TensorMap = new Map([['x', toTensor('FP32', [1], [1], 'x')]]);
const real = () => Promise.resolve<TensorMap>(new Map([['y', toTensor('FP32', [1], [42], 'y')]]));

function runtime(clock = new WarpClock(new SimulatedClock())) {
  return new StubRuntime({ clock, js: createJsBackend() });
}

describe('stub loading', () => {
  it('reads outputs from files and resolves modules against the test file', async () => {
    const stubs = await compileStubs(
      {
        det: { outputs: { y: { file: 'fixtures/x.npy' } } },
        './label.ts': { module: 'fixtures/fixed-label.ts' },
      },
      FIXTURES,
    );
    expect(elements(stubs.get('det')!.outputs!.get('y')!)).toEqual([0.25, -4]);
    expect(stubs.get('./label.ts')!.module).toBe(path.join(FIXTURES, 'fixtures', 'fixed-label.ts'));
  });

  it('refuses stubs that say nothing, or too much', async () => {
    await expect(compileStubs({ det: {} }, FIXTURES)).rejects.toThrow(
      "stub 'det': give outputs, module, error or delay_ms",
    );
    await expect(compileStubs({ det: { outputs: {}, module: 'a.ts' } }, FIXTURES)).rejects.toThrow(
      "stub 'det': give one of outputs, module or execute, found outputs and module",
    );
    await expect(compileStubs({ det: { times: 2, delay_ms: 1 } }, FIXTURES)).rejects.toThrow(
      "stub 'det': times and message go with error",
    );
    await expect(
      compileStubs({ det: { error: 'BROKEN' as 'INTERNAL' } }, FIXTURES),
    ).rejects.toThrow("stub 'det': error must be an error code");
    await expect(
      compileStubs({ det: { outputs: { y: { datatype: 'FP32', file: 'nope.npy' } } } }, FIXTURES),
    ).rejects.toThrow("stub 'det' output 'y': cannot read");
  });

  it('tell model keys from module keys, and replacements from faults in front of the model', () => {
    expect([
      isModuleKey('ocr_det'),
      isModuleKey('./label.ts'),
      isModuleKey('post.js'),
      isModuleKey('../shared/a'),
    ]).toEqual([false, true, true, true]);
    expect([
      replacesEntirely({ outputs: {} }),
      replacesEntirely({ error: 'INTERNAL' }),
      replacesEntirely({ error: 'INTERNAL', times: 1 }),
      replacesEntirely({ delay_ms: 5 }),
    ]).toEqual([true, true, false, false]);
  });

  it('resolve module keys against the tested pipeline, later layers winning', async () => {
    const file = await compileStubs(
      { det: { error: 'INTERNAL' }, './label.ts': { error: 'INTERNAL' } },
      FIXTURES,
    );
    const kase = await compileStubs({ det: { delay_ms: 1 } }, FIXTURES);
    const active = activeStubs([file, kase], '/repo/branchy/1');
    expect(active.models.get('det')!.delayMs).toBe(1);
    expect([...active.modules.keys()]).toEqual([path.resolve('/repo/branchy/1/label.ts')]);
  });
});

describe('stubs answering', () => {
  it('fail `times` calls per activation, then let the real model answer', async () => {
    const rt = runtime();
    const stub = (await compileStubs({ m: { error: 'UNAVAILABLE', times: 2 } }, '.')).get('m')!;
    const call = { replaces: "model 'm'", inputs: input, maxBatchSize: 0 };
    for (let round = 0; round < 2; round++) {
      const release = rt.activate({ models: new Map([['m', stub]]), modules: new Map() });
      await expect(rt.answer(stub, call, real)).rejects.toThrow(
        "stub 'm' failed the call to model 'm' with UNAVAILABLE (1 of 2)",
      );
      await expect(rt.answer(stub, call, real)).rejects.toMatchObject({
        code: 'UNAVAILABLE',
        message: expect.stringContaining('(2 of 2)'),
      });
      expect(elements((await rt.answer(stub, call, real)).get('y')!)).toEqual([42]);
      release();
    }
    await rt.dispose();
  });

  it('hold one set of stubs at a time', () => {
    const rt = runtime();
    rt.activate({ models: new Map(), modules: new Map() });
    expect(() => rt.activate({ models: new Map(), modules: new Map() })).toThrow(
      'a test request with stubs is already running',
    );
  });

  it('delay on the warp clock, so a deadline armed before fires during the delay', async () => {
    const clock = new WarpClock(new SimulatedClock());
    const rt = runtime(clock);
    const stub = (await compileStubs({ m: { delay_ms: 61_000 } }, '.')).get('m')!;
    const cancel = new CancelSource();
    clock.setTimeout(
      () => cancel.abort(new EngineError('UNAVAILABLE', 'deadline of 60000 ms')),
      60_000,
    );
    await expect(
      rt.answer(
        stub,
        { replaces: "model 'm'", inputs: input, maxBatchSize: 0, signal: cancel.signal },
        real,
      ),
    ).rejects.toThrow('deadline of 60000 ms');
    expect(clock.now()).toBe(61_000);
  });

  it('answer with fixed outputs (only those asked for), a function, or a module in a worker', async () => {
    const rt = runtime();
    const stubs = await compileStubs(
      {
        fixed: {
          outputs: { a: { datatype: 'INT32', data: [1] }, b: { datatype: 'INT32', data: [2] } },
        },
        fn: {
          execute: ins => ({
            y: { datatype: 'FP32', data: [(elements(ins.get('x')!)[0] as number) * 10] },
          }),
        },
        mod: { module: 'fixtures/fixed-label.ts' },
      },
      FIXTURES,
    );
    const call = { replaces: "model 'm'", inputs: input, maxBatchSize: 0 };
    expect([
      ...(await rt.answer(stubs.get('fixed')!, { ...call, outputs: ['b'] }, real)).keys(),
    ]).toEqual(['b']);
    await expect(rt.answer(stubs.get('fixed')!, { ...call, outputs: ['c'] }, real)).rejects.toThrow(
      "stub 'fixed' has no output 'c'; it has: a, b",
    );
    expect(elements((await rt.answer(stubs.get('fn')!, call, real)).get('y')!)).toEqual([10]);
    expect(
      elements(
        (await rt.answer(stubs.get('mod')!, { ...call, outputs: ['label'] }, real)).get('label')!,
      ),
    ).toEqual(['fixed']);
    await rt.dispose();
  });
});
