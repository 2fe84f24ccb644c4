// issue #15 section 1: a JS model answers a request with 0..n responses (execute as an async
// generator), and cancelling the request returns the generator.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createJsBackend } from '../../../backends/js/index.js';
import type { ModelFiles, ModelInstance } from '../../../engine/core/backend.js';
import { CancelSource } from '../../../engine/core/cancel.js';
import { EngineError } from '../../../engine/core/errors.js';
import { ModelConfigSchema } from '../../../engine/core/model-config.js';
import type { TensorMap } from '../../../engine/core/tensor.js';
import { WaitingLogger } from '../worker-host/host-harness.js';

const REPO = fileURLToPath(new URL('../../fixtures/js-models/', import.meta.url));
const backend = createJsBackend({ logger: new WaitingLogger() });
const opened: ModelInstance[] = [];
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function files(name: string): ModelFiles {
  const modelDir = path.join(REPO, name);
  const versionDir = path.join(modelDir, '1');
  return {
    modelName: name,
    version: 1,
    modelDir,
    versionDir,
    modelPath: path.join(versionDir, 'model.mjs'),
  };
}

async function open(name: string): Promise<ModelInstance> {
  const config = ModelConfigSchema.parse({
    name,
    backend: 'js',
    model_transaction_policy: { decoupled: true },
  });
  const inst = await backend.createInstance(config, files(name), {
    signal: new AbortController().signal,
    index: 0,
    instanceCount: 1,
    device: { kind: 'CPU' },
  });
  opened.push(inst);
  return inst;
}

function text(words: string, gate?: string): TensorMap {
  const m: TensorMap = new Map([
    ['TEXT', { datatype: 'BYTES', shape: [1], data: [encoder.encode(words)] }],
  ]);
  if (gate) m.set('GATE', { datatype: 'BYTES', shape: [1], data: [encoder.encode(gate)] });
  return m;
}

const word = (out: TensorMap) => decoder.decode((out.get('WORD')!.data as Uint8Array[])[0]);

afterAll(async () => {
  await Promise.all(opened.map(i => i.dispose()));
});

describe('a decoupled JS model', () => {
  it('sends each yielded result as one response, in order, and resolves after the last', async () => {
    const inst = await open('streamer');
    const got: string[] = [];
    await inst.executeDecoupled!(text('one two three'), { signal: new CancelSource() }, out =>
      got.push(word(out)),
    );
    expect(got).toEqual(['one', 'two', 'three']);
  });

  it('may send no response at all', async () => {
    const inst = await open('streamer');
    const got: TensorMap[] = [];
    await inst.executeDecoupled!(text('none'), { signal: new CancelSource() }, out =>
      got.push(out),
    );
    expect(got).toEqual([]);
  });

  it('fails the request with the error thrown after the responses already sent', async () => {
    const inst = await open('streamer');
    const got: string[] = [];
    const run = inst.executeDecoupled!(text('a b fail c'), { signal: new CancelSource() }, out =>
      got.push(word(out)),
    );
    await expect(run).rejects.toThrow(/execute\(\) threw Error: cannot say 'fail'/);
    expect(got).toEqual(['a', 'b']);
  });

  it('returns the generator when the request is cancelled mid-stream, and keeps its worker', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'braid-stream-'));
    try {
      const gate = path.join(dir, 'gate');
      const inst = await open('streamer');
      const cancel = new CancelSource();
      const got: string[] = [];
      let first!: () => void;
      const firstSent = new Promise<void>(resolve => (first = resolve));
      const run = inst.executeDecoupled!(text('w0 w1 w2', gate), { signal: cancel }, out => {
        got.push(word(out));
        first();
      });
      await firstSent;
      cancel.abort(new EngineError('CANCELLED', 'client went away'));
      await run;
      expect(got).toEqual(['w0']);
      expect(existsSync(`${gate}.returned`)).toBe(true);
      const again: string[] = [];
      await inst.executeDecoupled!(text('still here'), { signal: new CancelSource() }, out =>
        again.push(word(out)),
      );
      expect(again).toEqual(['still', 'here']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an iterator of responses from a model that is not decoupled', async () => {
    const config = ModelConfigSchema.parse({ name: 'streamer', backend: 'js' });
    const inst = await backend.createInstance(config, files('streamer'), {
      signal: new AbortController().signal,
      index: 0,
      instanceCount: 1,
      device: { kind: 'CPU' },
    });
    opened.push(inst);
    await expect(inst.execute(text('x'), { signal: new CancelSource() })).rejects.toThrow(
      /only a decoupled model may; set model_transaction_policy \{ decoupled: true \}/,
    );
  });
});
