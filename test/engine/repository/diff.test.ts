import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffScans } from '../../../engine/repository/diff.js';
import type { RepositoryModel, RepositoryScan } from '../../../engine/repository/scan.js';
import { scanRepository } from '../../../engine/repository/scan.js';
import { addToTree, makeTree } from './tree.js';

function model(name: string, over: Partial<RepositoryModel> = {}): RepositoryModel {
  const versions = over.versions ?? [1];
  return {
    name,
    dir: `/repo/${name}`,
    versions,
    configFile: `/repo/${name}/config.yaml`,
    configFingerprint: 'c0',
    versionFingerprints: new Map(versions.map(v => [v, `v${v}`])),
    ...over,
  };
}

function scan(...models: RepositoryModel[]): RepositoryScan {
  return { root: '/repo', models: new Map(models.map(m => [m.name, m])) };
}

describe('diffScans', () => {
  it('reports nothing for identical scans', () => {
    expect(diffScans(scan(model('a'), model('b')), scan(model('a'), model('b')))).toEqual({
      added: [],
      removed: [],
      changed: [],
    });
  });

  it('reports added and removed models in name order', () => {
    const d = diffScans(
      scan(model('a'), model('z'), model('m')),
      scan(model('a'), model('y'), model('b')),
    );
    expect(d).toEqual({ added: ['b', 'y'], removed: ['m', 'z'], changed: [] });
  });

  it('reports a changed config fingerprint', () => {
    expect(
      diffScans(scan(model('a')), scan(model('a', { configFingerprint: 'c1' }))).changed,
    ).toEqual(['a']);
  });

  it('reports a config file that appeared or was replaced by another name', () => {
    const { configFile: _, ...noConfig } = model('a');
    expect(diffScans(scan(noConfig), scan(model('a'))).changed).toEqual(['a']);
    expect(
      diffScans(scan(model('a')), scan(model('a', { configFile: '/repo/a/config.json' }))).changed,
    ).toEqual(['a']);
  });

  it('reports a changed version set', () => {
    expect(
      diffScans(scan(model('a', { versions: [1] })), scan(model('a', { versions: [1, 2] })))
        .changed,
    ).toEqual(['a']);
    expect(
      diffScans(scan(model('a', { versions: [1, 2] })), scan(model('a', { versions: [1, 3] })))
        .changed,
    ).toEqual(['a']);
  });

  it('reports a changed version fingerprint', () => {
    const changed = model('a', {
      versions: [1, 2],
      versionFingerprints: new Map([
        [1, 'v1'],
        [2, 'other'],
      ]),
    });
    expect(diffScans(scan(model('a', { versions: [1, 2] })), scan(changed)).changed).toEqual(['a']);
  });

  it('ignores the directory path and object identity when nothing on disk changed', () => {
    expect(diffScans(scan(model('a')), scan(model('a', { dir: '/elsewhere/a' }))).changed).toEqual(
      [],
    );
  });

  it('detects a model file rewritten on disk between two real scans', async () => {
    const { root, cleanup } = await makeTree({ 'a/1/model.onnx': 'one', 'b/1/model.onnx': 'one' });
    try {
      const before = await scanRepository(root);
      await writeFile(path.join(root, 'a/1/model.onnx'), 'two!');
      await addToTree(root, { 'c/1/': '' });
      expect(diffScans(before, await scanRepository(root))).toEqual({
        added: ['c'],
        removed: [],
        changed: ['a'],
      });
    } finally {
      await cleanup();
    }
  });
});
