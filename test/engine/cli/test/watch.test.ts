import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../../engine/core/clock.js';
import { watchDirectories, watchLoop } from '../../../../engine/cli/test/watch.js';
import type { ChangeSource } from '../../../../engine/cli/test/watch.js';

describe('--watch', () => {
  let dir: string;
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('runs, then runs again after each batch of changes', async () => {
    const batches = [['ocr/1/pipeline.yaml'], ['a', 'b', 'c', 'd', 'e', 'f']];
    const changes: ChangeSource = {
      next: () => Promise.resolve(batches.shift() ?? []),
      close: () => undefined,
    };
    const log: string[] = [];
    let runs = 0;
    await watchLoop({ run: async () => void runs++, changes, notify: l => log.push(l), rounds: 2 });
    expect(runs).toBe(2);
    expect(log.filter(l => l.includes('Changed'))).toEqual([
      '\nChanged: ocr/1/pipeline.yaml; running again\n',
      '\nChanged: a, b, c, d, e, and 1 more; running again\n',
    ]);
  });

  it('notices a file written under a watched directory, but not golden files', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'braid-watch-'));
    await mkdir(path.join(dir, 'ocr', 'tests', '__snapshots__'), { recursive: true });
    const changes = watchDirectories([dir], systemClock, 20);
    try {
      const next = changes.next();
      await writeFile(path.join(dir, 'ocr', 'tests', '__snapshots__', 'a.test.yaml.json'), '{}');
      await writeFile(path.join(dir, 'ocr', 'tests', 'a.test.yaml'), 'pipeline: ocr\n');
      expect(await next).toEqual([path.join('ocr', 'tests', 'a.test.yaml')]);
    } finally {
      changes.close();
    }
  });
});
