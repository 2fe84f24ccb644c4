import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GENERATED_MODEL_DIRS,
  generateModels,
  modelFiles,
} from '../../examples/tools/generate-models.js';
import { ModelConfigSchema } from '../../engine/core/model-config.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter(e => e.isFile()).map(e => relative(ROOT, join(e.parentPath, e.name)));
}

describe('examples:generate', () => {
  let scratch: string;
  let written: string[];

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'braid-models-'));
    written = await generateModels(scratch);
  });

  afterAll(() => rm(scratch, { recursive: true, force: true }));

  it('reproduces every committed model file byte for byte (run `npm run examples:generate` after changing the script)', async () => {
    for (const path of written) {
      const fresh = await readFile(join(scratch, path));
      const committed = await readFile(join(ROOT, path)).catch(() => undefined);
      expect(committed, `${path} is not committed`).toBeDefined();
      expect(Buffer.compare(fresh, committed!), `${path} differs from the generator's output`).toBe(
        0,
      );
    }
  });

  it('leaves no stray files in the model directories it owns', async () => {
    const committed = (
      await Promise.all(GENERATED_MODEL_DIRS.map(d => filesUnder(join(ROOT, d))))
    ).flat();
    expect(committed.sort()).toEqual([...written].sort());
  });

  it('keeps every committed model tiny', () => {
    for (const f of modelFiles()) expect(f.bytes.length, f.path).toBeLessThan(16 * 1024);
  });

  it('writes configs that the model config schema accepts, with the schema hint first', () => {
    for (const f of modelFiles().filter(x => x.path.endsWith('config.yaml'))) {
      const textContent = new TextDecoder().decode(f.bytes);
      const depth = f.path.split('/').length - 1;
      expect(textContent.split('\n')[0]).toBe(
        `# yaml-language-server: $schema=${'../'.repeat(depth)}ui-schema/model-config.schema.json`,
      );
      const config = ModelConfigSchema.parse(parse(textContent));
      expect(config.backend).toBe('onnxruntime');
    }
  });

  it("configures simple as the brief of Triton's example says", () => {
    const simple = modelFiles().find(
      f => f.path === 'examples/model_repository/simple/config.yaml',
    )!;
    const config = ModelConfigSchema.parse(parse(new TextDecoder().decode(simple.bytes)));
    expect(config).toMatchObject({
      name: 'simple',
      max_batch_size: 8,
      version_policy: { all: {} },
      instance_group: [{ count: 1, kind: 'KIND_CPU' }],
      dynamic_batching: { max_queue_delay_microseconds: 500 },
    });
    expect(config.input.map(i => [i.name, i.data_type, i.dims])).toEqual([
      ['INPUT0', 'TYPE_FP32', [16]],
      ['INPUT1', 'TYPE_FP32', [16]],
    ]);
  });
});
