import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  buildMlp,
  createModelBuilder,
  onnxElemType,
  seededRandom,
} from '../../../examples/tools/onnx-builder.js';

describe('createModelBuilder', () => {
  it('writes a model ORT runs, with symbolic dims, initializers and attributes', async () => {
    const bytes = createModelBuilder('cast_scale')
      .input('x', 'FP32', ['batch', 2])
      .initializer('k', [2], Float32Array.of(10, -1))
      .node('Mul', ['x', 'k'], ['scaled'])
      .node('Cast', ['scaled'], ['y'], { attributes: { to: { int: onnxElemType('INT32') } } })
      .output('y', 'INT32', ['batch', 2])
      .build();
    const session = await InferenceSession.create(bytes);
    expect(session.inputMetadata).toEqual([
      { name: 'x', isTensor: true, type: 'float32', shape: ['batch', 2] },
    ]);
    const out = await session.run({
      x: new Tensor('float32', Float32Array.of(1.5, 2, 3, 4), [2, 2]),
    });
    expect(out['y']?.type).toBe('int32');
    expect(Array.from(out['y']?.data as Int32Array)).toEqual([15, -2, 30, -4]);
    await session.release();
  });

  it('refuses an initializer whose data does not fill its dims', () => {
    expect(() => createModelBuilder('g').initializer('w', [2, 3], new Float32Array(5))).toThrow(
      "initializer 'w': dims [2,3] need 6 floats, got 5",
    );
  });
});

describe('seededRandom', () => {
  it('repeats for a seed and differs between seeds', () => {
    const draw = (seed: number) => Array.from({ length: 4 }, seededRandom(seed));
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    expect(draw(7).every(v => v >= 0 && v < 1)).toBe(true);
  });
});

describe('buildMlp', () => {
  it('is deterministic per seed', () => {
    const opts = { inputSize: 8, hidden: 4, outputSize: 2, seed: 1 };
    expect(Buffer.compare(buildMlp(opts), buildMlp(opts))).toBe(0);
    expect(Buffer.compare(buildMlp(opts), buildMlp({ ...opts, seed: 2 }))).not.toBe(0);
  });

  it('builds the 512→2048→512 benchmark model, which runs with a dynamic batch', async () => {
    const bytes = buildMlp({ inputSize: 512, hidden: 2048, outputSize: 512, seed: 3 });
    // Two weight matrices of 512×2048 floats plus biases, 4 bytes each.
    expect(bytes.length).toBeGreaterThan((2 * 512 * 2048 + 2048 + 512) * 4);
    const session = await InferenceSession.create(bytes, { intraOpNumThreads: 1 });
    const out = await session.run({
      x: new Tensor('float32', new Float32Array(3 * 512).fill(0.5), [3, 512]),
    });
    expect(out['y']?.dims).toEqual([3, 512]);
    const y = out['y']?.data as Float32Array;
    expect(y.every(Number.isFinite)).toBe(true);
    // Equal input rows give equal output rows.
    expect(Array.from(y.subarray(0, 512))).toEqual(Array.from(y.subarray(1024, 1536)));
    await session.release();
  });
});
