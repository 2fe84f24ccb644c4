import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOnnxRuntimeBackend } from '../../../backends/onnxruntime/index.js';
import { OnnxRuntimeInstance } from '../../../backends/onnxruntime/instance.js';
import { OnnxRuntimeWorkerInstance } from '../../../backends/onnxruntime/worker-instance.js';
import type { ComputeMark, ModelSignature } from '../../../engine/core/backend.js';
import type { TensorMap } from '../../../engine/core/tensor.js';
import { createModelBuilder } from '../../../examples/tools/onnx-builder.js';
import { configOf, cpuInstance, filesOf, fp32, REPOS, rejection } from './fixtures.js';

const noGpu = { cuda: false, tensorrt: false };
const backend = createOnnxRuntimeBackend({ providers: noGpu, cores: 2 });
const signal = new AbortController().signal;

describe('createOnnxRuntimeBackend', () => {
  it('names itself the way configs select it', () => {
    expect(backend.name).toBe('onnxruntime');
    expect(backend.platforms).toEqual(['onnxruntime_onnx']);
    expect(backend.defaultModelFilename).toBe('model.onnx');
  });
});

describe('describe', () => {
  it('reads the simple model with a dynamic batch dimension', async () => {
    const sig = await backend.describe(filesOf(REPOS.examples, 'simple'));
    const t = (name: string) => ({ name, datatype: 'FP32' as const, shape: [-1, 16] });
    expect(sig).toEqual({
      inputs: [t('INPUT0'), t('INPUT1')],
      outputs: [t('OUTPUT0'), t('OUTPUT1')],
    } satisfies ModelSignature);
  });

  it('reads the mlp and the text model', async () => {
    expect(await backend.describe(filesOf(REPOS.examples, 'mlp'))).toEqual({
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 64] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 8] }],
    });
    expect(await backend.describe(filesOf(REPOS.examples, 'text_identity'))).toEqual({
      inputs: [{ name: 'text', datatype: 'BYTES', shape: [-1, -1] }],
      outputs: [{ name: 'text_out', datatype: 'BYTES', shape: [-1, -1] }],
    });
  });

  it('maps every ORT element type of all_types to its protocol datatype', async () => {
    const sig = await backend.describe(filesOf(REPOS.fixtures, 'all_types'));
    expect(sig.inputs.map(t => `${t.name}:${t.datatype}`)).toEqual(
      [
        'BOOL',
        'UINT8',
        'UINT16',
        'UINT32',
        'UINT64',
        'INT8',
        'INT16',
        'INT32',
        'INT64',
        'FP16',
        'FP32',
        'FP64',
        'BYTES',
      ].map(dt => `IN_${dt}:${dt}`),
    );
    expect(
      sig.outputs.every(t => t.name === `OUT_${t.datatype}` && t.shape.join() === '-1,3'),
    ).toBe(true);
  });

  it('reports a corrupt file as INVALID_ARG naming the file and quoting ORT', async () => {
    const files = filesOf(REPOS.fixtures, 'corrupt');
    const e = await rejection(backend.describe(files));
    expect(e.code).toBe('INVALID_ARG');
    expect(e.message).toContain(files.modelPath);
    expect(e.message).toContain("model 'corrupt' version 1");
    expect(e.message).toMatch(/protobuf parsing failed/i);
  });

  it('explains that bfloat16 models cannot be opened', async () => {
    const repo = await mkdtemp(join(tmpdir(), 'braid-bf16-'));
    try {
      const files = filesOf(repo, 'bf16');
      await mkdir(files.versionDir, { recursive: true });
      const model = createModelBuilder('bf16')
        .input('IN', 'BF16', ['batch', 3])
        .node('Identity', ['IN'], ['OUT'])
        .output('OUT', 'BF16', ['batch', 3]);
      await writeFile(files.modelPath, model.build());
      const e = await rejection(backend.describe(files));
      expect(e.code).toBe('INVALID_ARG');
      expect(e.message).toContain(
        'bfloat16 inputs and outputs are not supported by onnxruntime-node',
      );
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  });

  it('reports a missing file as INVALID_ARG', async () => {
    const e = await rejection(backend.describe(filesOf(REPOS.examples, 'simple', 99)));
    expect(e.code).toBe('INVALID_ARG');
    expect(e.message).toContain('99/model.onnx');
  });
});

describe.each(['worker', 'main'] as const)('execute on the %s thread', thread => {
  const parameters = { execution_thread: { string_value: thread } };
  const simpleConfig = configOf({
    name: 'simple',
    backend: 'onnxruntime',
    max_batch_size: 8,
    parameters,
  });

  it('creates the instance kind the parameter asks for', async () => {
    const inst = await backend.createInstance(
      simpleConfig,
      filesOf(REPOS.examples, 'simple'),
      cpuInstance(),
    );
    if (thread === 'worker') {
      expect(inst).toBeInstanceOf(OnnxRuntimeWorkerInstance);
    } else {
      expect(inst).toBeInstanceOf(OnnxRuntimeInstance);
    }
    await inst.dispose();
  });

  const batch2: TensorMap = new Map([
    ['INPUT0', fp32([2, 16], i => i)],
    ['INPUT1', fp32([2, 16], () => 2)],
  ]);

  it('adds and subtracts a batch of 2 with version 1, and multiplies with version 2', async () => {
    const v1 = await backend.createInstance(
      simpleConfig,
      filesOf(REPOS.examples, 'simple', 1),
      cpuInstance(),
    );
    const v2 = await backend.createInstance(
      simpleConfig,
      filesOf(REPOS.examples, 'simple', 2),
      cpuInstance(),
    );
    const out1 = await v1.execute(batch2, { signal });
    const out2 = await v2.execute(batch2, { signal });
    expect([...out1.keys()]).toEqual(['OUTPUT0', 'OUTPUT1']);
    expect(out1.get('OUTPUT0')).toEqual(fp32([2, 16], i => i + 2));
    expect(out1.get('OUTPUT1')).toEqual(fp32([2, 16], i => i - 2));
    expect(out2.get('OUTPUT0')).toEqual(fp32([2, 16], i => i * 2));
    expect(out2.get('OUTPUT1')).toEqual(fp32([2, 16], i => i - 2));
    await Promise.all([v1.dispose(), v2.dispose()]);
  });

  it('computes only the requested outputs', async () => {
    const inst = await backend.createInstance(
      simpleConfig,
      filesOf(REPOS.examples, 'simple'),
      cpuInstance(),
    );
    const out = await inst.execute(batch2, { signal, outputs: ['OUTPUT1'] });
    expect([...out.keys()]).toEqual(['OUTPUT1']);
    expect(out.get('OUTPUT1')?.data[5]).toBe(3);
    const e = await rejection(inst.execute(batch2, { signal, outputs: ['NOPE'] }));
    expect(e.code).toBe('INVALID_ARG');
    expect(e.message).toBe(
      "model 'simple' has no output 'NOPE'; its outputs are 'OUTPUT0', 'OUTPUT1'",
    );
    await inst.dispose();
  });

  it('marks the end of input preparation and the start of output extraction, in order', async () => {
    const inst = await backend.createInstance(
      simpleConfig,
      filesOf(REPOS.examples, 'simple'),
      cpuInstance(),
    );
    const marks: ComputeMark[] = [];
    await inst.execute(batch2, { signal, mark: m => marks.push(m) });
    expect(marks).toEqual(['COMPUTE_INPUT_END', 'COMPUTE_OUTPUT_START']);
    await inst.dispose();
  });

  it('rejects unknown, missing and misshapen inputs as INVALID_ARG naming them', async () => {
    const inst = await backend.createInstance(
      simpleConfig,
      filesOf(REPOS.examples, 'simple'),
      cpuInstance(),
    );
    const unknown = new Map([...batch2, ['INPUT9', fp32([2, 16], () => 0)]]);
    expect((await rejection(inst.execute(unknown, { signal }))).message).toContain(
      "has no input 'INPUT9'",
    );
    const missing = new Map([['INPUT0', fp32([2, 16], () => 0)]]);
    expect((await rejection(inst.execute(missing, { signal }))).message).toContain(
      "expects input 'INPUT1'",
    );
    const misshapen = new Map([
      ['INPUT0', fp32([2, 16], () => 0)],
      ['INPUT1', fp32([2, 8], () => 0)],
    ]);
    const e = await rejection(inst.execute(misshapen, { signal }));
    expect(e.code).toBe('INVALID_ARG');
    expect(e.message).toMatch(/^model 'simple': onnxruntime failed to run: .*invalid dimensions/i);
    await inst.dispose();
  });

  it('runs a model without a batch dimension', async () => {
    const files = filesOf(REPOS.fixtures, 'add_sub_int32');
    const inst = await backend.createInstance(
      configOf({ max_batch_size: 0, parameters }),
      files,
      cpuInstance(),
    );
    const i32 = (...v: number[]) => ({
      datatype: 'INT32' as const,
      shape: [4],
      data: Int32Array.from(v),
    });
    const out = await inst.execute(
      new Map([
        ['INPUT0', i32(1, 2, 3, 4)],
        ['INPUT1', i32(10, 20, 30, -40)],
      ]),
      { signal },
    );
    expect(out.get('OUTPUT0')).toEqual(i32(11, 22, 33, -36));
    expect(out.get('OUTPUT1')).toEqual(i32(-9, -18, -27, 44));
    await inst.dispose();
  });

  it('throws CANCELLED without running when the signal is already aborted', async () => {
    const inst = await backend.createInstance(
      simpleConfig,
      filesOf(REPOS.examples, 'simple'),
      cpuInstance(),
    );
    const marks: ComputeMark[] = [];
    const e = await rejection(
      inst.execute(batch2, { signal: AbortSignal.abort(), mark: m => marks.push(m) }),
    );
    expect(e.code).toBe('CANCELLED');
    expect(marks).toEqual([]);
    await inst.dispose();
  });

  it('disposes idempotently and refuses to run afterwards', async () => {
    const inst = await backend.createInstance(
      simpleConfig,
      filesOf(REPOS.examples, 'simple'),
      cpuInstance(),
    );
    await inst.dispose();
    await expect(inst.dispose()).resolves.toBeUndefined();
    expect((await rejection(inst.execute(batch2, { signal }))).code).toBe('UNAVAILABLE');
  });
});
