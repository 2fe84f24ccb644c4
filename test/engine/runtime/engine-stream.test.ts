// issue #15 section 1: the engine serves decoupled models through stream (clients and, for
// pipelines, the catalog) and refuses them on infer, which takes exactly one response.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJsBackend } from '../../../backends/js/index.js';
import { createOnnxRuntimeBackend } from '../../../backends/onnxruntime/index.js';
import type { InferResponse } from '../../../engine/core/request.js';
import type { TensorMap } from '../../../engine/core/tensor.js';
import { createEngine, type Engine } from '../../../engine/runtime/engine.js';
import { EXAMPLES, simpleInputs, tempRepository } from '../../support/repo.js';

const STREAMER = fileURLToPath(new URL('../../fixtures/js-models/streamer', import.meta.url));
let repo: Awaited<ReturnType<typeof tempRepository>>;
let engine: Engine;

beforeAll(async () => {
  repo = await tempRepository({ streamer: STREAMER, simple: path.join(EXAMPLES, 'simple') });
  engine = await createEngine({
    modelRepository: repo.dir,
    backends: [createJsBackend(), createOnnxRuntimeBackend()],
  });
}, 60_000);

afterAll(async () => {
  await engine?.shutdown();
  await repo?.dispose();
});

const text = (s: string): TensorMap =>
  new Map([['TEXT', { datatype: 'BYTES', shape: [1], data: [new TextEncoder().encode(s)] }]]);
const word = (r: InferResponse) =>
  new TextDecoder().decode((r.outputs.get('WORD')!.data as Uint8Array[])[0]);

describe('Engine.stream', () => {
  it('hands a decoupled model’s responses over in order, through the catalog as well', async () => {
    const got: InferResponse[] = [];
    await engine.stream({ modelName: 'streamer', inputs: text('a b'), id: 'e1' }, r => got.push(r));
    expect(got.map(r => [r.id, word(r)])).toEqual([
      ['e1', 'a'],
      ['e1', 'b'],
    ]);
    const viaCatalog: string[] = [];
    await engine.catalog().stream!({ modelName: 'streamer', inputs: text('c d e') }, r =>
      viaCatalog.push(word(r)),
    );
    expect(viaCatalog).toEqual(['c', 'd', 'e']);
  });

  it('answers a model that is not decoupled with its one response', async () => {
    const got: InferResponse[] = [];
    await engine.stream({ modelName: 'simple', modelVersion: 1, inputs: simpleInputs() }, r =>
      got.push(r),
    );
    expect(got.map(r => [...r.outputs.keys()])).toEqual([['OUTPUT0', 'OUTPUT1']]);
  });

  it('is the only way to a decoupled model: infer refuses it with UNSUPPORTED', async () => {
    await expect(engine.infer({ modelName: 'streamer', inputs: text('x') })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      message: expect.stringMatching(
        /model 'streamer' version 1 has the decoupled transaction policy/,
      ) as string,
    });
  });
});
