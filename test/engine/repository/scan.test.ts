import { symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isEngineError } from '../../../engine/core/errors.js';
import { isVersionDirName, scanRepository } from '../../../engine/repository/scan.js';
import { addToTree, makeTree } from './tree.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map(c => c()));
});

async function repo(spec: Record<string, string>): Promise<string> {
  const { root, cleanup } = await makeTree(spec);
  cleanups.push(cleanup);
  return root;
}

describe('isVersionDirName', () => {
  it('accepts positive integers without a leading zero', () => {
    expect(['1', '2', '10', '123456'].map(isVersionDirName)).toEqual([true, true, true, true]);
  });

  it('rejects 0, leading zeros, signs, fractions and words', () => {
    expect(
      ['0', '01', '007', '-1', '+1', '1.5', '1e3', 'abc', '', ' 1', '99999999999999999999'].map(
        isVersionDirName,
      ),
    ).toEqual(Array(11).fill(false));
  });
});

describe('scanRepository', () => {
  it('lists model directories in name order, skipping dot-directories and plain files', async () => {
    const root = await repo({
      'zeta/1/': '',
      'alpha/1/': '',
      '.git/1/': '',
      '.hidden/config.yaml': '',
      'README.md': '# repo',
    });
    const scan = await scanRepository(root);
    expect(scan.root).toBe(root);
    expect([...scan.models.keys()]).toEqual(['alpha', 'zeta']);
    expect(scan.models.get('alpha')?.dir).toBe(path.join(root, 'alpha'));
  });

  it('keeps only version directories named as positive integers, sorted numerically', async () => {
    const root = await repo({
      'm/1/': '',
      'm/2/': '',
      'm/10/': '',
      'm/0/': '',
      'm/01/': '',
      'm/abc/': '',
      'm/3': 'a file named like a version',
      'm/.4/': '',
    });
    const model = (await scanRepository(root)).models.get('m');
    expect(model?.versions).toEqual([1, 2, 10]);
    expect([...(model?.versionFingerprints.keys() ?? [])]).toEqual([1, 2, 10]);
  });

  it('reports a model with no version directories with an empty list', async () => {
    const root = await repo({ 'empty/config.yaml': 'max_batch_size: 1\n' });
    expect((await scanRepository(root)).models.get('empty')?.versions).toEqual([]);
  });

  it('finds the config file, preferring config.yaml, then config.yml, then config.json', async () => {
    const root = await repo({
      'a/config.json': '{}',
      'b/config.yml': '',
      'b/config.json': '{}',
      'c/config.yaml': '',
      'c/config.yml': '',
      'd/1/': '',
      'e/config.yaml/': '',
    });
    const models = (await scanRepository(root)).models;
    expect(models.get('a')?.configFile).toBe(path.join(root, 'a', 'config.json'));
    expect(models.get('b')?.configFile).toBe(path.join(root, 'b', 'config.yml'));
    expect(models.get('c')?.configFile).toBe(path.join(root, 'c', 'config.yaml'));
    expect(models.get('d')?.configFile).toBeUndefined();
    expect(models.get('e')?.configFile).toBeUndefined();
  });

  it('follows symbolic links to model directories', async () => {
    const target = await repo({ '1/model.onnx': 'x' });
    const root = await repo({ 'other/1/': '' });
    await symlink(target, path.join(root, 'linked'));
    const scan = await scanRepository(root);
    expect(scan.models.get('linked')?.versions).toEqual([1]);
  });

  it('throws NOT_FOUND naming a missing root', async () => {
    const root = await repo({});
    const missing = path.join(root, 'nope');
    const err = await scanRepository(missing).catch((e: unknown) => e);
    expect(isEngineError(err) && err.code).toBe('NOT_FOUND');
    expect((err as Error).message).toContain(missing);
  });

  it('throws NOT_FOUND when the root is a file', async () => {
    const root = await repo({ 'file.txt': 'x' });
    const err = await scanRepository(path.join(root, 'file.txt')).catch((e: unknown) => e);
    expect(isEngineError(err) && err.code).toBe('NOT_FOUND');
    expect((err as Error).message).toMatch(/not a directory/);
  });
});

describe('scanRepository fingerprints', () => {
  async function fingerprints(root: string): Promise<{ config: string; v1: string; v2: string }> {
    const m = (await scanRepository(root)).models.get('m');
    return {
      config: m?.configFingerprint ?? '',
      v1: m?.versionFingerprints.get(1) ?? '',
      v2: m?.versionFingerprints.get(2) ?? '',
    };
  }

  it('are stable when nothing changes', async () => {
    const root = await repo({
      'm/config.yaml': 'a: 1\n',
      'm/1/model.onnx': 'x',
      'm/2/model.onnx': 'y',
    });
    expect(await fingerprints(root)).toEqual(await fingerprints(root));
  });

  it('change for the one version whose file size changed', async () => {
    const root = await repo({
      'm/config.yaml': 'a: 1\n',
      'm/1/model.onnx': 'x',
      'm/2/model.onnx': 'y',
    });
    const before = await fingerprints(root);
    await writeFile(path.join(root, 'm/2/model.onnx'), 'longer');
    const after = await fingerprints(root);
    expect(after.v1).toBe(before.v1);
    expect(after.config).toBe(before.config);
    expect(after.v2).not.toBe(before.v2);
  });

  it('change when only the mtime changed', async () => {
    const root = await repo({ 'm/1/model.onnx': 'x', 'm/2/': '' });
    const before = await fingerprints(root);
    await utimes(path.join(root, 'm/1/model.onnx'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    expect((await fingerprints(root)).v1).not.toBe(before.v1);
  });

  it('see files two levels down in a version directory (model directories such as model.savedmodel)', async () => {
    const root = await repo({ 'm/1/model.savedmodel/saved_model.pb': 'x', 'm/2/': '' });
    const before = await fingerprints(root);
    await writeFile(path.join(root, 'm/1/model.savedmodel/saved_model.pb'), 'changed');
    expect((await fingerprints(root)).v1).not.toBe(before.v1);
  });

  it('cover the config and label files but not version directories', async () => {
    const root = await repo({ 'm/config.yaml': 'a: 1\n', 'm/1/model.onnx': 'x', 'm/2/': '' });
    const before = await fingerprints(root);
    await addToTree(root, { 'm/labels.txt': 'cat\ndog\n' });
    const withLabels = await fingerprints(root);
    expect(withLabels.config).not.toBe(before.config);
    await writeFile(path.join(root, 'm/config.yaml'), 'a: 12\n');
    expect((await fingerprints(root)).config).not.toBe(withLabels.config);
  });

  it('ignore dot-files such as editor swap files', async () => {
    const root = await repo({ 'm/config.yaml': 'a: 1\n', 'm/1/model.onnx': 'x', 'm/2/': '' });
    const before = await fingerprints(root);
    await addToTree(root, { 'm/.config.yaml.swp': 'x', 'm/1/.model.onnx.swp': 'x' });
    expect(await fingerprints(root)).toEqual(before);
  });
});
