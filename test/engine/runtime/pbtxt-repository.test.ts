// issue #13 item 1: Triton repositories as they are (config.pbtxt read as Triton reads it).
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runValidate } from '../../../engine/cli/validate.js';
import { InMemoryLogger } from '../../../engine/core/logger.js';
import type { Engine, EngineOptions } from '../../../engine/runtime/engine.js';
import { standardEngine } from '../../support/engine.js';
import { ROOT, tempRepository } from '../../support/repo.js';

const TRITON_REPO = path.join(ROOT, 'test', 'fixtures', 'triton-repo');

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function repo(
  models: Record<string, string> = { simple: path.join(TRITON_REPO, 'simple') },
): Promise<string> {
  const r = await tempRepository(models);
  cleanups.push(r.dispose);
  return r.dir;
}

async function engineOver(dir: string, opts: Partial<EngineOptions> = {}): Promise<Engine> {
  const engine = await standardEngine(dir, opts);
  cleanups.push(() => engine.shutdown(5000));
  return engine;
}

async function reason(engine: Engine, model: string): Promise<string> {
  const rows = await engine.repositoryIndex(false);
  return rows.find(r => r.name === model)?.reason ?? '';
}

describe('a Triton model repository with config.pbtxt', () => {
  it('honours config.pbtxt: simple keeps max_batch_size 8 and gets no dynamic batcher', async () => {
    const engine = await engineOver(await repo());
    const config = engine.modelConfig('simple');
    expect(config.max_batch_size).toBe(8);
    expect(config.dynamic_batching).toBeUndefined();
    expect(config.platform).toBe('onnxruntime_onnx');
  });

  it('serves a config saved from Triton, pinned memory and all, warning once per field without effect', async () => {
    const dir = await repo();
    const file = path.join(dir, 'simple', 'config.pbtxt');
    await writeFile(
      file,
      (await readFile(file, 'utf8')) + 'optimization { input_pinned_memory { enable: true } }\n',
    );
    const logger = new InMemoryLogger();
    const engine = await engineOver(dir, { logger });
    expect(engine.isModelReady('simple')).toBe(true);
    const warnings = logger.lines.filter(e => e.msg === 'config field has no effect');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.fields).toMatchObject({ model: 'simple' });
    expect(String(warnings[0]!.fields['field'])).toMatch(
      /^simple\/config\.pbtxt:\d+:\d+: field 'optimization\.input_pinned_memory\.enable' has no effect/,
    );
  });

  // issue 15 §2: sequence models from config.pbtxt, as Triton's docs example writes them.
  it("serves Triton's simple_sequence config.pbtxt: control inputs, sequence parameters", async () => {
    const dir = await repo({
      simple_sequence: path.join(ROOT, 'examples/model_repository/simple_sequence'),
    });
    await rm(path.join(dir, 'simple_sequence', 'config.yaml'));
    const text =
      'name: "simple_sequence"\nbackend: "js"\nmax_batch_size: 8\nsequence_batching {\n' +
      '  direct { }\n  max_sequence_idle_microseconds: 5000000\n  control_input [\n' +
      '    { name: "START" control [ { kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1 ] } ] },\n' +
      '    { name: "READY" control [ { kind: CONTROL_SEQUENCE_READY int32_false_true: [ 0, 1 ] } ] }\n' +
      '  ]\n}\ninput [ { name: "INPUT" data_type: TYPE_INT32 dims: [ 1 ] } ]\n' +
      'output [ { name: "OUTPUT" data_type: TYPE_INT32 dims: [ 1 ] } ]\n' +
      'instance_group [ { kind: KIND_CPU } ]\n';
    await writeFile(path.join(dir, 'simple_sequence', 'config.pbtxt'), text);
    const engine = await engineOver(dir);
    expect(await reason(engine, 'simple_sequence')).toBe('');
    expect(engine.modelConfig('simple_sequence').sequence_batching?.control_input).toHaveLength(2);
    const infer = (value: number, parameters: Record<string, number | boolean>) =>
      engine.infer({
        modelName: 'simple_sequence',
        inputs: new Map([
          ['INPUT', { datatype: 'INT32', shape: [1, 1], data: Int32Array.of(value) }],
        ]),
        parameters,
      });
    const first = await infer(20, { sequence_id: 7, sequence_start: true });
    const next = await infer(5, { sequence_id: 7, sequence_end: true });
    expect([first, next].map(r => (r.outputs.get('OUTPUT')!.data as Int32Array)[0])).toEqual([
      21, 5,
    ]);
    await expect(infer(5, {})).rejects.toThrow(/'sequence_id'/);
  });

  it('with --strict-model-config, sees config.pbtxt as the config file', async () => {
    const engine = await engineOver(await repo(), { strictModelConfig: true });
    expect(engine.isModelReady('simple')).toBe(true);
  });

  it('refuses a directory with both config.pbtxt and config.yaml, naming both', async () => {
    const dir = await repo();
    await writeFile(path.join(dir, 'simple', 'config.yaml'), 'max_batch_size: 2\n');
    const engine = await engineOver(dir);
    expect(engine.isModelReady('simple')).toBe(false);
    const why = await reason(engine, 'simple');
    // Clients see repository-relative paths (issue #10 item 2).
    expect(why).toContain('simple/config.yaml');
    expect(why).toContain('simple/config.pbtxt');
  });

  it('braid validate reports the model with its config.pbtxt, not as auto-completed', async () => {
    const lines: string[] = [];
    const code = await runValidate([await repo()], l => lines.push(l));
    expect(lines).toContain('OK    simple: version(s) 1 (config.pbtxt)');
    expect(code).toBe(0);
  });

  it('serves an ensemble of two ONNX models from config.pbtxt, with the right numbers', async () => {
    const engine = await engineOver(TRITON_REPO);
    expect(['simple', 'mul_sub', 'add_mul'].map(m => engine.isModelReady(m))).toEqual([
      true,
      true,
      true,
    ]);
    const a = Float32Array.from({ length: 32 }, (_, i) => i % 16);
    const b = new Float32Array(32).fill(3);
    const res = await engine.infer({
      modelName: 'add_mul',
      inputs: new Map([
        ['A', { datatype: 'FP32', shape: [2, 16], data: a }],
        ['B', { datatype: 'FP32', shape: [2, 16], data: b }],
      ]),
    });
    // PRODUCT = (A + B) * (A - B) = A² - B²; TWICE_B = (A + B) - (A - B) = 2B.
    expect(Array.from(res.outputs.get('PRODUCT')!.data as Float32Array)).toEqual(
      Array.from(a, x => x * x - 9),
    );
    expect(Array.from(res.outputs.get('TWICE_B')!.data as Float32Array)).toEqual(
      new Array(32).fill(6),
    );
    expect(res.outputs.get('PRODUCT')!.shape).toEqual([2, 16]);
  });

  it('loads an ensemble after the models it calls in explicit mode, as Triton loads composing models', async () => {
    const engine = await engineOver(TRITON_REPO, { controlMode: 'explicit', loadModels: [] });
    expect(engine.isModelReady('simple')).toBe(false);
    await engine.load('add_mul');
    expect(['add_mul', 'simple', 'mul_sub'].map(m => engine.isModelReady(m))).toEqual([
      true,
      true,
      true,
    ]);
  });

  it("keeps an ensemble that does not fit its models UNAVAILABLE, with config.pbtxt's line and column", async () => {
    const dir = await repo({
      simple: path.join(TRITON_REPO, 'simple'),
      mul_sub: path.join(TRITON_REPO, 'mul_sub'),
      add_mul: path.join(TRITON_REPO, 'add_mul'),
    });
    const file = path.join(dir, 'add_mul', 'config.pbtxt');
    const text = await readFile(file, 'utf8');
    await writeFile(
      file,
      text.replace('key: "INPUT1" value: "difference"', 'key: "INPUT9" value: "difference"'),
    );
    const engine = await engineOver(dir);
    expect(engine.isModelReady('add_mul')).toBe(false);
    expect(await reason(engine, 'add_mul')).toContain(
      `add_mul/config.pbtxt:28:24: error: step 'mul_sub', tensor 'difference': model 'mul_sub' version 1 has no input 'INPUT9'`,
    );
  });
});
