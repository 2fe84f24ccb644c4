// issue #13 item 4: file: overrides written into a private temporary model directory, never
// outside it, and removed once nothing loaded from them serves the model.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OverrideModels } from '../../../engine/runtime/override-models.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('OverrideModels', () => {
  it('writes the files under <tmp>/<model>/ and scans them as a model with versions', async () => {
    const overrides = new OverrideModels();
    const written = await overrides.write(
      'm',
      new Map([
        ['file:1/model.onnx', bytes('a')],
        ['file:2/sub/x.bin', bytes('b')],
        ['file:labels.txt', bytes('c')],
      ]),
    );
    expect(written.model).toMatchObject({ name: 'm', versions: [1, 2] });
    expect(await readFile(path.join(written.model.dir, '2', 'sub', 'x.bin'), 'utf8')).toBe('b');
    expect(path.dirname(written.model.dir)).toBe(written.root);
    await overrides.discard(written);
    expect(existsSync(written.root)).toBe(false);
  });

  it.each([
    [
      'file:../escape.onnx',
      /file parameter 'file:\.\.\/escape\.onnx': '\.\.\/escape\.onnx' leaves the model directory/,
    ],
    ['file:1/../../escape.onnx', /leaves the model directory/],
    ['file:/etc/passwd', /'\/etc\/passwd' is an absolute path/],
    ['file:', /file parameter 'file:' names no file/],
  ])('refuses %s, naming it, and leaves nothing behind', async (key, message) => {
    await expect(new OverrideModels().write('m', new Map([[key, bytes('x')]]))).rejects.toThrow(
      message,
    );
  });

  it('refuses a model name that is not one path segment, and two parameters for one file', async () => {
    await expect(
      new OverrideModels().write('../m', new Map([['file:1/a', bytes('x')]])),
    ).rejects.toThrow(/must be one path segment/);
    const clash = new Map([
      ['file:1/a', bytes('x')],
      ['file:1/./a', bytes('y')],
    ]);
    await expect(new OverrideModels().write('m', clash)).rejects.toThrow(
      /cannot be written as a model directory \(EEXIST\)/,
    );
  });

  it('keeps the directory of the load that serves the model, removing the one it replaced and on release', async () => {
    const overrides = new OverrideModels();
    const first = await overrides.write('m', new Map([['file:1/a', bytes('x')]]));
    await overrides.adopt('m', first);
    const second = await overrides.write('m', new Map([['file:1/a', bytes('y')]]));
    await overrides.adopt('m', second);
    expect([existsSync(first.root), existsSync(second.root)]).toEqual([false, true]);
    await overrides.release('m');
    expect(existsSync(second.root)).toBe(false);
  });
});
