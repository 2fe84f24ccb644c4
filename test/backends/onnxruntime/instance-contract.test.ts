// issue #11 item 4: the ModelInstance contract, run against the ONNX Runtime backend's instances.
import { InferenceSession } from 'onnxruntime-node';
import { createOnnxRuntimeBackend } from '../../../backends/onnxruntime/index.js';
import type { OrtSession } from '../../../backends/onnxruntime/instance.js';
import { OnnxRuntimeInstance } from '../../../backends/onnxruntime/instance.js';
import { OnnxRuntimeWorkerInstance } from '../../../backends/onnxruntime/worker-instance.js';
import type { TensorMap } from '../../../engine/core/tensor.js';
import type { InstanceUnderTest } from '../instance-contract.js';
import { runInstanceContract } from '../instance-contract.js';
import { configOf, cpuInstance, filesOf, fp32, REPOS } from './fixtures.js';

const simple = filesOf(REPOS.examples, 'simple');
const backend = createOnnxRuntimeBackend({ providers: { cuda: false, tensorrt: false }, cores: 1 });
const signal = new AbortController().signal;

/** Both inputs as views into one request body, as single HTTP requests arrive. */
function inputs(): TensorMap {
  const body = Float32Array.from({ length: 2 + 32 }, (_, i) => i);
  return new Map([
    ['INPUT0', { datatype: 'FP32', shape: [1, 16], data: body.subarray(2, 18) }],
    ['INPUT1', { datatype: 'FP32', shape: [1, 16], data: body.subarray(18, 34) }],
  ]);
}

const drivers = {
  inputs,
  // The request lacks INPUT1.
  invalidInputs: (): TensorMap => new Map([['INPUT0', fp32([1, 16])]]),
  // Shapes that pass the input checks but fail inside the graph (Add cannot broadcast 2 by 3).
  failingInputs: (): TensorMap =>
    new Map([
      ['INPUT0', fp32([2, 16])],
      ['INPUT1', fp32([3, 16])],
    ]),
};

async function fromBackend(thread: 'worker' | 'main'): Promise<InstanceUnderTest> {
  const config = configOf({
    name: 'simple',
    max_batch_size: 8,
    parameters: { execution_thread: { string_value: thread } },
  });
  return { instance: await backend.createInstance(config, simple, cpuInstance()), ...drivers };
}

runInstanceContract('OnnxRuntimeWorkerInstance', { newInstance: () => fromBackend('worker') });

runInstanceContract('OnnxRuntimeWorkerInstance whose worker was replaced', {
  newInstance: async () => {
    const instance = await OnnxRuntimeWorkerInstance.start({
      model: 'simple',
      script: new URL('./probe-session-worker.ts', import.meta.url),
      open: open => open(simple.modelPath, { intraOpNumThreads: 1 }),
    });
    await instance
      .execute(new Map([['EXIT_THREAD', fp32([1])]]), { signal })
      .catch(() => undefined);
    return { instance, ...drivers };
  },
});

runInstanceContract('OnnxRuntimeInstance (main thread)', {
  newInstance: () => fromBackend('main'),
});

runInstanceContract('OnnxRuntimeInstance counting its runs', {
  newInstance: async () => {
    const session = await InferenceSession.create(simple.modelPath, { intraOpNumThreads: 1 });
    let runs = 0;
    const counted: OrtSession = {
      inputNames: session.inputNames,
      outputNames: session.outputNames,
      run: ((...args: Parameters<OrtSession['run']>) => (
        runs++,
        session.run(...args)
      )) as OrtSession['run'],
      release: () => session.release(),
    };
    return {
      instance: new OnnxRuntimeInstance(counted, 'simple'),
      executions: () => runs,
      ...drivers,
    };
  },
});
