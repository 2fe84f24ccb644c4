import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { PipelineFileSchema } from '../../pipelines/schema.js';
import { generateSchemas } from '../../ui-schema/generate.js';
import { validate } from '../ui-schema/mini-validator.js';
import type { JsonSchema } from '../ui-schema/mini-validator.js';

const schema = JSON.parse(generateSchemas().get('pipeline.schema.json') ?? 'null') as JsonSchema;
const fixture = new URL('../fixtures/pipelines/scaled/1/pipeline.yaml', import.meta.url);

describe('the pipeline JSON Schema', () => {
  it('accepts what the zod schema accepts: the fixture pipeline', async () => {
    const doc: unknown = parseYaml(await readFile(fixture, 'utf8'));
    expect(PipelineFileSchema.safeParse(doc).success).toBe(true);
    expect(validate(schema, doc)).toEqual([]);
  });

  it('rejects misspelt keys and bad datatypes, as loading does', () => {
    const doc = {
      inputs: { X: { datatype: 'FLOAT', shape: [1] } },
      outputs: { Y: { datatype: 'FP32', shape: ['N'] } },
      steps: [{ name: 'a', model: 'm', timeout: 5 }],
    };
    expect(validate(schema, doc)).toEqual([
      '$.inputs.X.datatype: "FLOAT" is not one of the allowed values',
      "$.steps[0]: unknown key 'timeout'",
    ]);
    expect(PipelineFileSchema.safeParse(doc).success).toBe(false);
  });
});
