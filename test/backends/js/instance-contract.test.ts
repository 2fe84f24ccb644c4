// issue #11 item 4: the ModelInstance contract, run against the JS backend's instances.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createJsBackend } from '../../../backends/js/index.js';
import type { ModelFiles } from '../../../engine/core/backend.js';
import { ModelConfigSchema } from '../../../engine/core/model-config.js';
import type { TensorMap } from '../../../engine/core/tensor.js';
import type { InstanceUnderTest } from '../instance-contract.js';
import { runInstanceContract } from '../instance-contract.js';

const REPO = fileURLToPath(new URL('../../fixtures/js-models/', import.meta.url));
const backend = createJsBackend();
const signal = new AbortController().signal;

const modelDir = path.join(REPO, 'faulty');
const files: ModelFiles = {
  modelName: 'faulty',
  version: 1,
  modelDir,
  versionDir: path.join(modelDir, '1'),
  modelPath: path.join(modelDir, '1', 'model.js'),
};

/** MODE (see the faulty fixture): 0 answers, 1 throws, 2 exits the thread, 6 blames the request. */
const mode = (v: number): TensorMap =>
  new Map([
    ['MODE', { datatype: 'INT32', shape: [1], data: Int32Array.of(-1, v, -1).subarray(1, 2) }],
  ]);

async function faulty(): Promise<InstanceUnderTest> {
  const config = ModelConfigSchema.parse({ name: 'faulty', backend: 'js' });
  const instance = await backend.createInstance(config, files, {
    signal,
    index: 0,
    instanceCount: 1,
    device: { kind: 'CPU' },
  });
  return {
    instance,
    inputs: () => mode(0),
    invalidInputs: () => mode(6),
    failingInputs: () => mode(1),
  };
}

runInstanceContract('JsModelInstance', { newInstance: faulty });

runInstanceContract('JsModelInstance whose worker was replaced', {
  newInstance: async () => {
    const t = await faulty();
    await t.instance.execute(mode(2), { signal }).catch(() => undefined);
    return t;
  },
});
