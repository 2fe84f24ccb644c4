import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { testData } from './infer-bodies.js';
import {
  applyStep,
  CHAIN_FEATURES,
  CHAIN_STEPS,
  expectedChain,
  PIPELINE,
  pipelineYaml,
  STEP_IO,
  writePipelineRepository,
} from './pipeline-repository.js';

const dir = mkdtempSync(join(tmpdir(), 'braid-chain4-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the chain4 pipeline file', () => {
  it('chains the four models from X to Y through one tensor each', () => {
    const doc = parse(pipelineYaml()) as {
      inputs: Record<string, unknown>;
      outputs: Record<string, unknown>;
      steps: { model: string; inputs: Record<string, string>; outputs: Record<string, string> }[];
    };
    expect(Object.keys(doc.inputs)).toEqual([PIPELINE.input]);
    expect(Object.keys(doc.outputs)).toEqual([PIPELINE.output]);
    expect(doc.steps.map(s => s.model)).toEqual(CHAIN_STEPS.map(s => s.model));
    const reads = doc.steps.map(s => s.inputs[STEP_IO.input]);
    const writes = doc.steps.map(s => s.outputs[STEP_IO.output]);
    expect(reads).toEqual([PIPELINE.input, ...writes.slice(0, -1)]);
    expect(writes.at(-1)).toBe(PIPELINE.output);
  });
});

describe('expectedChain', () => {
  it('applies add, mul, add, mul in order', () => {
    const x = testData(CHAIN_FEATURES, 5);
    const [a, b, c, d] = CHAIN_STEPS.map(s => s.constant);
    const outs = expectedChain(x);
    expect(outs).toHaveLength(4);
    const i = 3;
    const want = Math.fround(
      Math.fround(Math.fround(Math.fround(x[i]! + a![i]!) * b![i]!) + c![i]!) * d![i]!,
    );
    expect(outs[3]![i]).toBe(want);
    expect(outs[0]).toEqual(applyStep(CHAIN_STEPS[0]!, x));
  });
});

describe('writePipelineRepository', () => {
  let root = '';
  beforeAll(() => {
    root = writePipelineRepository({ dir, queueDelayUs: 250 });
  });

  it('writes each step config with batching, the delay and the main execution thread', () => {
    const config = parse(readFileSync(join(root, 'chain_mul_b', 'config.yaml'), 'utf8')) as {
      dynamic_batching: unknown;
      parameters: unknown;
    };
    expect(config.dynamic_batching).toEqual({ max_queue_delay_microseconds: 250 });
    expect(config.parameters).toEqual({ execution_thread: { string_value: 'main' } });
    const yaml = readFileSync(join(root, PIPELINE.name, '1', 'pipeline.yaml'), 'utf8');
    expect(yaml).toBe(pipelineYaml());
  });

  it('writes models that compute what applyStep says, item by item in a batch', async () => {
    const x = testData(2 * CHAIN_FEATURES, 9);
    for (const step of CHAIN_STEPS) {
      const session = await InferenceSession.create(join(root, step.model, '1', 'model.onnx'));
      try {
        const feeds = { [STEP_IO.input]: new Tensor('float32', x, [2, CHAIN_FEATURES]) };
        const out = await session.run(feeds);
        expect(out[STEP_IO.output]!.data).toEqual(applyStep(step, x));
      } finally {
        await session.release();
      }
    }
  });
});
