import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  candidateRepository,
  readModelConfigText,
} from '../../../../engine/cli/analyze/repository-copy.js';

const repo = mkdtempSync(path.join(tmpdir(), 'repo-copy-test-'));
mkdirSync(path.join(repo, 'm', '1'), { recursive: true });
mkdirSync(path.join(repo, 'm', '2'), { recursive: true });
writeFileSync(path.join(repo, 'm', 'config.json'), '{"max_batch_size": 4}');
writeFileSync(path.join(repo, 'm', 'labels.txt'), 'a\nb\n');
mkdirSync(path.join(repo, 'other', '1'), { recursive: true });
mkdirSync(path.join(repo, 'triton', '1'), { recursive: true });
writeFileSync(path.join(repo, 'triton', 'config.pbtxt'), '# batch up to 8\nmax_batch_size: 8\n');
afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe('candidateRepository', () => {
  it('links everything but the candidate config, and removes only its own files', async () => {
    expect(await readModelConfigText(repo, 'm')).toBe('{"max_batch_size": 4}');
    const copy = await candidateRepository(repo, 'm', 'max_batch_size: 8\n');
    expect(lstatSync(path.join(copy.dir, 'other')).isSymbolicLink()).toBe(true);
    expect(lstatSync(path.join(copy.dir, 'm')).isDirectory()).toBe(true);
    expect(readdirSync(path.join(copy.dir, 'm')).sort()).toEqual([
      '1',
      '2',
      'config.yaml',
      'labels.txt',
    ]);
    expect(lstatSync(path.join(copy.dir, 'm', '1')).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(copy.dir, 'm', 'config.yaml'), 'utf8')).toBe(
      'max_batch_size: 8\n',
    );
    await copy.dispose();
    expect(existsSync(copy.dir)).toBe(false);
    expect(readdirSync(path.join(repo, 'm')).sort()).toEqual([
      '1',
      '2',
      'config.json',
      'labels.txt',
    ]);
    expect(existsSync(path.join(repo, 'other', '1'))).toBe(true);
  });

  it('leaves a model without a config file without one, and names a missing model', async () => {
    const copy = await candidateRepository(repo, 'other', undefined);
    expect(readdirSync(path.join(copy.dir, 'other'))).toEqual(['1']);
    await copy.dispose();
    expect(await readModelConfigText(repo, 'other')).toBeUndefined();
    await expect(readModelConfigText(repo, 'ghost')).rejects.toThrow("model 'ghost': no directory");
  });

  // issue #13 item 1: a model configured by config.pbtxt is analyzed from it, in YAML.
  it('reads a config.pbtxt as YAML, and leaves it out of the candidate beside its config.yaml', async () => {
    expect(await readModelConfigText(repo, 'triton')).toBe(
      '# batch up to 8\n\nmax_batch_size: 8\n',
    );
    const copy = await candidateRepository(repo, 'triton', 'max_batch_size: 4\n');
    expect(readdirSync(path.join(copy.dir, 'triton')).sort()).toEqual(['1', 'config.yaml']);
    await copy.dispose();
  });
});
