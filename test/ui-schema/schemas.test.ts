import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ModelConfigSchema } from '../../engine/core/model-config.js';
import { generateSchemas, writeSchemas } from '../../ui-schema/generate.js';
import type { JsonSchema } from './mini-validator.js';
import { validate } from './mini-validator.js';

const UI_SCHEMA_DIR = fileURLToPath(new URL('../../ui-schema/', import.meta.url));
const generated = generateSchemas();
const modelSchema = JSON.parse(generated.get('model-config.schema.json') ?? 'null') as JsonSchema &
  Record<string, unknown>;

const TYPICAL = `# yaml-language-server: $schema=../../ui-schema/model-config.schema.json
name: simple
backend: onnxruntime
max_batch_size: 8
version_policy: { specific: { versions: [1, 3] } }
input:
  - name: INPUT0
    data_type: TYPE_FP32
    dims: [ 16 ]
  - name: SCALAR
    data_type: TYPE_INT64
    dims: [ 1 ]
    reshape: { shape: [] }
output:
  - name: OUTPUT0
    data_type: TYPE_FP32
    dims: [ -1, 16 ]
    label_filename: labels.txt
instance_group:
  - count: 2
    kind: KIND_GPU
    gpus: [ 0, 1 ]
dynamic_batching:
  preferred_batch_size: [ 4, 8 ]
  max_queue_delay_microseconds: 100
  priority_levels: 2
  default_priority_level: 1
  priority_queue_policy:
    1: { timeout_action: DELAY, max_queue_size: 16 }
parameters:
  intra_op_thread_count: { string_value: "2" }
metric_tags:
  team: search
`;

function withChange(patch: (c: Record<string, unknown>) => void): Record<string, unknown> {
  const c = parseYaml(TYPICAL) as Record<string, unknown>;
  patch(c);
  return c;
}

describe('ui-schema files', () => {
  it('are up to date with the zod schemas', async () => {
    for (const [file, text] of generated) {
      const committed = await readFile(path.join(UI_SCHEMA_DIR, file), 'utf8').catch(
        () => '(missing)',
      );
      expect(committed, `ui-schema is stale: run npm run schema (${file} differs)`).toBe(text);
    }
  });

  it('contain no schema that is no longer generated', async () => {
    const onDisk = (await readdir(UI_SCHEMA_DIR)).filter(f => f.endsWith('.schema.json'));
    expect(onDisk.sort(), 'ui-schema is stale: run npm run schema and delete old files').toEqual(
      [...generated.keys()].sort(),
    );
  });

  it('are generated identically every time', () => {
    expect(generateSchemas()).toEqual(generated);
    for (const text of generated.values()) expect(text.endsWith('}\n')).toBe(true);
  });
});

describe('writing the schemas', () => {
  it('writeSchemas writes every generated file into the folder', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'braid-schema-'));
    try {
      expect(await writeSchemas(out)).toEqual([...generated.keys()].map(f => path.join(out, f)));
      for (const [file, text] of generated)
        expect(await readFile(path.join(out, file), 'utf8')).toBe(text);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('running generate.ts directly writes into the folder given as argument', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'braid-schema-'));
    try {
      const script = path.join(UI_SCHEMA_DIR, 'generate.ts');
      const { stdout } = await promisify(execFile)(process.execPath, [
        '--import',
        'tsx',
        script,
        out,
      ]);
      expect(stdout).toContain(path.join(out, 'model-config.schema.json'));
      expect(await readFile(path.join(out, 'model-config.schema.json'), 'utf8')).toBe(
        generated.get('model-config.schema.json'),
      );
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

describe('model-config.schema.json', () => {
  it('starts with draft-07 $schema, $id, title and description', () => {
    expect(Object.keys(modelSchema).slice(0, 4)).toEqual([
      '$schema',
      '$id',
      'title',
      'description',
    ]);
    expect(modelSchema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(modelSchema.$id).toBe('urn:braid:schema:model-config');
    expect(modelSchema.title).toBe('Braid model configuration');
  });

  it('rejects unknown keys at every level and makes defaulted fields optional', () => {
    expect(modelSchema.additionalProperties).toBe(false);
    expect(modelSchema.required).toBeUndefined();
    const input = modelSchema.properties?.input?.items;
    expect(input?.additionalProperties).toBe(false);
    expect(input?.required).toEqual(['name', 'data_type', 'dims']);
    expect(modelSchema.properties?.dynamic_batching?.additionalProperties).toBe(false);
    expect(modelSchema.properties?.version_policy?.anyOf).toHaveLength(3);
  });

  it('lists the TYPE_* data types', () => {
    expect(modelSchema.properties?.input?.items?.properties?.data_type?.enum).toContain(
      'TYPE_STRING',
    );
  });

  it('accepts a typical config, as the server does', () => {
    const config = parseYaml(TYPICAL) as unknown;
    expect(validate(modelSchema, config)).toEqual([]);
    expect(ModelConfigSchema.safeParse(config).success).toBe(true);
    expect(validate(modelSchema, {})).toEqual([]);
  });

  it('rejects a misspelt key, as the server does', () => {
    const config = withChange(c => {
      c.max_batch_sise = c.max_batch_size;
      delete c.max_batch_size;
    });
    expect(validate(modelSchema, config)).toEqual(["$: unknown key 'max_batch_sise'"]);
    expect(ModelConfigSchema.safeParse(config).success).toBe(false);
  });

  it('rejects a misspelt nested key, a wrong enum value and a missing required field', () => {
    const nested = withChange(
      c => ((c.dynamic_batching as Record<string, unknown>).max_queue_delay = 5),
    );
    expect(validate(modelSchema, nested)).toEqual([
      "$.dynamic_batching: unknown key 'max_queue_delay'",
    ]);
    const badEnum = withChange(
      c => ((c.instance_group as Record<string, unknown>[])[0]!.kind = 'KIND_TPU'),
    );
    expect(validate(modelSchema, badEnum)).toEqual([
      '$.instance_group[0].kind: "KIND_TPU" is not one of the allowed values',
    ]);
    const noDims = withChange(c => delete (c.input as Record<string, unknown>[])[0]!.dims);
    expect(validate(modelSchema, noDims)).toEqual(["$.input[0]: missing required 'dims'"]);
  });

  it('rejects a version policy with two alternatives or none', () => {
    expect(validate(modelSchema, { version_policy: { all: {}, latest: {} } })).toEqual([
      '$.version_policy: matches no alternative',
    ]);
    expect(validate(modelSchema, { version_policy: { lates: {} } })).toEqual([
      '$.version_policy: matches no alternative',
    ]);
  });
});
