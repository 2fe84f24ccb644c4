import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Tensor, TensorMap } from '../../../engine/core/tensor.js';
import type { StepStatistics } from '../../../pipelines/index.js';
import type { Engine } from '../../../engine/runtime/engine.js';
import { standardEngine } from '../../support/engine.js';
import { EXAMPLES, ROOT, simpleInputs, tempRepository } from '../../support/repo.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function pipelineEngine(
  opts: { controlMode?: 'explicit'; loadModels?: string[] } = {},
): Promise<Engine> {
  const repo = await tempRepository({
    simple: path.join(EXAMPLES, 'simple'),
    scale: path.join(ROOT, 'test', 'fixtures', 'js-models', 'scale'),
    chain: path.join(ROOT, 'test', 'fixtures', 'pipeline-repo', 'chain'),
  });
  cleanups.push(repo.dispose);
  const engine = await standardEngine(repo.dir, opts);
  cleanups.push(() => engine.shutdown(5000));
  return engine;
}

function chainInputs(n = 1) {
  const m = simpleInputs(n, 2);
  return new Map([
    ['A', m.get('INPUT0')!],
    ['C', m.get('INPUT1')!],
  ]);
}

describe('Engine with pipelines', () => {
  // issue #15 section 1: a pipeline answers once per request, so it may not claim to be decoupled.
  it('refuses to load a pipeline whose config says decoupled', async () => {
    const engine = await pipelineEngine({
      controlMode: 'explicit',
      loadModels: ['simple', 'scale'],
    });
    const config = JSON.stringify({
      backend: 'pipeline',
      model_transaction_policy: { decoupled: true },
    });
    const err = await engine.load('chain', { config }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(
      /model 'chain': model_transaction_policy.decoupled is set, but backend 'pipeline' sends exactly one response per request/,
    );
  });

  it('loads the pipeline after its models and serves it as a model', async () => {
    const engine = await pipelineEngine();
    expect(engine.isModelReady('chain')).toBe(true);
    expect(engine.modelMetadata('chain')).toMatchObject({
      platform: 'ensemble',
      inputs: [
        { name: 'A', datatype: 'FP32', shape: [-1, 16] },
        { name: 'C', datatype: 'FP32', shape: [-1, 16] },
      ],
    });
    expect(engine.modelConfig('chain').max_batch_size).toBe(0);
    const res = await engine.infer({ modelName: 'chain', inputs: chainInputs(2), id: 'p1' });
    expect(res).toMatchObject({ id: 'p1', modelName: 'chain', modelVersion: '1' });
    const y = Array.from(res.outputs.get('Y')!.data as Float32Array);
    expect(y.slice(0, 4)).toEqual([8, 12, 16, 20]); // ((a + 2) * 2) * 2
    expect(res.outputs.get('Y')!.shape).toEqual([2, 16]);
  });

  it("sends steps through the models' own schedulers, so their statistics count them", async () => {
    const engine = await pipelineEngine();
    await Promise.all(
      Array.from({ length: 4 }, () => engine.infer({ modelName: 'chain', inputs: chainInputs() })),
    );
    const [v1] = engine.statistics('simple', 1);
    expect(v1!.inference_stats.success.count).toBe(4);
    const [chain] = engine.statistics('chain');
    expect(chain!.inference_stats.success.count).toBe(4);
    // The pipeline's own counts: one inference and one execution per request (it does not batch).
    expect(chain).toMatchObject({ inference_count: 4, execution_count: 4 });
    expect(chain!.last_inference).toBeGreaterThan(0);
    expect(chain!.batch_stats).toEqual([]);
    const steps = chain!.braid_steps as StepStatistics[];
    expect(steps.map(s => [s.step, s.target, s.ran.count, s.calls])).toEqual([
      ['add', "model 'simple' version 1", 4, 4],
      ['mul', "model 'simple' version 2", 4, 4],
      ['scale', "model 'scale'", 4, 4],
    ]);
    expect(steps.every(s => s.ran.ns > 0)).toBe(true);
    expect(engine.statistics('simple', 1)[0]).not.toHaveProperty('braid_steps');
  });

  it('in explicit mode, loading a pipeline loads the models it calls first', async () => {
    const engine = await pipelineEngine({ controlMode: 'explicit', loadModels: [] });
    expect(engine.isModelReady('simple')).toBe(false);
    await engine.load('chain');
    expect(['chain', 'simple', 'scale'].map(m => engine.isModelReady(m))).toEqual([
      true,
      true,
      true,
    ]);
    const res = await engine.infer({ modelName: 'chain', inputs: chainInputs() });
    expect(res.outputs.get('Y')!.shape).toEqual([1, 16]);
  });

  it('runs many pipeline requests concurrently and drains them on unload', async () => {
    const engine = await pipelineEngine();
    const all = await Promise.all(
      Array.from({ length: 16 }, () => engine.infer({ modelName: 'chain', inputs: chainInputs() })),
    );
    expect(all).toHaveLength(16);
    const inflight = Array.from({ length: 8 }, () =>
      engine.infer({ modelName: 'chain', inputs: chainInputs() }),
    );
    await engine.shutdown(5000);
    expect((await Promise.allSettled(inflight)).every(r => r.status === 'fulfilled')).toBe(true);
  });

  it('returns intermediate tensors and step timings on request', async () => {
    const engine = await pipelineEngine();
    const res = await engine.infer({
      modelName: 'chain',
      inputs: chainInputs(),
      parameters: { braid_debug: 'sum' },
    });
    expect([...res.outputs.keys()]).toContain('braid_debug.sum');
    expect(
      Array.from(res.outputs.get('braid_debug.sum')!.data as Float32Array).slice(0, 2),
    ).toEqual([2, 3]);
    expect(typeof res.parameters?.['braid_debug']).toBe('string');
  });

  // issue #11 section 1: a pipeline request was checked twice, against the config and again
  // against the plan; now once, as every model's, and the pipeline adds only what the config
  // cannot say (one size per symbol).
  it("checks a pipeline request against its config once, as any model's, before any step runs", async () => {
    const engine = await pipelineEngine();
    const { A, C } = Object.fromEntries(chainInputs()) as Record<'A' | 'C', Tensor>;
    const infer = (inputs: TensorMap) => engine.infer({ modelName: 'chain', inputs });
    await expect(infer(new Map([['A', A]]))).rejects.toThrow(
      "expected 2 inputs but got 1 inputs for model 'chain'; missing required input(s) 'C'",
    );
    await expect(
      infer(
        new Map([
          ['A', A],
          ['C', C],
          ['Q', A],
        ]),
      ),
    ).rejects.toThrow("unexpected inference input 'Q' for model 'chain'");
    const narrow: Tensor = { datatype: 'FP32', shape: [1, 15], data: new Float32Array(15) };
    await expect(
      infer(
        new Map([
          ['A', narrow],
          ['C', C],
        ]),
      ),
    ).rejects.toThrow(
      "unexpected shape for input 'A' of model 'chain': expected [-1,16], got [1,15]",
    );
    const two = chainInputs(2).get('A')!;
    await expect(
      infer(
        new Map([
          ['A', two],
          ['C', C],
        ]),
      ),
    ).rejects.toThrow("input 'C' of pipeline 'chain': axis 0 is B = 1, but input 'A' has B = 2");
    expect(engine.statistics('chain')[0]!.inference_stats.fail.count).toBe(4);
    const simple = engine.statistics('simple', 1)[0]!.inference_stats;
    expect(simple.success.count + simple.fail.count).toBe(0);
  });
});
