import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../../../../engine/cli/testing/npy.js';
import {
  loadTensor,
  readValues,
  resolvePointer,
} from '../../../../engine/cli/testing/tensor-source.js';
import { elements } from '../../../../engine/cli/testing/values.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'braid-sources-'));
  await writeFile(path.join(dir, 'image.png'), Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0, 255));
  await writeFile(
    path.join(dir, 'expected.json'),
    JSON.stringify({
      images: { 'a/b.png': ['one', 'two'] },
      t: { datatype: 'INT32', shape: [2, 1], data: [[4], [5]] },
    }),
  );
  await writeFile(
    path.join(dir, 'x.npy'),
    writeNpy({ datatype: 'FP64', shape: [4], data: Float64Array.of(1, 2, 3, 4) }),
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const ctx = () => ({ baseDir: dir, what: "input 'X'" });

describe('tensor sources', () => {
  it('read a file as one BYTES element, byte for byte', async () => {
    const t = await loadTensor({ datatype: 'BYTES', shape: [1], file: 'image.png' }, ctx());
    expect(t.shape).toEqual([1]);
    expect(Array.from((t.data as Uint8Array[])[0]!)).toEqual([0x89, 0x50, 0x4e, 0x47, 0, 255]);
    await expect(loadTensor({ datatype: 'FP32', file: 'image.png' }, ctx())).rejects.toThrow(
      "input 'X': image.png is read as raw bytes, which make a BYTES element, not FP32",
    );
  });

  it('pick a part of a JSON file with a pointer, ~1 standing for /', async () => {
    expect(await readValues({ file: 'expected.json#/images/a~1b.png' }, ctx())).toEqual({
      values: ['one', 'two'],
      shape: [2],
    });
    const t = await loadTensor({ file: 'expected.json#/t' }, ctx());
    expect(t).toMatchObject({ datatype: 'INT32', shape: [2, 1] });
    await expect(readValues({ file: 'expected.json#/images/nope' }, ctx())).rejects.toThrow(
      "input 'X' (expected.json#/images/nope): the JSON has nothing at '/images/nope' (no 'nope')",
    );
    expect(resolvePointer({ 'a~b': 1 }, '/a~0b', 'f')).toBe(1);
  });

  it('read .npy files, reshaping and converting to the written shape and datatype', async () => {
    const t = await loadTensor({ datatype: 'FP32', shape: [2, 2], file: 'x.npy' }, ctx());
    expect(t).toMatchObject({ datatype: 'FP32', shape: [2, 2] });
    expect(elements(t)).toEqual([1, 2, 3, 4]);
    await expect(loadTensor({ shape: [3], file: 'x.npy' }, ctx())).rejects.toThrow(
      "input 'X': shape [3] holds 3 element(s), the data is [4]",
    );
  });

  it('say what is missing or contradictory', async () => {
    await expect(loadTensor({ data: [1] }, ctx())).rejects.toThrow(
      "input 'X': datatype is missing (the data does not say it)",
    );
    await expect(loadTensor({ datatype: 'FP32', data: [1], file: 'x.npy' }, ctx())).rejects.toThrow(
      "input 'X': give data or file, not both",
    );
    await expect(loadTensor({ datatype: 'FP32', file: 'none.npy' }, ctx())).rejects.toThrow(
      `input 'X': cannot read ${path.join(dir, 'none.npy')}: no such file`,
    );
    await expect(loadTensor({ datatype: 'FP32', file: 'image.png#/a' }, ctx())).rejects.toThrow(
      'a #pointer picks a part of a JSON file only',
    );
  });
});
