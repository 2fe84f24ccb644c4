// issue #10 items 1 and 2: every file a config, a load override or a pipeline names stays inside
// its model's directory; nothing outside is opened, and clients never see absolute host paths.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { standardBackends } from '../../../engine/cli/backends.js';
import { InMemoryLogger } from '../../../engine/core/logger.js';
import { createEngine, type Engine } from '../../../engine/runtime/engine.js';
import { createApp } from '../../../engine/server/app.js';
import { expectError, post } from '../server/helpers.js';

// Importing it leaves a marker beside it: proof that it ran.
const OUTSIDE_JS = `import { writeFileSync } from 'node:fs';
writeFileSync(new URL('./ran-outside', import.meta.url), 'imported');
export const inputs = [{ name: 'a', datatype: 'INT32', shape: [-1] }];
export const outputs = [{ name: 'b', datatype: 'INT32', shape: [-1] }];
export function execute({ a }) { return { b: { datatype: 'INT32', shape: a.shape, data: a.data } }; }
`;
const MODEL_JS = `export const inputs = [{ name: 'a', datatype: 'INT32', shape: [-1] }];
export const outputs = [{ name: 'b', datatype: 'INT32', shape: [-1] }];
export function execute({ a }) { return { b: { datatype: 'INT32', shape: a.shape, data: a.data.map(v => v + 1) } }; }
`;
// A YAML file outside the repository whose keys a pipeline parse would list.
const OUTSIDE_YAML = 'dependencies:\n  secret: 1\n';

const pipeline = (module: string) => `inputs:
  a: { datatype: INT32, shape: [N] }
outputs:
  b: { datatype: INT32, shape: [N] }
steps:
  - name: step
    module: ${JSON.stringify(module)}
    inputs: { a: a }
    outputs: { b: b }
`;

interface Sandbox {
  /** Holds the repository and the files outside it. */
  readonly base: string;
  readonly repo: string;
  readonly marker: string;
  readonly outsideJs: string;
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function sandbox(
  files: Record<string, string>,
  links: Record<string, string> = {},
): Promise<Sandbox> {
  const base = await mkdtemp(path.join(tmpdir(), 'braid-escape-'));
  cleanups.push(() => rm(base, { recursive: true, force: true }));
  const repo = path.join(base, 'repo');
  // ES modules, as in a project whose package.json says so.
  await writeFile(path.join(base, 'package.json'), '{ "type": "module" }\n');
  await writeFile(path.join(base, 'outside.js'), OUTSIDE_JS);
  await writeFile(path.join(base, 'outside.yaml'), OUTSIDE_YAML);
  await writeFile(path.join(base, 'real-model.js'), MODEL_JS);
  const all = { 'echo/1/model.js': MODEL_JS, ...files };
  for (const [rel, text] of Object.entries(all)) {
    await mkdir(path.dirname(path.join(repo, rel)), { recursive: true });
    if (rel.endsWith('/')) await mkdir(path.join(repo, rel), { recursive: true });
    else await writeFile(path.join(repo, rel), text);
  }
  for (const [rel, target] of Object.entries(links)) {
    await mkdir(path.dirname(path.join(repo, rel)), { recursive: true });
    await symlink(target, path.join(repo, rel));
  }
  return {
    base,
    repo,
    marker: path.join(base, 'ran-outside'),
    outsideJs: path.join(base, 'outside.js'),
  };
}

async function engineOver(
  box: Sandbox,
  loadModels: string[] = [],
): Promise<{ engine: Engine; logger: InMemoryLogger }> {
  const logger = new InMemoryLogger();
  const engine = await createEngine({
    modelRepository: box.repo,
    backends: catalog => standardBackends(catalog, { logger }),
    controlMode: 'explicit',
    loadModels,
    logger,
  });
  cleanups.push(() => engine.shutdown(5000));
  return { engine, logger };
}

const input = () =>
  new Map([['a', { datatype: 'INT32' as const, shape: [2], data: Int32Array.of(1, 2) }]]);
const RULE = /must name a file inside the model directory/;

describe('files named by a load override', () => {
  it.each([
    ['a ".." path', '../../../outside.js'],
    ['an absolute path', 'ABS'],
  ])(
    'are refused over HTTP with 400 naming the field when they use %s, and nothing outside runs',
    async (_, name) => {
      const box = await sandbox({});
      const { engine } = await engineOver(box);
      const file = name === 'ABS' ? box.outsideJs : name;
      const config = JSON.stringify({ backend: 'js', default_model_filename: file });
      const res = await post(createApp(engine), '/v2/repository/models/echo/load', {
        parameters: { config },
      });
      const message = await expectError(res, 400);
      expect(message).toMatch(/default_model_filename/);
      expect(message).toMatch(RULE);
      expect(existsSync(box.marker)).toBe(false);
      expect(engine.isModelReady('echo')).toBe(false);
    },
  );

  it('refuse a model_warmup input_data_file outside the model directory, over HTTP with 400', async () => {
    const box = await sandbox({});
    const { engine } = await engineOver(box);
    const config = JSON.stringify({
      backend: 'js',
      max_batch_size: 0,
      input: [{ name: 'a', data_type: 'TYPE_INT32', dims: [-1] }],
      output: [{ name: 'b', data_type: 'TYPE_INT32', dims: [-1] }],
      model_warmup: [
        {
          name: 'w',
          inputs: {
            a: { data_type: 'TYPE_INT32', dims: [2], input_data_file: '../../../outside.yaml' },
          },
        },
      ],
    });
    const res = await post(createApp(engine), '/v2/repository/models/echo/load', {
      parameters: { config },
    });
    const message = await expectError(res, 400);
    expect(message).toMatch(/model_warmup 'w' input 'a'.*input_data_file/);
    expect(message).toMatch(RULE);
    expect(message).not.toContain(box.base);
    expect(engine.isModelReady('echo')).toBe(false);
  });

  it('still load a file the override names inside the model directory', async () => {
    const box = await sandbox({ 'echo/1/other.js': MODEL_JS });
    const { engine } = await engineOver(box);
    await engine.load('echo', {
      config: JSON.stringify({
        backend: 'js',
        max_batch_size: 0,
        default_model_filename: 'sub/../other.js',
      }),
    });
    const res = await engine.infer({ modelName: 'echo', inputs: input() });
    expect(Array.from(res.outputs.get('b')!.data as Int32Array)).toEqual([2, 3]);
  });

  it('give the same answer for a host file that exists and one that does not (no existence oracle)', async () => {
    const box = await sandbox({});
    const { engine } = await engineOver(box);
    const answer = async (file: string): Promise<string> => {
      const config = JSON.stringify({ backend: 'onnxruntime', default_model_filename: file });
      const err = await engine.load('echo', { config }).then(
        () => undefined,
        (e: Error) => e,
      );
      return err!.message.replaceAll(file, '<file>');
    };
    const present = await answer(path.join(box.base, 'outside.yaml'));
    const absent = await answer(path.join(box.base, 'no-such-file.onnx'));
    expect(present).toBe(absent);
    expect(present).not.toMatch(/exist|protobuf/i);
  });

  it('may name a symbolic link the repository holds, even one that points outside it', async () => {
    const box = await sandbox({}, { 'echo/1/linked.js': '../../../real-model.js' });
    const { engine } = await engineOver(box);
    await engine.load('echo', {
      config: JSON.stringify({ backend: 'js', default_model_filename: 'linked.js' }),
    });
    expect(engine.isModelReady('echo')).toBe(true);
  });
});

describe('files named by config.yaml', () => {
  it.each([
    ['a ".." path', '../../../outside.js'],
    ['an absolute path', 'ABS'],
  ])('are refused at load with the file, line and field when they use %s', async (_, name) => {
    const box = await sandbox({});
    const file = name === 'ABS' ? path.join(box.base, 'outside.js') : name;
    await writeFile(
      path.join(box.repo, 'echo', 'config.yaml'),
      `backend: js\ndefault_model_filename: ${JSON.stringify(file)}\n`,
    );
    const { engine } = await engineOver(box, ['echo']);
    const row = (await engine.repositoryIndex(false)).find(r => r.name === 'echo')!;
    expect(row.state).toBe('UNAVAILABLE');
    expect(row.reason).toMatch(/echo\/config\.yaml:2:\d+: default_model_filename: /);
    expect(row.reason).toMatch(RULE);
    expect(existsSync(box.marker)).toBe(false);
  });

  it('never get a pipeline file outside the repository parsed (no key listing)', async () => {
    const box = await sandbox({
      'pipe/config.yaml': 'backend: pipeline\ndefault_model_filename: ../../../outside.yaml\n',
      'pipe/1/': '',
    });
    const { engine } = await engineOver(box);
    const err = await engine.load('pipe').then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err!.message).toMatch(RULE);
    expect(err!.message).not.toMatch(/dependencies|unknown key/);
  });

  it('keep working when the model file is a symbolic link the repository holds', async () => {
    const box = await sandbox(
      { 'linked/config.yaml': 'backend: js\nmax_batch_size: 0\n' },
      { 'linked/1/model.js': '../../../real-model.js' },
    );
    const { engine } = await engineOver(box, ['linked']);
    const res = await engine.infer({ modelName: 'linked', inputs: input() });
    expect(Array.from(res.outputs.get('b')!.data as Int32Array)).toEqual([2, 3]);
  });
});

describe('modules named by a pipeline step', () => {
  it.each([
    ['a ".." path', '../../../outside.js'],
    ['an absolute path', 'ABS'],
  ])('are refused before the module is imported when they use %s', async (_, name) => {
    const box = await sandbox({});
    const module = name === 'ABS' ? path.join(box.base, 'outside.js') : name;
    await mkdir(path.join(box.repo, 'pipe', '1'), { recursive: true });
    await writeFile(path.join(box.repo, 'pipe', '1', 'pipeline.yaml'), pipeline(module));
    const { engine } = await engineOver(box);
    const err = await engine.load('pipe').then(
      () => undefined,
      (e: Error & { code: string }) => e,
    );
    expect(err!.code).toBe('INVALID_ARG');
    expect(err!.message).toMatch(/pipe\/1\/pipeline\.yaml:7:\d+: error: step 'step': module /);
    expect(err!.message).toMatch(RULE);
    expect(existsSync(box.marker)).toBe(false);
  });

  it('may be a symbolic link the repository holds', async () => {
    const box = await sandbox(
      { 'pipe/1/pipeline.yaml': pipeline('./step.js') },
      { 'pipe/1/step.js': '../../../real-model.js' },
    );
    const { engine } = await engineOver(box, ['pipe']);
    const res = await engine.infer({ modelName: 'pipe', inputs: input() });
    expect(Array.from(res.outputs.get('b')!.data as Int32Array)).toEqual([2, 3]);
  });
});

describe('load errors sent to clients', () => {
  it('name repository-relative paths, never the host path of the repository', async () => {
    const box = await sandbox({
      'broken/1/model.js': 'export const inputs = ;\n',
      'nofile/config.yaml': 'backend: js\n',
      'nofile/1/': '',
      'bad/config.yaml': 'max_batch_size: [\n',
      'bad/1/': '',
    });
    const { engine } = await engineOver(box, ['broken', 'nofile', 'bad']);
    const reasons = (await engine.repositoryIndex(false))
      .filter(r => r.reason !== undefined)
      .map(r => `${r.name}: ${r.reason}`);
    expect(reasons).toHaveLength(3);
    for (const r of reasons) expect(r).not.toContain(box.base);
    expect(reasons.join('\n')).toMatch(/bad\/config\.yaml:\d+:\d+/);
    expect(reasons.join('\n')).toMatch(/nofile\/1/);
    const err = await engine.load('broken').then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err!.message).not.toContain(box.base);
  });
});
