/**
 * @module `braid convert`: rewrites a model config between Triton's config.pbtxt and Braid's
 * YAML or JSON, keeping comments where it can.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../core/errors.js';
import { PbtxtSyntaxError, pbtxtToYaml, yamlToPbtxt } from '../repository/index.js';
import { parse } from './args.js';

/** Help text of `braid convert`. */
export const CONVERT_HELP = `Usage: braid convert FILE [--output OUT]

Converts a model config between Triton's config.pbtxt and Braid's config.yaml, either way, keeping
comments where it can: FILE ending in .pbtxt becomes YAML; .yaml, .yml or .json becomes pbtxt.
Fields are checked against Triton's model_config.proto, not against what Braid serves: 'braid
validate' says which fields a model may not use. Writes to stdout, or to OUT (--output, -o).
A model directory holds one config file: remove the other once converted.
`;

/**
 * Runs `braid convert`; returns the exit code (0 done, 1 the file cannot be converted, 2 usage).
 *
 * @example
 * await runConvert(['models/simple/config.pbtxt', '-o', 'models/simple/config.yaml'], console.log);
 */
export async function runConvert(argv: string[], print: (text: string) => void): Promise<number> {
  const { values, positionals } = parse(argv, {
    output: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  const file = positionals[0];
  if (values.help || !file || positionals.length > 1) {
    print(CONVERT_HELP);
    return values.help ? 0 : 2;
  }
  const toYaml = file.endsWith('.pbtxt');
  if (!toYaml && !/\.(ya?ml|json)$/.test(file)) {
    print(
      `braid convert: cannot tell the format of '${file}': expected a name ending in .pbtxt, .yaml, .yml or .json`,
    );
    return 2;
  }
  if (values.output !== undefined && path.resolve(values.output) === path.resolve(file)) {
    print(
      `braid convert: --output '${values.output}' is the input file; write the conversion elsewhere`,
    );
    return 2;
  }
  let converted: string;
  try {
    const text = await readFile(file, 'utf8');
    converted = toYaml ? pbtxtToYaml(text) : yamlToPbtxt(text);
  } catch (e) {
    print(`braid convert: ${describe(e, file)}`);
    return 1;
  }
  if (values.output === undefined) print(converted.replace(/\n$/, ''));
  else await writeFile(values.output, converted);
  return 0;
}

function describe(e: unknown, file: string): string {
  if (e instanceof PbtxtSyntaxError) return `${file}:${e.line}:${e.col}: ${e.reason}`;
  if ((e as NodeJS.ErrnoException).code === 'ENOENT') return `${file}: no such file`;
  if (e instanceof EngineError || e instanceof Error) return `${file}: ${e.message}`;
  return `${file}: ${String(e)}`;
}
