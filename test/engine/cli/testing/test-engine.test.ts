/*
 * The test engine over test/fixtures/testing-repo: a pipeline `branchy` (early return behind a
 * guard, a retried model step, a map, a module step with on_error: default) over JS models.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestEngine,
  expectOutputs,
  expectSteps,
  TestExpectationError,
} from '../../../../engine/cli/testing/index.js';
import type { TestEngine } from '../../../../engine/cli/testing/index.js';
import { elements } from '../../../../engine/cli/testing/values.js';
import { ROOT } from '../../../support/repo.js';

const REPO = path.join(ROOT, 'test', 'fixtures', 'testing-repo');
const X = (...data: number[]) => ({ X: { datatype: 'FP32' as const, shape: [data.length], data } });

describe('a test engine', () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await createTestEngine({
      repository: REPO,
      models: ['branchy'],
      stubs: {
        double: {
          execute: ins => ({
            y: {
              datatype: 'FP32',
              shape: ins.get('x')!.shape,
              data: elements(ins.get('x')!).map(v => Number(v) * 10),
            },
          }),
        },
      },
    });
  });
  afterAll(() => t.close());

  it('loads the tested pipeline and what it calls, except models its stubs replace', () => {
    expect([t.isReady('branchy'), t.isReady('inc'), t.isReady('double')]).toEqual([
      true,
      true,
      false,
    ]);
  });

  it('answers with the stubs in place and records how each step ended', async () => {
    const res = await t.infer('branchy', X(1, 2));
    await expectOutputs(res, { Y: { data: [11, 21] }, LABEL: { data: ['sum=32'] } });
    expectSteps(res, {
      skip: 'skipped',
      double: 'ran',
      each: { status: 'ran', items: 2 },
      label: 'ran',
    });
    expect(res.steps.find(s => s.step === 'skip')).toMatchObject({ guard: false });
  });

  it('reports a failed request with its HTTP status and the steps up to the failure', async () => {
    const o = await t.run('branchy', X(1), {
      stubs: { inc: { error: 'INVALID_ARG', message: 'inc refused' } },
    });
    expect(o).toMatchObject({ ok: false, status: 400, error: { code: 'INVALID_ARG' } });
    expect(o.ok ? '' : o.error.message).toBe(
      "pipeline 'branchy' step 'each' (model 'inc'): inc refused",
    );
    expect(o.steps.map(s => `${s.step}:${s.status}`)).toEqual([
      'skip:skipped',
      'double:ran',
      'each:failed',
    ]);
    await expect(
      t.infer('branchy', X(1), { stubs: { inc: { error: 'INVALID_ARG' } } }),
    ).rejects.toThrow("step 'each'");
  });

  it('replaces a module step by its path as the pipeline writes it', async () => {
    const res = await t.infer('branchy', X(1), {
      stubs: {
        './label.ts': { outputs: { label: { datatype: 'BYTES', shape: [1], data: ['stubbed'] } } },
      },
    });
    await expectOutputs(res, { LABEL: { data: ['stubbed'] } });
    const fallback = await t.infer('branchy', X(1), {
      stubs: { './label.ts': { error: 'INTERNAL' } },
    });
    expectSteps(fallback, { label: 'defaulted' });
  });

  it('refuses stubs that replace nothing the request can reach', async () => {
    await expect(
      t.infer('branchy', X(1), { stubs: { nope: { error: 'INTERNAL' } } }),
    ).rejects.toThrow(`stub 'nope' replaces nothing: there is no model 'nope' in ${REPO}`);
    await expect(
      t.infer('branchy', X(1), { stubs: { './other.ts': { error: 'INTERNAL' } } }),
    ).rejects.toThrow("pipeline 'branchy' does not run (its modules: label.ts)");
  });

  it('says why a model it did not load cannot answer', async () => {
    const o = await t.run('double', { x: { datatype: 'FP32', shape: [1], data: [1] } });
    expect(o.ok ? '' : o.error.message).toMatch(/model 'double' is not ready: it was not loaded/);
  });

  it('throws TestExpectationError listing every difference', async () => {
    const res = await t.infer('branchy', X(1));
    const e = await expectOutputs(res, { Y: { data: [12] }, LABEL: { contains: ['nope'] } }).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(TestExpectationError);
    expect((e as TestExpectationError).problems).toEqual([
      "output 'Y': values: 1 of 1 element(s) differ (atol 0, rtol 0)",
      '    at [0]: expected 12, received 11 (abs error 1)',
      '    max abs error 1 at [0]; max rel error 0.08333333 at [0]',
      `output 'LABEL': no element contains "nope"; received ["sum=11"]`,
    ]);
    expect(() => expectSteps(res, { skip: 'returned' })).toThrow(
      `step 'skip': expected returned, received skipped (guard "params.mode == 'skip'" is false)`,
    );
  });
});
