// issue #13 item 4: classification as Triton formats it (server src/classification.cc, the
// frontends' batch handling, core src/label_provider.cc).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelConfigSchema } from '../../../engine/core/model-config.js';
import type { Tensor } from '../../../engine/core/tensor.js';
import {
  classifyOutputs,
  formatValue,
  readOutputLabels,
} from '../../../engine/runtime/classification.js';

const text = (t: Tensor | undefined) =>
  (t!.data as Uint8Array[]).map(b => Buffer.from(b).toString());
const config = (maxBatch: number, label = '') =>
  ModelConfigSchema.parse({
    name: 'm',
    max_batch_size: maxBatch,
    output: [{ name: 'P', data_type: 'TYPE_FP32', dims: [4], label_filename: label }],
  });

describe('formatValue', () => {
  it.each([
    [0.25, 'FP32', '0.250000'],
    [Math.fround(1 / 3), 'FP32', '0.333333'],
    [0.0078125, 'FP64', '0.007812'], // an exact tie: printf rounds to even, toFixed would give 0.007813
    [0.0234375, 'FP64', '0.023438'],
    [-0, 'FP32', '-0.000000'],
    [-1e-9, 'FP64', '-0.000000'],
    [Number.NaN, 'FP32', 'nan'],
    [Number.NEGATIVE_INFINITY, 'FP64', '-inf'],
    [1e22, 'FP64', '10000000000000000000000.000000'],
    [7, 'INT32', '7'],
    [200, 'UINT8', '200'],
    [-5n, 'INT64', '-5'],
  ] as const)('prints %s (%s) as std::to_string does: %s', (v, dt, expected) => {
    expect(formatValue(v, dt)).toBe(expected);
  });
});

describe('classifyOutputs', () => {
  const probs = (shape: number[], values: number[]): Map<string, Tensor> =>
    new Map([['P', { datatype: 'FP32', shape, data: new Float32Array(values) }]]);
  const ask = (k: number) => [{ name: 'P', parameters: { classification: k } }];

  it('answers the top k of each batch item as [batch, k] BYTES, highest first, labels appended', () => {
    const labels = new Map([['P', ['zero', 'one', '', 'three']]]);
    const out = classifyOutputs(
      { name: 'm', config: config(4), labels },
      ask(2),
      probs([2, 4], [0.1, 0.6, 0.2, 0.1, 0.5, 0, 0.25, 0.75]),
    );
    expect(out.get('P')!.shape).toEqual([2, 2]);
    expect(text(out.get('P'))).toEqual([
      '0.600000:1:one',
      '0.200000:2',
      '0.750000:3:three',
      '0.500000:0:zero',
    ]);
  });

  it('treats the whole tensor as one item when the model does not batch, and caps k at the element count', () => {
    const out = classifyOutputs({ name: 'm', config: config(0) }, ask(9), probs([4], [3, 1, 3, 2]));
    expect(out.get('P')!.shape).toEqual([4]);
    expect(text(out.get('P'))).toEqual(['3.000000:0', '3.000000:2', '2.000000:3', '1.000000:1']);
  });

  it('leaves outputs alone without classification, or with classification 0 (HTTP: none)', () => {
    const outputs = probs([1, 4], [1, 2, 3, 4]);
    expect(classifyOutputs({ name: 'm', config: config(4) }, undefined, outputs)).toBe(outputs);
    expect(classifyOutputs({ name: 'm', config: config(4) }, ask(0), outputs)).toBe(outputs);
    expect(classifyOutputs({ name: 'm', config: config(4) }, [{ name: 'P' }], outputs)).toBe(
      outputs,
    );
  });

  it('orders INT64 values exactly', () => {
    const outputs = new Map<string, Tensor>([
      [
        'P',
        {
          datatype: 'INT64',
          shape: [1, 3],
          data: new BigInt64Array([2n ** 60n, 2n ** 60n + 1n, -3n]),
        },
      ],
    ]);
    expect(
      text(classifyOutputs({ name: 'm', config: config(4) }, ask(2), outputs).get('P')),
    ).toEqual([`${2n ** 60n + 1n}:1`, `${2n ** 60n}:0`]);
  });

  it.each(['BYTES', 'BOOL', 'FP16'] as const)('refuses a %s output in Triton’s words', dt => {
    const data =
      dt === 'BYTES'
        ? [new Uint8Array([97])]
        : dt === 'BOOL'
          ? new Uint8Array([1])
          : new Uint16Array([0]);
    const outputs = new Map<string, Tensor>([['P', { datatype: dt, shape: [1, 1], data }]]);
    expect(() => classifyOutputs({ name: 'm', config: config(4) }, ask(1), outputs)).toThrow(
      `class result not available for output 'P' of model 'm' due to unsupported type '${dt}'`,
    );
  });
});

describe('readOutputLabels', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'braid-labels-'));
    await writeFile(path.join(dir, 'labels.txt'), 'cat\ndog\n\nbird\n');
    await writeFile(path.join(dir, 'plain.txt'), 'a\r\nb');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads one label per line as std::getline does: the last newline ends a label, empty lines count', async () => {
    expect((await readOutputLabels(dir, config(4, 'labels.txt'))).get('P')).toEqual([
      'cat',
      'dog',
      '',
      'bird',
    ]);
    expect((await readOutputLabels(dir, config(4, 'plain.txt'))).get('P')).toEqual(['a\r', 'b']);
    expect((await readOutputLabels(dir, config(4))).size).toBe(0);
  });

  it('fails the load for a missing file, naming it', async () => {
    await expect(readOutputLabels(dir, config(4, 'missing.txt'))).rejects.toThrow(
      "model 'm' output 'P': label_filename 'missing.txt' cannot be read (ENOENT)",
    );
  });
});
