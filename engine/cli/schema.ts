/**
 * @module `braid schema`: writes the JSON Schemas of Braid's config files, for editors.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateSchemas } from '../../ui-schema/generate.js';
import { parse } from './args.js';

/** Help text of `braid schema`. */
export const SCHEMA_HELP = `Usage: braid schema [--out DIR]

Writes the JSON Schemas of Braid's config files (model-config.schema.json) into DIR, or prints the
model config schema when --out is not given. Editors use them to validate and complete config.yaml.
`;

/**
 * Runs `braid schema`; returns the exit code.
 *
 * @example
 * await runSchema(['--out', 'ui-schema'], console.log);
 */
export async function runSchema(argv: string[], print: (line: string) => void): Promise<number> {
  const { values } = parse(argv, {
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    print(SCHEMA_HELP);
    return 0;
  }
  const schemas = generateSchemas();
  if (values.out === undefined) {
    print(schemas.get('model-config.schema.json') ?? '');
    return 0;
  }
  await mkdir(values.out, { recursive: true });
  for (const [file, text] of schemas) {
    await writeFile(path.join(values.out, file), text);
    print(`wrote ${path.join(values.out, file)}`);
  }
  return 0;
}
