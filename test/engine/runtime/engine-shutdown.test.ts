import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../../../engine/core/backend.js';
import { SimulatedClock } from '../../../engine/core/clock.js';
import type { TensorMap } from '../../../engine/core/tensor.js';
import { createEngine } from '../../../engine/runtime/engine.js';
import { createPipelineBackend } from '../../../pipelines/index.js';
import { Gate } from '../core/scheduler.contract.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map(d => rm(d, { recursive: true, force: true })));
});

const IO = `inputs: { X: { datatype: FP32, shape: [B, 2] } }\noutputs: { Y: { datatype: FP32, shape: [B, 2] } }\n`;

/** `twice` (y = 2x, waiting at `gate`); pipeline `inner` calls it; pipeline `outer` calls `twice`, then `inner`. */
async function repository(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'braid-shutdown-'));
  dirs.push(dir);
  const write = async (name: string, file: string, text: string) => {
    await mkdir(path.join(dir, name, '1'), { recursive: true });
    await writeFile(path.join(dir, name, '1', file), text);
  };
  await write('twice', 'model.twice', '');
  await write(
    'inner',
    'pipeline.yaml',
    `${IO}steps:\n  - { name: a, model: twice, inputs: { x: X }, outputs: { y: Y } }\n`,
  );
  await write(
    'outer',
    'pipeline.yaml',
    `${IO}steps:\n  - { name: first, model: twice, inputs: { x: X }, outputs: { y: T } }\n  - { name: then, model: inner, inputs: { X: T }, outputs: { Y: Y } }\n`,
  );
  return dir;
}

function twiceBackend(gate: Gate): Backend {
  const sig = { datatype: 'FP32' as const, shape: [-1, 2] };
  return {
    name: 'twice',
    platforms: [],
    defaultModelFilename: 'model.twice',
    describe: () =>
      Promise.resolve({ inputs: [{ name: 'x', ...sig }], outputs: [{ name: 'y', ...sig }] }),
    createInstance: () =>
      Promise.resolve({
        async execute(inputs: TensorMap) {
          await gate.pass();
          const x = inputs.get('x')!;
          return new Map([['y', { ...x, data: (x.data as Float32Array).map(v => 2 * v) }]]);
        },
        dispose: () => Promise.resolve(),
      }),
  };
}

describe('Engine shutdown', () => {
  // issue #11 section 1: shutdown unloaded every pipeline at once, so a pipeline request still
  // running lost the pipeline it called next; now callers unload before what they call.
  it('lets a pipeline request accepted before shutdown reach the pipeline and model it calls next', async () => {
    const gate = new Gate();
    const engine = await createEngine({
      modelRepository: await repository(),
      clock: new SimulatedClock(),
      backends: catalog => [twiceBackend(gate), createPipelineBackend({ catalog })],
    });
    expect(['twice', 'inner', 'outer'].map(n => engine.isModelReady(n))).toEqual([
      true,
      true,
      true,
    ]);
    gate.hold();
    const running = engine.infer({
      modelName: 'outer',
      inputs: new Map([
        ['X', { datatype: 'FP32', shape: [1, 2], data: Float32Array.from([1, 2]) }],
      ]),
    });
    while (gate.waiting === 0) await new Promise<void>(resolve => setImmediate(resolve));
    const stopped = engine.shutdown();
    gate.open();
    const res = await running;
    expect(Array.from(res.outputs.get('Y')!.data as Float32Array)).toEqual([4, 8]);
    await stopped;
    expect(['twice', 'inner', 'outer'].map(n => engine.isModelReady(n))).toEqual([
      false,
      false,
      false,
    ]);
  });
});
