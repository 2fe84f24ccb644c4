import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelConfigSchema, type ModelConfigInput } from '../../../engine/core/model-config.js';
import { readWarmupSamples } from '../../../engine/runtime/warmup-samples.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'braid-warmup-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const TYPES = ['FP32', 'FP16', 'BF16', 'INT64', 'UINT8', 'BOOL', 'STRING'] as const;

function config(extra: Partial<ModelConfigInput>) {
  return ModelConfigSchema.parse({
    name: 'm',
    max_batch_size: 4,
    input: TYPES.map(t => ({ name: t, data_type: `TYPE_${t}`, dims: [3] })),
    ...extra,
  });
}

const allRandom = {
  name: 'r',
  batch_size: 2,
  inputs: Object.fromEntries(
    TYPES.map(t => [t, { data_type: `TYPE_${t}`, dims: [3], random_data: true }]),
  ),
};

describe('readWarmupSamples', () => {
  it('fills random values each datatype can use, and empty strings for STRING as Triton', async () => {
    const [s] = await readWarmupSamples(dir, config({ model_warmup: [allRandom] }));
    const data = (name: string) => s!.inputs.get(name)!.data;
    for (const v of data('FP32') as Float32Array) expect(v >= 0 && v < 1).toBe(true);
    // 1.0 to 2.0 as FP16 and BF16 bit patterns.
    for (const v of data('FP16') as Uint16Array) expect(v >= 0x3c00 && v < 0x4000).toBe(true);
    for (const v of data('BF16') as Uint16Array) expect(v >= 0x3f80 && v < 0x4000).toBe(true);
    for (const v of data('INT64') as BigInt64Array) expect(v >= 0n && v < 128n).toBe(true);
    for (const v of data('BOOL') as Uint8Array) expect([0, 1]).toContain(v);
    expect((data('STRING') as Uint8Array[]).map(b => b.length)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(s!.inputs.get('UINT8')!.shape).toEqual([2, 3]);
  });

  it('duplicates a row for each of batch_size rows', async () => {
    const [s] = await readWarmupSamples(dir, config({ model_warmup: [allRandom] }));
    const fp32 = Array.from(s!.inputs.get('FP32')!.data as Float32Array);
    expect(fp32.slice(3)).toEqual(fp32.slice(0, 3));
    expect(new Set(fp32.slice(0, 3)).size).toBeGreaterThan(1);
  });

  it('names unnamed samples by position and runs a count of 0 once', async () => {
    const zero = { ...allRandom, name: '', count: 0 };
    const samples = await readWarmupSamples(
      dir,
      config({ model_warmup: [zero, { ...zero, count: 4 }] }),
    );
    expect(samples.map(s => [s.name, s.runs])).toEqual([
      ['#0', 1],
      ['#1', 4],
    ]);
  });

  it('refuses batch_size above 1 for a model that does not batch', async () => {
    await expect(
      readWarmupSamples(dir, config({ max_batch_size: 0, model_warmup: [allRandom] })),
    ).rejects.toThrow(
      "model 'm': model_warmup 'r': batch_size 2 needs a model that batches; this one has max_batch_size 0, so use 1",
    );
  });

  it('refuses a sample that leaves out a required input', async () => {
    const { FP32, ...rest } = allRandom.inputs;
    void FP32;
    await expect(
      readWarmupSamples(dir, config({ model_warmup: [{ ...allRandom, inputs: rest }] })),
    ).rejects.toThrow(/model 'm': model_warmup 'r': .*'FP32'/);
  });

  it('refuses dims too large to allocate, naming the input', async () => {
    const huge = {
      name: 'big',
      inputs: { FP32: { data_type: 'TYPE_FP32', dims: [100000, 100000], zero_data: true } },
    };
    await expect(readWarmupSamples(dir, config({ model_warmup: [huge] }))).rejects.toMatchObject({
      code: 'INVALID_ARG',
      message: expect.stringMatching(
        /^model 'm': model_warmup 'big' input 'FP32' of dims \[100000,100000\]: .*length/,
      ) as string,
    });
  });

  it('refuses model_warmup on a sequence-batched model', async () => {
    await expect(
      readWarmupSamples(dir, config({ sequence_batching: {}, model_warmup: [allRandom] })),
    ).rejects.toThrow(/model_warmup is not supported with sequence_batching/);
  });
});
