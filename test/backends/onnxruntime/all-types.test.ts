import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnnxRuntimeBackend } from '../../../backends/onnxruntime/index.js';
import type { ModelInstance } from '../../../engine/core/backend.js';
import type { DataType } from '../../../engine/core/datatype.js';
import type { Tensor, TensorMap } from '../../../engine/core/tensor.js';
import { configOf, cpuInstance, filesOf, REPOS } from './fixtures.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

// Two rows of three, with each type's extremes where it has them.
const SAMPLES: Readonly<Record<Exclude<DataType, 'BF16'>, Tensor['data']>> = {
  BOOL: Uint8Array.from([1, 0, 1, 0, 0, 1]),
  UINT8: Uint8Array.from([0, 1, 255, 7, 128, 254]),
  UINT16: Uint16Array.from([0, 1, 65535, 300, 40000, 2]),
  UINT32: Uint32Array.from([0, 1, 4294967295, 70000, 3, 2147483648]),
  UINT64: BigUint64Array.from([0n, 1n, 18446744073709551615n, 2n ** 53n + 1n, 5n, 9n]),
  INT8: Int8Array.from([-128, -1, 0, 1, 127, 5]),
  INT16: Int16Array.from([-32768, -1, 0, 1, 32767, 5]),
  INT32: Int32Array.from([-2147483648, -1, 0, 1, 2147483647, 5]),
  INT64: BigInt64Array.from([
    -9223372036854775808n,
    -1n,
    0n,
    2n ** 53n + 1n,
    9223372036854775807n,
    5n,
  ]),
  // Raw IEEE half bits: 1.0, -2.0, +inf, smallest subnormal, 65504 (max), -0.
  FP16: Uint16Array.from([0x3c00, 0xc000, 0x7c00, 0x0001, 0x7bff, 0x8000]),
  FP32: Float32Array.from([1.5, -0, 3.4028234663852886e38, -1e-45, Infinity, -7.25]),
  FP64: Float64Array.from([Math.PI, -0, Number.MAX_VALUE, Number.MIN_VALUE, -Infinity, 1e-300]),
  BYTES: ['héllo', '世界', '', 'emoji 🚀', 'tab\tnewline\n', 'plain'].map(utf8),
};

describe.each(['worker', 'main'])('all_types round trip on the %s thread', thread => {
  const backend = createOnnxRuntimeBackend({
    providers: { cuda: false, tensorrt: false },
    cores: 1,
  });
  const config = configOf({
    max_batch_size: 4,
    parameters: { execution_thread: { string_value: thread } },
  });
  let instance: ModelInstance;
  let outputs: TensorMap;

  beforeAll(async () => {
    instance = await backend.createInstance(
      config,
      filesOf(REPOS.fixtures, 'all_types'),
      cpuInstance(),
    );
    const inputs: TensorMap = new Map(
      Object.entries(SAMPLES).map(([dt, data]) => [
        `IN_${dt}`,
        { datatype: dt as DataType, shape: [2, 3], data },
      ]),
    );
    outputs = await instance.execute(inputs, { signal: new AbortController().signal });
  });

  afterAll(() => instance.dispose());

  it.each(Object.keys(SAMPLES))('returns %s unchanged', dt => {
    const out = outputs.get(`OUT_${dt}`);
    expect(out?.datatype).toBe(dt);
    expect(out?.shape).toEqual([2, 3]);
    const sent = SAMPLES[dt as keyof typeof SAMPLES];
    if (Array.isArray(sent)) {
      expect(out?.data).toEqual(sent);
    } else {
      expect(out?.data.constructor).toBe(sent.constructor);
      // Object.is per element keeps -0 and NaN distinctions that toEqual could blur.
      const got = out?.data as ArrayLike<unknown>;
      expect(Array.from({ length: 6 }, (_, i) => Object.is(got[i], sent[i]))).toEqual(
        Array(6).fill(true),
      );
    }
  });

  it('decodes BYTES output as UTF-8 byte strings', () => {
    const text = (outputs.get('OUT_BYTES')?.data as Uint8Array[]).map(b =>
      new TextDecoder().decode(b),
    );
    expect(text).toEqual(['héllo', '世界', '', 'emoji 🚀', 'tab\tnewline\n', 'plain']);
  });
});
