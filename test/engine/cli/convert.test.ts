// issue #13 item 1: `braid convert` moves a config between config.pbtxt and config.yaml, either way.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runConvert } from '../../../engine/cli/convert.js';
import { parseConfigText } from '../../../engine/repository/config-file.js';
import { parseModelConfig } from '../../../engine/repository/config-parse.js';
import { parsePbtxtConfig } from '../../../engine/repository/pbtxt/config.js';
import { yamlToPbtxt } from '../../../engine/repository/pbtxt/to-pbtxt.js';
import { pbtxtToYaml } from '../../../engine/repository/pbtxt/to-yaml.js';
import { EXAMPLES, ROOT } from '../../support/repo.js';

const TRITON_REPO = path.join(ROOT, 'test', 'fixtures', 'triton-repo');

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function convert(args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await runConvert(args, t => out.push(t));
  return { code, out: out.join('\n') };
}

async function exampleConfigs(): Promise<string[]> {
  const names = await readdir(EXAMPLES);
  const found = await Promise.all(
    names.map(n =>
      readFile(path.join(EXAMPLES, n, 'config.yaml'), 'utf8').then(
        () => n,
        () => undefined,
      ),
    ),
  );
  return found
    .filter((n): n is string => n !== undefined)
    .map(n => path.join(EXAMPLES, n, 'config.yaml'));
}

const COMMENTED = `# header of the file
name: "simple"  # the model
max_batch_size: 8
# the inputs
input [
  { name: "INPUT0" data_type: TYPE_FP32 dims: [ 16 ] },
  # second input
  { name: "INPUT1" data_type: TYPE_FP32 dims: [ 16 ] }
]
parameters { key: "execution_thread" value { string_value: "main" } }  # on the event loop
version_policy { specific { versions: [ 1, 2 ] } }
# the end
`;

describe('converting config.pbtxt to config.yaml and back', () => {
  it('keeps every field, and the comments', () => {
    const yaml = pbtxtToYaml(COMMENTED);
    for (const c of [
      'header of the file',
      'the model',
      'the inputs',
      'second input',
      'on the event loop',
      'the end',
    ])
      expect(yaml).toContain(`# ${c}`);
    expect(parseYaml(yaml)).toEqual(parsePbtxtConfig(COMMENTED).raw);
    const back = yamlToPbtxt(yaml);
    expect(parsePbtxtConfig(back).raw).toEqual(parsePbtxtConfig(COMMENTED).raw);
    for (const c of [
      'header of the file',
      'the model',
      'the inputs',
      'second input',
      'on the event loop',
      'the end',
    ])
      expect(back).toContain(`# ${c}`);
  });

  it('gives configs that load to the same ModelConfig, for every model of the Triton fixture repository', async () => {
    for (const name of ['simple', 'mul_sub', 'add_mul']) {
      const text = await readFile(path.join(TRITON_REPO, name, 'config.pbtxt'), 'utf8');
      const load = (t: string, file: string) =>
        parseModelConfig(parseConfigText(t, file, name), { modelName: name });
      const yaml = pbtxtToYaml(text);
      expect(load(yaml, 'config.yaml')).toEqual(load(text, 'config.pbtxt'));
      expect(load(yamlToPbtxt(yaml), 'config.pbtxt')).toEqual(load(text, 'config.pbtxt'));
    }
  });

  it('round-trips every config.yaml of the example repository through config.pbtxt', async () => {
    const files = await exampleConfigs();
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) {
      const yaml = await readFile(file, 'utf8');
      const pbtxt = yamlToPbtxt(yaml);
      expect(parsePbtxtConfig(pbtxt).raw, file).toEqual(parseYaml(yaml));
      expect(parseYaml(pbtxtToYaml(pbtxt)), file).toEqual(parseYaml(yaml));
    }
  });

  it('writes strings with C escapes that read back the same', () => {
    const yaml =
      'parameters: { note: { string_value: "tab\\there \\"quoted\\" back\\\\slash é\\u0001" } }\n';
    expect(parsePbtxtConfig(yamlToPbtxt(yaml)).raw).toEqual(parseYaml(yaml));
  });

  it('names the line, column and field of what model_config.proto cannot hold', () => {
    expect(() => yamlToPbtxt('name: m\ninput:\n  - name: x\n    dimz: [1]\n')).toThrow(
      "4:5: message type inference.ModelInput has no field named 'dimz'",
    );
    expect(() => yamlToPbtxt('max_batch_size: eight\n')).toThrow(
      '1:17: expected an integer for field \'max_batch_size\', found "eight"',
    );
    expect(() => yamlToPbtxt('input: [{ data_type: FP32 }]\n')).toThrow(
      "1:22: unknown value 'FP32' for field 'data_type'",
    );
  });
});

describe('braid convert', () => {
  async function temp(name: string, text: string): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), 'braid-convert-'));
    dirs.push(dir);
    const file = path.join(dir, name);
    await writeFile(file, text);
    return file;
  }

  it('prints the YAML of a config.pbtxt, and writes the pbtxt of a config.yaml to --output', async () => {
    const pbtxt = await temp('config.pbtxt', COMMENTED);
    const printed = await convert([pbtxt]);
    expect(printed.code).toBe(0);
    expect(parseYaml(printed.out)).toEqual(parsePbtxtConfig(COMMENTED).raw);
    const yaml = await temp('config.yaml', printed.out);
    const out = path.join(path.dirname(yaml), 'out.pbtxt');
    expect(await convert([yaml, '-o', out])).toEqual({ code: 0, out: '' });
    expect(parsePbtxtConfig(await readFile(out, 'utf8')).raw).toEqual(
      parsePbtxtConfig(COMMENTED).raw,
    );
  });

  it('reports a file it cannot convert with its line and column, and refuses unclear requests', async () => {
    const bad = await temp('config.pbtxt', 'name: "m"\nnmae: "x"\n');
    expect(await convert([bad])).toEqual({
      code: 1,
      out: `braid convert: ${bad}:2:1: message type inference.ModelConfig has no field named 'nmae'`,
    });
    expect((await convert(['model.txt'])).code).toBe(2);
    expect((await convert([bad, '--output', bad])).out).toContain('is the input file');
    expect((await convert([])).code).toBe(2);
    expect((await convert([path.join(path.dirname(bad), 'none.yaml')])).out).toContain(
      'none.yaml: no such file',
    );
  });
});
