import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createOnnxRuntimeBackend } from '../../../backends/onnxruntime/index.js';
import { SimulatedClock } from '../../../engine/core/clock.js';
import { InMemoryLogger } from '../../../engine/core/logger.js';
import { createEngine, type Engine, type EngineOptions } from '../../../engine/runtime/engine.js';
import { EXAMPLES, FIXTURES, simpleInputs, tempRepository } from '../../support/repo.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function engineFor(
  models: Record<string, string>,
  opts: Partial<EngineOptions> = {},
): Promise<{ engine: Engine; dir: string }> {
  const repo = await tempRepository(models);
  cleanups.push(repo.dispose);
  const engine = await createEngine({
    modelRepository: repo.dir,
    backends: [createOnnxRuntimeBackend()],
    ...opts,
  });
  cleanups.push(() => engine.shutdown(5000));
  return { engine, dir: repo.dir };
}

const simple = path.join(EXAMPLES, 'simple');

describe('Engine with ONNX Runtime', () => {
  it('serves both versions of simple, the latest by default', async () => {
    const { engine } = await engineFor({ simple });
    const v2 = await engine.infer({ modelName: 'simple', inputs: simpleInputs(1, 2), id: 'a' });
    expect(v2.modelVersion).toBe('2');
    expect(v2.id).toBe('a');
    expect(Array.from(v2.outputs.get('OUTPUT0')!.data as Float32Array).slice(0, 3)).toEqual([
      0, 2, 4,
    ]);
    const v1 = await engine.infer({
      modelName: 'simple',
      modelVersion: 1,
      inputs: simpleInputs(1, 2),
    });
    expect(Array.from(v1.outputs.get('OUTPUT0')!.data as Float32Array).slice(0, 3)).toEqual([
      2, 3, 4,
    ]);
    expect(engine.modelMetadata('simple').versions).toEqual(['2', '1']);
  });

  it('counts requests, inferences and executions in the statistics', async () => {
    const { engine } = await engineFor({ simple });
    await engine.infer({ modelName: 'simple', modelVersion: 1, inputs: simpleInputs(3) });
    await expect(
      engine.infer({ modelName: 'simple', modelVersion: 1, inputs: new Map() }),
    ).rejects.toThrow(/missing required input/);
    const [s] = engine.statistics('simple', 1);
    expect(s!.inference_stats.success.count).toBe(1);
    expect(s!.inference_stats.fail.count).toBe(1);
    expect(s!.inference_count).toBe(3);
    expect(s!.execution_count).toBe(1);
    expect(s!.batch_stats.map(b => b.batch_size)).toEqual([3]);
    expect(s!.last_inference).toBeGreaterThan(0);
  });

  it('keeps serving when one model fails to load, and reports why', async () => {
    const { engine } = await engineFor({ simple, corrupt: path.join(FIXTURES, 'corrupt') });
    const index = await engine.repositoryIndex(false);
    const corrupt = index.find(r => r.name === 'corrupt')!;
    expect(corrupt.state).toBe('UNAVAILABLE');
    expect(corrupt.reason).toMatch(/model\.onnx/);
    expect(engine.isReady()).toBe(false);
    expect(engine.isModelReady('simple')).toBe(true);
    await engine.infer({ modelName: 'simple', inputs: simpleInputs() });
  });

  it('auto-completes a model without config and batches it', async () => {
    const { engine } = await engineFor({ mlp: path.join(EXAMPLES, 'mlp') });
    const c = engine.modelConfig('mlp');
    expect(c.max_batch_size).toBe(4);
    expect(c.dynamic_batching).toBeDefined();
    expect(c.input[0]).toMatchObject({ name: 'x', data_type: 'TYPE_FP32', dims: [64] });
  });

  it('in explicit mode loads only what is named and lists the rest by name', async () => {
    const { engine } = await engineFor(
      { simple, mlp: path.join(EXAMPLES, 'mlp') },
      { controlMode: 'explicit', loadModels: ['mlp'] },
    );
    expect(await engine.repositoryIndex(false)).toEqual([
      { name: 'mlp', version: '1', state: 'READY' },
      { name: 'simple' },
    ]);
    await engine.load('simple');
    expect(engine.isModelReady('simple', 1)).toBe(true);
    await engine.unload('simple');
    expect(engine.isModelReady('simple')).toBe(false);
    await expect(
      engine.infer({ modelName: 'simple', inputs: simpleInputs() }),
    ).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('refuses load/unload in none mode', async () => {
    const { engine } = await engineFor({ simple });
    await expect(engine.load('simple')).rejects.toThrow(
      /not allowed if model control mode is none/,
    );
  });

  it('applies a config override on load and keeps the old model when an override is bad', async () => {
    const { engine } = await engineFor({ simple }, { controlMode: 'explicit', loadModels: ['*'] });
    const override = {
      ...engine.modelConfig('simple'),
      max_batch_size: 2,
      dynamic_batching: undefined,
      version_policy: { specific: { versions: [1] } },
    };
    await engine.load('simple', { config: JSON.stringify(override) });
    expect(engine.modelConfig('simple').max_batch_size).toBe(2);
    expect(engine.modelMetadata('simple').versions).toEqual(['1']);
    await expect(engine.load('simple', { config: '{"max_batch_size": "eight"}' })).rejects.toThrow(
      /max_batch_size/,
    );
    expect(engine.modelConfig('simple').max_batch_size).toBe(2);
  });

  it('loses no request while a model is reloaded and unloaded under traffic', async () => {
    const { engine } = await engineFor(
      { simple },
      { controlMode: 'explicit', loadModels: ['simple'] },
    );
    let stop = false;
    let ok = 0;
    const failures: unknown[] = [];
    const client = async () => {
      while (!stop) {
        try {
          await engine.infer({ modelName: 'simple', inputs: simpleInputs() });
          ok++;
        } catch (e) {
          failures.push(e);
        }
      }
    };
    const clients = Array.from({ length: 8 }, client);
    for (let i = 0; i < 3; i++) await engine.load('simple');
    stop = true;
    await Promise.all(clients);
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(0);

    // Requests accepted before an unload all finish successfully.
    const inflight = Array.from({ length: 16 }, () =>
      engine.infer({ modelName: 'simple', inputs: simpleInputs() }),
    );
    await engine.unload('simple');
    expect((await Promise.allSettled(inflight)).every(r => r.status === 'fulfilled')).toBe(true);
  });

  it('in poll mode picks up added, changed and removed models', async () => {
    const clock = new SimulatedClock();
    const logger = new InMemoryLogger();
    const { engine, dir } = await engineFor(
      { simple },
      { controlMode: 'poll', pollSecs: 1, clock, logger },
    );
    const changes = () => logger.lines.filter(l => l.msg === 'model repository changed').length;
    // The clock moves a poll interval at each look until a poll has seen the change (a poll still
    // applying the last change has no timer to fire), then the test waits until it is applied.
    const poll = async (seen: number, applied: () => boolean) => {
      const tick = () => (clock.advance(1000), changes());
      await expect.poll(tick, { timeout: 30_000 }).toBe(seen);
      await expect.poll(applied, { timeout: 30_000 }).toBe(true);
    };
    expect(engine.isModelReady('mlp')).toBe(false);
    const { cp, rm } = await import('node:fs/promises');
    await cp(path.join(EXAMPLES, 'mlp'), path.join(dir, 'mlp'), { recursive: true });
    expect(engine.isModelReady('mlp')).toBe(false);
    await poll(1, () => engine.isModelReady('mlp'));
    await writeFile(path.join(dir, 'mlp', 'config.yaml'), 'max_batch_size: 2\n');
    await poll(2, () => engine.modelConfig('mlp').max_batch_size === 2);
    await rm(path.join(dir, 'mlp'), { recursive: true });
    await poll(3, () => !engine.isModelReady('mlp'));
  });

  // issue #10 item 5
  it('is ready again once a model that failed to load is unloaded', async () => {
    const { engine } = await engineFor(
      { mlp: path.join(EXAMPLES, 'mlp') },
      { controlMode: 'explicit' },
    );
    expect(engine.isReady()).toBe(true);
    await expect(engine.load('mlp', { config: '{"backend":"evil"}' })).rejects.toMatchObject({
      code: 'INVALID_ARG',
    });
    expect(engine.isReady()).toBe(false);
    await engine.unload('mlp');
    expect(engine.isReady()).toBe(true);
  });

  // issue #10 item 10
  it('logs an invalid config.yaml at warning with file:line:col, at start-up', async () => {
    const logger = new InMemoryLogger();
    const repo = await tempRepository({ mlp: path.join(EXAMPLES, 'mlp') });
    cleanups.push(repo.dispose);
    await writeFile(path.join(repo.dir, 'mlp', 'config.yaml'), 'max_batch_size: [\n');
    const engine = await createEngine({
      modelRepository: repo.dir,
      backends: [createOnnxRuntimeBackend()],
      logger,
    });
    cleanups.push(() => engine.shutdown(5000));
    const warned = logger.lines.filter(l => l.level === 'warn' && l.fields['model'] === 'mlp');
    expect(warned).toHaveLength(1);
    expect(String(warned[0]!.fields['reason'])).toMatch(/mlp\/config\.yaml:\d+:\d+: /);
  });

  // issue #10 item 10
  it('logs an invalid config.yaml at warning in poll mode, while the old version keeps serving', async () => {
    const logger = new InMemoryLogger();
    const clock = new SimulatedClock();
    const { engine, dir } = await engineFor(
      { mlp: path.join(EXAMPLES, 'mlp') },
      { controlMode: 'poll', pollSecs: 1, clock, logger },
    );
    expect(engine.isModelReady('mlp')).toBe(true);
    await writeFile(path.join(dir, 'mlp', 'config.yaml'), 'max_batch_size: [\n');
    clock.advance(1000);
    const warned = () =>
      logger.lines.filter(l => l.level === 'warn' && l.fields['model'] === 'mlp');
    await expect.poll(() => warned().length, { timeout: 10_000 }).toBe(1);
    expect(String(warned()[0]!.fields['reason'])).toMatch(/mlp\/config\.yaml:\d+:\d+: /);
    expect(engine.isModelReady('mlp')).toBe(true);
  });
});
