import { describe, expect, it } from 'vitest';
import { checkError, checkOutputs, checkSteps } from '../../../../engine/cli/testing/expect.js';
import type { SnapshotAccess } from '../../../../engine/cli/testing/expect.js';
import type { StepRecord } from '../../../../engine/cli/testing/step-records.js';
import type { Tensor, TensorMap } from '../../../../engine/core/tensor.js';
import { toTensor } from '../../../../engine/cli/testing/values.js';

const outputs = (): TensorMap =>
  new Map<string, Tensor>([
    ['BOXES', toTensor('FP32', [2, 2], [10, 20, 30, 40.5], 'x')],
    ['TEXT', toTensor('BYTES', [2], ['Welcome', 'to Braid'], 'x')],
  ]);
const ctx = { baseDir: '.' };

describe('output expectations', () => {
  it('pass when everything agrees, -1 matching any size', async () => {
    expect(
      await checkOutputs(
        outputs(),
        {
          BOXES: {
            datatype: 'FP32',
            shape: [-1, 2],
            data: [
              [10, 20],
              [30, 40],
            ],
            atol: 0.5,
          },
          TEXT: { contains: ['Braid'] },
        },
        ctx,
      ),
    ).toEqual([]);
  });

  it('name the output and say what differs: datatype, shape with both values, elements', async () => {
    const lines = await checkOutputs(
      outputs(),
      { BOXES: { datatype: 'FP16', shape: [4], data: [10, 20, 30, 40] } },
      ctx,
    );
    expect(lines).toEqual([
      "output 'BOXES': datatype: expected FP16, received FP32",
      '  shape: expected [4], received [2,2]',
      '  values: expected shape [4], received [2,2]',
      '  expected [10, 20, 30, 40]',
      '  received [10, 20, 30, 40.5]',
    ]);
    expect(await checkOutputs(outputs(), { BOXES: { data: [10, 20, 30, 40] } }, ctx)).toEqual([
      "output 'BOXES': values: expected shape [4], received [2,2]",
      '  expected [10, 20, 30, 40]',
      '  received [10, 20, 30, 40.5]',
    ]);
    expect(
      await checkOutputs(
        outputs(),
        {
          BOXES: {
            data: [
              [10, 20],
              [30, 40],
            ],
          },
        },
        ctx,
      ),
    ).toEqual([
      "output 'BOXES': values: 1 of 4 element(s) differ (atol 0, rtol 0)",
      '    at [1,1]: expected 40, received 40.5 (abs error 0.5)',
      '    max abs error 0.5 at [1,1]; max rel error 0.0125 at [1,1]',
    ]);
  });

  it('report a missing output with the ones there are, and checks that do not fit the datatype', async () => {
    expect(await checkOutputs(outputs(), { SCORES: { shape: [2] } }, ctx)).toEqual([
      "output 'SCORES': missing from the response; it has 'BOXES', 'TEXT'",
    ]);
    expect(
      await checkOutputs(outputs(), { TEXT: { min: 0 }, BOXES: { contains: ['x'] } }, ctx),
    ).toEqual([
      "output 'TEXT': min and max apply to numbers; this output is BYTES",
      "output 'BOXES': contains applies to BYTES; this output is FP32",
    ]);
  });

  it('compare snapshots with the same tolerances, record them on update, and say when none is recorded', async () => {
    const recorded: [string, Tensor][] = [];
    const none: SnapshotAccess = { expected: () => undefined };
    expect(
      await checkOutputs(
        outputs(),
        { BOXES: { snapshot: true } },
        { baseDir: '.', snapshots: none },
      ),
    ).toEqual([
      "output 'BOXES': no snapshot is recorded for it yet; run braid test --update to record the current value",
    ]);
    expect(
      await checkOutputs(
        outputs(),
        { BOXES: { snapshot: true } },
        { baseDir: '.', snapshots: { ...none, record: (o, t) => recorded.push([o, t]) } },
      ),
    ).toEqual([]);
    expect(recorded.map(([o]) => o)).toEqual(['BOXES']);
    const golden: SnapshotAccess = {
      expected: () => ({ datatype: 'FP32', shape: [2, 2], values: [10, 20, 30, 40] }),
    };
    expect(
      await checkOutputs(
        outputs(),
        { BOXES: { snapshot: true, atol: 1 } },
        { baseDir: '.', snapshots: golden },
      ),
    ).toEqual([]);
    expect(
      (
        await checkOutputs(
          outputs(),
          { BOXES: { snapshot: true } },
          { baseDir: '.', snapshots: golden },
        )
      )[0],
    ).toBe("output 'BOXES': snapshot: 1 of 4 element(s) differ (atol 0, rtol 0)");
  });
});

describe('step and error expectations', () => {
  const steps: StepRecord[] = [
    {
      pipeline: 'ocr',
      step: 'no_text',
      status: 'skipped',
      guard: false,
      reason: 'guard "x" is false',
    },
    { pipeline: 'ocr', step: 'orient', status: 'ran', items: 3, retries: 1 },
    { pipeline: 'inner', step: 'decode', status: 'ran' },
  ];

  it('check statuses and counts of the pipeline asked, absent steps counting as not_run', () => {
    expect(
      checkSteps(steps, 'ocr', {
        no_text: 'skipped',
        orient: { status: 'ran', items: 3, retries: 1 },
        decode: 'not_run',
      }),
    ).toEqual([]);
    expect(
      checkSteps(steps, 'ocr', { no_text: 'returned', orient: { items: 0 }, decode: 'ran' }),
    ).toEqual([
      `step 'no_text': expected returned, received skipped (guard "x" is false)`,
      "step 'orient': expected items 0, received 3",
      "step 'decode': expected ran, received not_run",
    ]);
  });

  it('check the status, code and message of a failure', () => {
    const got = { status: 503, code: 'UNAVAILABLE', message: "pipeline 'ocr' step 'orient': down" };
    expect(checkError(got, { status: 503, code: 'UNAVAILABLE', message: "step 'orient'" })).toEqual(
      [],
    );
    expect(checkError(got, { status: 400, code: 'INVALID_ARG', message: 'prepare' })).toEqual([
      'error status: expected 400, received 503',
      'error code: expected INVALID_ARG, received UNAVAILABLE',
      `error message: expected it to contain "prepare", received "pipeline 'ocr' step 'orient': down"`,
    ]);
  });
});
