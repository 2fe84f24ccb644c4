// issue 15 §2: stateful models (sequence batching) through the engine, ONNX and JS.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ParameterValue } from '../../../engine/core/request.js';
import type { Engine } from '../../../engine/runtime/engine.js';
import { standardEngine } from '../../support/engine.js';
import { ROOT, tempRepository } from '../../support/repo.js';

const EXAMPLES = path.join(ROOT, 'examples', 'model_repository');
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function engineOver(
  models: Record<string, string>,
): Promise<{ engine: Engine; dir: string }> {
  const r = await tempRepository(models);
  cleanups.push(r.dispose);
  return { engine: await start(r.dir), dir: r.dir };
}

async function start(dir: string): Promise<Engine> {
  const engine = await standardEngine(dir);
  cleanups.push(() => engine.shutdown(5000));
  return engine;
}

function infer(
  engine: Engine,
  model: string,
  value: number,
  parameters: Record<string, ParameterValue>,
) {
  return engine
    .infer({
      modelName: model,
      inputs: new Map([
        ['INPUT', { datatype: 'INT32', shape: [1, 1], data: Int32Array.of(value) }],
      ]),
      parameters,
    })
    .then(r => (r.outputs.get('OUTPUT')!.data as Int32Array)[0]);
}

describe('sequence models', () => {
  it('ONNX sequence_accumulator: implicit state gives each sequence its running sum', async () => {
    const { engine } = await engineOver({
      sequence_accumulator: path.join(EXAMPLES, 'sequence_accumulator'),
    });
    const m = 'sequence_accumulator';
    const a = [5, 3, 2];
    const b = [100, -1, -1];
    const results = await Promise.all(
      a.flatMap((_, i) => [
        infer(engine, m, a[i]!, { sequence_id: 1, sequence_start: i === 0, sequence_end: i === 2 }),
        infer(engine, m, b[i]!, {
          sequence_id: 'two',
          sequence_start: i === 0,
          sequence_end: i === 2,
        }),
      ]),
    );
    expect(results).toEqual([5, 100, 8, 99, 10, 98]);
    const stats = engine.statistics(m)[0]!;
    expect(stats.inference_count).toBe(6);
  });

  it('JS model with implicit state starting from an initial_state data_file', async () => {
    const { dir } = await engineOver({});
    const model = path.join(dir, 'js_acc');
    await mkdir(path.join(model, '1'), { recursive: true });
    await mkdir(path.join(model, 'initial_state'));
    await writeFile(
      path.join(model, 'initial_state', 'acc0'),
      new Uint8Array(Int32Array.of(40).buffer),
    );
    await writeFile(
      path.join(model, '1', 'model.mjs'),
      `export const inputs = [{ name: 'INPUT', datatype: 'INT32', shape: [-1, 1] }, { name: 'ACC', datatype: 'INT32', shape: [-1, 1] }];
export const outputs = [{ name: 'OUTPUT', datatype: 'INT32', shape: [-1, 1] }, { name: 'ACC_OUT', datatype: 'INT32', shape: [-1, 1] }];
export function execute(i) {
  const sum = i.INPUT.data.map((v, k) => v + i.ACC.data[k]);
  return { OUTPUT: { datatype: 'INT32', shape: i.INPUT.shape, data: sum }, ACC_OUT: { datatype: 'INT32', shape: i.INPUT.shape, data: sum.slice() } };
}
`,
    );
    await writeFile(
      path.join(model, 'config.yaml'),
      `backend: js
max_batch_size: 4
input: [{ name: INPUT, data_type: TYPE_INT32, dims: [1] }]
output: [{ name: OUTPUT, data_type: TYPE_INT32, dims: [1] }]
sequence_batching:
  state:
    - input_name: ACC
      output_name: ACC_OUT
      data_type: TYPE_INT32
      dims: [1]
      initial_state: [{ data_type: TYPE_INT32, dims: [1], data_file: acc0 }]
`,
    );
    const engine = await start(dir);
    const rows = await engine.repositoryIndex(false);
    expect(rows.find(r => r.name === 'js_acc')).toMatchObject({ state: 'READY' });
    expect(await infer(engine, 'js_acc', 2, { sequence_id: 9, sequence_start: true })).toBe(42);
    expect(await infer(engine, 'js_acc', 8, { sequence_id: 9, sequence_end: true })).toBe(50);
  });

  it('refuses a data_file outside the model directory at load', async () => {
    const { dir } = await engineOver({
      sequence_accumulator: path.join(EXAMPLES, 'sequence_accumulator'),
    });
    const file = path.join(dir, 'sequence_accumulator', 'config.yaml');
    const { readFile } = await import('node:fs/promises');
    const text = (await readFile(file, 'utf8')).replace(
      'zero_data: true',
      'data_file: ../../../etc/passwd',
    );
    await writeFile(file, text);
    const engine = await start(dir);
    expect(engine.isModelReady('sequence_accumulator')).toBe(false);
    const rows = await engine.repositoryIndex(false);
    expect(rows.find(r => r.name === 'sequence_accumulator')?.reason).toMatch(
      /leaves the model directory/,
    );
  });

  it('refuses sequence_batching on a pipeline, which schedules its own requests', async () => {
    const { dir } = await engineOver({
      chain: path.join(ROOT, 'test/fixtures/pipeline-repo/chain'),
    });
    await writeFile(path.join(dir, 'chain', 'config.yaml'), 'sequence_batching: {}\n');
    const engine = await start(dir);
    const rows = await engine.repositoryIndex(false);
    expect(rows.find(r => r.name === 'chain')?.reason).toMatch(
      /sequence_batching is set, but backend 'pipeline' schedules its own requests/,
    );
  });
});
