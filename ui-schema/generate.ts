/**
 * @module Generates the JSON Schemas in ui-schema/ from the zod schemas of the model config and
 * pipeline files (`npm run schema`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { ModelConfigSchema } from '../engine/core/model-config.js';
import { PipelineFileSchema } from '../pipelines/schema.js';
import { PipelineTestFileSchema } from '../pipelines/test-file-schema.js';

/** Identity of one generated schema document. */
export interface SchemaMeta {
  readonly $id: string;
  readonly title: string;
  readonly description: string;
}

/**
 * Turns a zod schema into the text of a JSON Schema document for writers of the file: fields with
 * defaults are optional (`io: 'input'`). Draft-07, because the YAML language server (VS Code's
 * YAML extension) validates with a draft-07 validator and reports newer `$schema` values as
 * unknown (redhat-developer/yaml-language-server#856). `$schema`, `$id`, `title` and
 * `description` come first; the rest keeps the zod declaration order, so the output is stable.
 *
 * @example
 * const meta = { $id: 'urn:braid:schema:model-config', title: 'T', description: 'D' };
 * schemaDocument(ModelConfigSchema, meta);
 */
export function schemaDocument(schema: z.ZodType, meta: SchemaMeta): string {
  const { $schema, ...body } = z.toJSONSchema(schema, { io: 'input', target: 'draft-7' });
  const doc = { $schema, $id: meta.$id, title: meta.title, description: meta.description, ...body };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/**
 * Generates every JSON Schema Braid publishes, keyed by file name.
 *
 * @example
 * generateSchemas().get('model-config.schema.json'); // '{\n  "$schema": ...'
 */
export function generateSchemas(): Map<string, string> {
  return new Map([
    [
      'model-config.schema.json',
      schemaDocument(ModelConfigSchema, {
        $id: 'urn:braid:schema:model-config',
        title: 'Braid model configuration',
        description:
          'config.yaml (or config.json) of a model in a Braid model repository: ' +
          "<repo>/<model>/config.yaml. Field names and meanings follow Triton's " +
          'model_config.proto; fields left out get their defaults or are auto-completed from ' +
          'the model file.',
      }),
    ],
    [
      'pipeline.schema.json',
      schemaDocument(PipelineFileSchema, {
        $id: 'urn:braid:schema:pipeline',
        title: 'Braid pipeline',
        description:
          'pipeline.yaml of a pipeline in a Braid model repository: ' +
          '<repo>/<pipeline>/<version>/pipeline.yaml. Typed inputs and outputs with symbolic ' +
          'dimensions, and steps that call models or JS/TS modules, with when: guards, map: ' +
          'fan-out, early returns, timeouts, retries and error policies.',
      }),
    ],
    [
      'pipeline-test.schema.json',
      schemaDocument(PipelineTestFileSchema, {
        $id: 'urn:braid:schema:pipeline-test',
        title: 'Braid pipeline test',
        description:
          'A test file run by `braid test`: <repo>/<pipeline>/tests/*.test.yaml. Cases send ' +
          'inputs (literal, files, .npy, .json) to a pipeline or model and check its outputs ' +
          '(values with tolerances, shapes, bounds, strings, golden snapshots), the way it ' +
          'went (steps: ran, skipped, returned, ...), errors and latency; stubs replace the ' +
          'models it calls with fixed outputs, modules, faults or delays.',
      }),
    ],
  ]);
}

/**
 * Writes every generated schema into `outDir`; returns the paths written.
 *
 * @example
 * await writeSchemas('ui-schema');
 */
export async function writeSchemas(outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const [file, text] of generateSchemas()) {
    const target = path.join(outDir, file);
    await writeFile(target, text);
    written.push(target);
  }
  return written;
}

const script = process.argv[1];
const invokedDirectly =
  script !== undefined && import.meta.url === pathToFileURL(path.resolve(script)).href;
if (invokedDirectly) {
  const outDir = process.argv[2] ?? path.dirname(fileURLToPath(import.meta.url));
  for (const file of await writeSchemas(outDir)) process.stdout.write(`wrote ${file}\n`);
}
