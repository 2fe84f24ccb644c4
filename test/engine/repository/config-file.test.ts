import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/core/errors.js';
import {
  lineColAt,
  parseConfigText,
  readModelConfig,
} from '../../../engine/repository/config-file.js';
import { makeTree } from './tree.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map(c => c()));
});

async function modelDir(spec: Record<string, string>): Promise<string> {
  const { root, cleanup } = await makeTree(spec);
  cleanups.push(cleanup);
  return path.join(root, 'simple');
}

function syntaxError(text: string, file: string): EngineError {
  try {
    parseConfigText(text, file, 'simple');
  } catch (e) {
    if (e instanceof EngineError) return e;
    throw e;
  }
  throw new Error(`expected ${file} to fail`);
}

describe('readModelConfig', () => {
  it('returns an empty object and no file when the directory has no config', async () => {
    const dir = await modelDir({ 'simple/1/': '' });
    expect(await readModelConfig(dir)).toEqual({ raw: {} });
  });

  it('reads config.yaml with its path and text', async () => {
    const text =
      'max_batch_size: 8\ninput:\n  - name: X\n    data_type: TYPE_FP32\n    dims: [ -1 ]\n';
    const dir = await modelDir({ 'simple/config.yaml': text });
    expect(await readModelConfig(dir)).toEqual({
      raw: { max_batch_size: 8, input: [{ name: 'X', data_type: 'TYPE_FP32', dims: [-1] }] },
      file: path.join(dir, 'config.yaml'),
      source: text,
    });
  });

  it('reads config.yml and config.json', async () => {
    const yml = await modelDir({ 'simple/config.yml': 'backend: onnxruntime\n' });
    expect((await readModelConfig(yml)).raw).toEqual({ backend: 'onnxruntime' });
    const json = await modelDir({ 'simple/config.json': '{ "max_batch_size": 2 }' });
    expect(await readModelConfig(json)).toMatchObject({
      raw: { max_batch_size: 2 },
      file: path.join(json, 'config.json'),
    });
  });

  it('reads an empty YAML file as an empty object', async () => {
    const dir = await modelDir({ 'simple/config.yaml': '# only a comment\n' });
    expect((await readModelConfig(dir)).raw).toEqual({});
  });

  it('rejects two config files, naming both', async () => {
    const dir = await modelDir({ 'simple/config.yaml': '', 'simple/config.json': '{}' });
    const err = await readModelConfig(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('INVALID_ARG');
    expect((err as EngineError).message).toContain(path.join(dir, 'config.yaml'));
    expect((err as EngineError).message).toContain(path.join(dir, 'config.json'));
  });

  // issue #13 item 1
  it('reads config.pbtxt as Triton does, into the object the same config.yaml gives', async () => {
    const text =
      'name: "simple"\nmax_batch_size: 8\ninput [ { name: "X" data_type: TYPE_FP32 dims: [ -1 ] } ]\n';
    const dir = await modelDir({ 'simple/config.pbtxt': text });
    const yaml = await modelDir({
      'simple/config.yaml':
        'name: simple\nmax_batch_size: 8\ninput: [{ name: X, data_type: TYPE_FP32, dims: [-1] }]\n',
    });
    expect(await readModelConfig(dir)).toEqual({
      raw: (await readModelConfig(yaml)).raw,
      file: path.join(dir, 'config.pbtxt'),
      source: text,
    });
  });

  // issue #13 item 1
  it('rejects config.pbtxt beside config.yaml, naming both', async () => {
    const dir = await modelDir({
      'simple/config.yaml': 'max_batch_size: 4\n',
      'simple/config.pbtxt': 'max_batch_size: 8\n',
    });
    const err = await readModelConfig(dir).catch((e: unknown) => e);
    expect((err as EngineError).code).toBe('INVALID_ARG');
    expect((err as EngineError).message).toBe(
      `model 'simple': both ${path.join(dir, 'config.yaml')} and ${path.join(dir, 'config.pbtxt')} exist; keep only one config file`,
    );
  });

  it('reports a config.pbtxt syntax error, or a field model_config.proto lacks, as file:line:col', async () => {
    const dir = await modelDir({ 'simple/config.pbtxt': 'name: "simple"\ninput { nmae: "x" }\n' });
    const err = await readModelConfig(dir).catch((e: unknown) => e);
    expect((err as EngineError).code).toBe('INVALID_ARG');
    expect((err as EngineError).message).toBe(
      `model 'simple': config is not valid: ${path.join(dir, 'config.pbtxt')}:2:9: message type inference.ModelInput has no field named 'nmae'`,
    );
  });

  it('reports a YAML syntax error as file:line:col', async () => {
    const dir = await modelDir({
      'simple/config.yaml': 'name: simple\ninput:\n  - name: x\n   data_type: TYPE_FP32\n',
    });
    const err = await readModelConfig(dir).catch((e: unknown) => e);
    expect((err as EngineError).code).toBe('INVALID_ARG');
    expect((err as EngineError).message).toContain(`model 'simple'`);
    expect((err as EngineError).message).toMatch(
      new RegExp(`${path.join(dir, 'config.yaml')}:4:\\d+: `),
    );
  });
});

describe('parseConfigText: YAML errors', () => {
  it('points at tab indentation', () => {
    expect(syntaxError('input:\n\t- name: x\n', 'c.yaml').message).toMatch(
      /c\.yaml:2:1: Tabs are not allowed as indentation/,
    );
  });

  it('points at the line after an unclosed flow sequence', () => {
    expect(
      syntaxError('input:\n  - name: x\n    dims: [1\nbackend: x\n', 'c.yaml').message,
    ).toMatch(/c\.yaml:4:1: Flow sequence/);
  });

  it('reports a duplicate key at the second occurrence', () => {
    const err = syntaxError('max_batch_size: 1\nbackend: x\nmax_batch_size: 2\n', 'c.yaml');
    expect(err.message).toMatch(/c\.yaml:3:1: Map keys must be unique/);
  });

  it('lists every error, one per line', () => {
    const err = syntaxError('a: 1\na: 2\nb: [\n', 'c.yaml');
    expect(
      err.message.split('\n').filter(l => l.includes('c.yaml:')).length,
    ).toBeGreaterThanOrEqual(2);
  });
});

describe('parseConfigText: JSON errors', () => {
  it('points at an unexpected token', () => {
    expect(syntaxError('{\n  "a": 1,\n  "b": }\n', 'c.json').message).toMatch(
      /c\.json:3:8: Unexpected token/,
    );
  });

  it('points at an unquoted key', () => {
    expect(syntaxError('{\n  "a": 1,\n  b: 2\n}', 'c.json').message).toMatch(/c\.json:3:3: /);
  });

  it('points at a trailing comma', () => {
    expect(syntaxError('{"dims": [1, 2,]}', 'c.json').message).toMatch(/c\.json:1:16: /);
  });

  it('points just past the last character for truncated input', () => {
    expect(syntaxError('{\n  "a": [1, 2', 'c.json').message).toMatch(/c\.json:2:13: /);
  });

  it('points at garbage after the document', () => {
    expect(syntaxError('{"a": 1}\nx', 'c.json').message).toMatch(/c\.json:2:1: /);
  });

  it('rejects an empty JSON file at 1:1', () => {
    expect(syntaxError('', 'c.json').message).toMatch(/c\.json:1:1: /);
  });

  it('does not repeat the whole source in the message', () => {
    expect(syntaxError('{"secret-ish": }', 'c.json').message).not.toContain('secret-ish');
  });

  it('parses valid JSON as is', () => {
    expect(parseConfigText('{"a": [1, {"b": null}]}', 'c.json', 'm')).toEqual({
      a: [1, { b: null }],
    });
  });
});

describe('lineColAt', () => {
  it('counts lines and columns from 1', () => {
    expect(lineColAt('ab\ncd\n', 0)).toEqual({ line: 1, col: 1 });
    expect(lineColAt('ab\ncd\n', 4)).toEqual({ line: 2, col: 2 });
    expect(lineColAt('ab\ncd\n', 6)).toEqual({ line: 3, col: 1 });
  });
});
