// Triton's model_warmup: each instance runs the samples before the version is READY.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runValidate } from '../../../engine/cli/validate.js';
import { encodeBytesElements } from '../../../engine/core/bytes-elements.js';
import type { Engine } from '../../../engine/runtime/engine.js';
import { standardEngine } from '../../support/engine.js';
import { EXAMPLES, ROOT, simpleInputs, tempRepository } from '../../support/repo.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function repository(models: Record<string, string> = {}): Promise<string> {
  const r = await tempRepository(models);
  cleanups.push(r.dispose);
  return r.dir;
}

async function start(dir: string): Promise<Engine> {
  const engine = await standardEngine(dir);
  cleanups.push(() => engine.shutdown(5000));
  return engine;
}

async function reason(engine: Engine, model: string): Promise<string | undefined> {
  return (await engine.repositoryIndex(false)).find(r => r.name === model)?.reason;
}

// Counts its calls and answers what its first call saw, so a request shows what the instance
// that served it ran before. Throws on the text 'boom'.
const RECORDER = `let calls = 0;
let first;
export const inputs = [{ name: 'X', datatype: 'FP32', shape: [-1, 2] }, { name: 'TEXT', datatype: 'BYTES', shape: [-1, 1] }];
export const outputs = [{ name: 'CALLS', datatype: 'INT32', shape: [-1, 1] }, { name: 'FIRST', datatype: 'BYTES', shape: [-1, 1] }];
export function execute(i) {
  const text = i.TEXT.data.map(b => new TextDecoder().decode(b));
  if (text.includes('boom')) throw new Error('the sample says boom');
  calls += 1;
  first ??= JSON.stringify({ x: i.X.shape, xs: Array.from(i.X.data), text });
  const n = i.X.shape[0];
  return {
    CALLS: { datatype: 'INT32', shape: [n, 1], data: new Int32Array(n).fill(calls) },
    FIRST: { datatype: 'BYTES', shape: [n, 1], data: Array.from({ length: n }, () => first) },
  };
}
`;

async function recorder(dir: string, warmup: string, instances = 1): Promise<void> {
  const model = path.join(dir, 'recorder');
  await mkdir(path.join(model, '1'), { recursive: true });
  await mkdir(path.join(model, 'warmup'));
  await writeFile(path.join(model, '1', 'model.mjs'), RECORDER);
  const text = (s: string) => encodeBytesElements([new TextEncoder().encode(s)]);
  await writeFile(path.join(model, 'warmup', 'hello'), text('hello'));
  await writeFile(path.join(model, 'warmup', 'boom'), text('boom'));
  await writeFile(
    path.join(model, 'warmup', 'x'),
    new Uint8Array(Float32Array.of(1.5, 2.5).buffer),
  );
  await writeFile(
    path.join(model, 'config.yaml'),
    `backend: js
max_batch_size: 4
input: [{ name: X, data_type: TYPE_FP32, dims: [2] }, { name: TEXT, data_type: TYPE_STRING, dims: [1] }]
output: [{ name: CALLS, data_type: TYPE_INT32, dims: [1] }, { name: FIRST, data_type: TYPE_STRING, dims: [1] }]
instance_group: [{ count: ${instances}, kind: KIND_CPU }]
${warmup}`,
  );
}

function ask(engine: Engine): Promise<{ calls: number; first: unknown }> {
  const inputs = new Map([
    ['X', { datatype: 'FP32' as const, shape: [1, 2], data: Float32Array.of(7, 8) }],
    ['TEXT', { datatype: 'BYTES' as const, shape: [1, 1], data: [new TextEncoder().encode('q')] }],
  ]);
  return engine.infer({ modelName: 'recorder', inputs }).then(r => ({
    calls: (r.outputs.get('CALLS')!.data as Int32Array)[0]!,
    first: JSON.parse(new TextDecoder().decode((r.outputs.get('FIRST')!.data as Uint8Array[])[0])),
  }));
}

describe('model_warmup', () => {
  it('runs each sample count times on every instance, in order, before READY, uncounted', async () => {
    const dir = await repository();
    await recorder(
      dir,
      `model_warmup:
  - name: zeros
    batch_size: 2
    count: 3
    inputs:
      X: { data_type: TYPE_FP32, dims: [2], zero_data: true }
      TEXT: { data_type: TYPE_STRING, dims: [1], input_data_file: hello }
  - name: file
    inputs:
      X: { data_type: TYPE_FP32, dims: [2], input_data_file: x }
      TEXT: { data_type: TYPE_STRING, dims: [1], random_data: true }
`,
      2,
    );
    const engine = await start(dir);
    expect(engine.isModelReady('recorder')).toBe(true);
    expect(engine.statistics('recorder')[0]!.inference_count).toBe(0);
    // Both instances ran 3 + 1 warmup calls, the first one being sample 'zeros' with 2 rows.
    const answers = await Promise.all([ask(engine), ask(engine)]);
    for (const a of answers) {
      expect(a.calls).toBe(5);
      expect(a.first).toEqual({ x: [2, 2], xs: [0, 0, 0, 0], text: ['hello', 'hello'] });
    }
    expect(engine.statistics('recorder')[0]!.inference_count).toBe(2);
  });

  it('fails the load when a sample fails, naming the sample, the instance and the cause', async () => {
    const dir = await repository();
    await recorder(
      dir,
      `model_warmup:
  - name: bad
    inputs:
      X: { data_type: TYPE_FP32, dims: [2], random_data: true }
      TEXT: { data_type: TYPE_STRING, dims: [1], input_data_file: boom }
`,
    );
    const engine = await start(dir);
    expect(engine.isModelReady('recorder')).toBe(false);
    expect(await reason(engine, 'recorder')).toMatch(
      /model 'recorder': model_warmup 'bad' failed on instance 0 \(run 1 of 1\): .*the sample says boom/,
    );
  });

  it.each([
    [
      'a file outside the model directory',
      'X: { data_type: TYPE_FP32, dims: [2], input_data_file: ../../../../etc/passwd }',
      /model_warmup 's' input 'X'.*'..\/..\/..\/..\/etc\/passwd' leaves the model directory/,
    ],
    [
      'a file of the wrong size',
      'X: { data_type: TYPE_FP32, dims: [3], input_data_file: x }',
      /input_data_file 'x' must hold 12 bytes \(3 FP32 for dims\), got 8/,
    ],
    [
      'a missing file',
      'X: { data_type: TYPE_FP32, dims: [2], input_data_file: nothing }',
      /model_warmup 's' input 'X': cannot read input_data_file 'warmup\/nothing'/,
    ],
    [
      'an input the model does not have',
      'Y: { data_type: TYPE_FP32, dims: [2], zero_data: true }',
      /model_warmup 's': unexpected inference input 'Y'/,
    ],
    [
      'an input of another datatype',
      'X: { data_type: TYPE_INT32, dims: [2], zero_data: true }',
      /model_warmup 's': unexpected datatype INT32 for inference input 'X'/,
    ],
    [
      'an input with two sources',
      'X: { data_type: TYPE_FP32, dims: [2], zero_data: true, random_data: true }',
      /set exactly one of zero_data, random_data, input_data_file; got zero_data, random_data/,
    ],
  ])('refuses %s at load, before any instance runs', async (_, line, expected) => {
    const dir = await repository();
    await recorder(
      dir,
      `model_warmup:
  - name: s
    inputs:
      ${line}
      TEXT: { data_type: TYPE_STRING, dims: [1], zero_data: true }
`,
    );
    const engine = await start(dir);
    expect(engine.isModelReady('recorder')).toBe(false);
    expect(await reason(engine, 'recorder')).toMatch(expected);
  });

  it('refuses a batch_size over max_batch_size', async () => {
    const dir = await repository();
    await recorder(dir, 'model_warmup: [{ name: big, batch_size: 5 }]\n');
    const engine = await start(dir);
    expect(await reason(engine, 'recorder')).toMatch(
      /model_warmup 'big': batch_size 5 is over the model's max_batch_size 4/,
    );
  });

  it('warms an ONNX model at its full batch size, which then serves as before', async () => {
    const dir = await repository({ simple: path.join(EXAMPLES, 'simple') });
    const { readFile } = await import('node:fs/promises');
    const file = path.join(dir, 'simple', 'config.yaml');
    await writeFile(
      file,
      (await readFile(file, 'utf8')) +
        `model_warmup:
  - name: full
    batch_size: 8
    count: 2
    inputs:
      INPUT0: { data_type: TYPE_FP32, dims: [16], random_data: true }
      INPUT1: { data_type: TYPE_FP32, dims: [16], zero_data: true }
`,
    );
    const engine = await start(dir);
    expect(engine.isModelReady('simple')).toBe(true);
    expect(engine.statistics('simple').map(s => s.inference_count)).toEqual([0, 0]);
    const r = await engine.infer({
      modelName: 'simple',
      modelVersion: 1,
      inputs: simpleInputs(1, 2),
    });
    expect(Array.from(r.outputs.get('OUTPUT0')!.data as Float32Array).slice(0, 3)).toEqual([
      2, 3, 4,
    ]);
  });

  it('reads a Triton config.pbtxt sample and its warmup/ file; braid validate checks them', async () => {
    const dir = await repository({ simple: path.join(ROOT, 'test/fixtures/triton-repo/simple') });
    const { appendFile } = await import('node:fs/promises');
    await appendFile(
      path.join(dir, 'simple', 'config.pbtxt'),
      `model_warmup [
  {
    name: "sample"
    batch_size: 8
    inputs { key: "INPUT0" value { data_type: TYPE_FP32 dims: [ 16 ] input_data_file: "input0" } }
    inputs { key: "INPUT1" value { data_type: TYPE_FP32 dims: [ 16 ] zero_data: true } }
  }
]
`,
    );
    await mkdir(path.join(dir, 'simple', 'warmup'));
    const input0 = path.join(dir, 'simple', 'warmup', 'input0');
    await writeFile(input0, new Uint8Array(new Float32Array(16).fill(1).buffer));
    const lines: string[] = [];
    expect(await runValidate([dir], l => lines.push(l))).toBe(0);
    expect(lines).toContain('OK    simple: version(s) 1 (config.pbtxt)');
    const engine = await start(dir);
    expect(engine.isModelReady('simple')).toBe(true);

    await writeFile(input0, new Uint8Array(60));
    lines.length = 0;
    expect(await runValidate([dir], l => lines.push(l))).not.toBe(0);
    expect(lines.join('\n')).toMatch(
      /simple.*model_warmup 'sample' input 'INPUT0': input_data_file 'input0' must hold 64 bytes \(16 FP32 for dims\), got 60/,
    );
  });

  it('warms a decoupled model through its stream, dropping the responses', async () => {
    const dir = await repository({ word_streamer: path.join(EXAMPLES, 'word_streamer') });
    await mkdir(path.join(dir, 'word_streamer', 'warmup'));
    const words = encodeBytesElements([new TextEncoder().encode('warm up words')]);
    await writeFile(path.join(dir, 'word_streamer', 'warmup', 'words'), words);
    const { appendFile } = await import('node:fs/promises');
    await appendFile(
      path.join(dir, 'word_streamer', 'config.yaml'),
      'model_warmup: [{ name: w, count: 2, inputs: { text_input: { data_type: TYPE_STRING, dims: [1], input_data_file: words } } }]\n',
    );
    const engine = await start(dir);
    expect(engine.isModelReady('word_streamer')).toBe(true);
    const got: string[] = [];
    const text = [new TextEncoder().encode('a b')];
    await engine.stream(
      {
        modelName: 'word_streamer',
        inputs: new Map([['text_input', { datatype: 'BYTES', shape: [1], data: text }]]),
      },
      r =>
        got.push(new TextDecoder().decode((r.outputs.get('text_output')!.data as Uint8Array[])[0])),
    );
    expect(got).toEqual(['a', ' b']);
    expect(engine.statistics('word_streamer')[0]!.inference_count).toBe(1);
  });

  it('refuses model_warmup on a pipeline, whose steps take their own', async () => {
    const dir = await repository({ chain: path.join(ROOT, 'test/fixtures/pipeline-repo/chain') });
    await writeFile(path.join(dir, 'chain', 'config.yaml'), 'model_warmup: [{ name: w }]\n');
    const engine = await start(dir);
    expect(await reason(engine, 'chain')).toMatch(
      /model 'chain': model_warmup needs a model that runs on instances; backend 'pipeline'/,
    );
  });
});
