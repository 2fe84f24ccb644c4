import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnapshotFile } from '../../../../engine/cli/test/snapshots.js';
import { checkOutputs } from '../../../../engine/cli/testing/expect.js';
import type { Tensor, TensorMap } from '../../../../engine/core/tensor.js';
import { toTensor } from '../../../../engine/cli/testing/values.js';

let dir: string;
beforeAll(async () => (dir = await mkdtemp(path.join(tmpdir(), 'braid-snap-'))));
afterAll(() => rm(dir, { recursive: true, force: true }));

const outputs: TensorMap = new Map<string, Tensor>([
  ['F', toTensor('FP32', [4], [0.1, 1 / 3, NaN, -Infinity], 'f')],
  ['I', toTensor('INT64', [2], ['9007199254740993', 7], 'i')],
  [
    'B',
    {
      datatype: 'BYTES',
      shape: [2],
      data: [new TextEncoder().encode('héllo'), Uint8Array.of(0xff, 0xfe)],
    },
  ],
]);
const expected = { F: { snapshot: true }, I: { snapshot: true }, B: { snapshot: true } };

describe('snapshot files', () => {
  it('record on update and read back exactly: FP32 bits, NaN, infinities, 64-bit integers, binary strings', async () => {
    const testFile = path.join(dir, 'a.test.yaml');
    const recording = await SnapshotFile.open(testFile, { update: true });
    expect(
      await checkOutputs(outputs, expected, {
        baseDir: dir,
        snapshots: recording.forCase('case one'),
      }),
    ).toEqual([]);
    expect(await recording.save()).toBe(true);
    expect(await recording.save()).toBe(false);
    const text = await readFile(path.join(dir, '__snapshots__', 'a.test.yaml.json'), 'utf8');
    expect(text).toContain(
      '"I": { "datatype": "INT64", "shape": [2], "data": ["9007199254740993",7] }',
    );
    expect(text).toContain('{"base64":"//4="}');
    const reading = await SnapshotFile.open(testFile, { update: false });
    expect(
      await checkOutputs(outputs, expected, {
        baseDir: dir,
        snapshots: reading.forCase('case one'),
      }),
    ).toEqual([]);
    const changed: TensorMap = new Map([
      ...outputs,
      ['F', toTensor('FP32', [4], [0.1, 0.34, NaN, -Infinity], 'f')],
    ]);
    expect(
      (
        await checkOutputs(changed, expected, {
          baseDir: dir,
          snapshots: reading.forCase('case one'),
        })
      )[0],
    ).toBe("output 'F': snapshot: 1 of 4 element(s) differ (atol 0, rtol 0)");
    expect(
      await checkOutputs(
        outputs,
        { F: { snapshot: true } },
        { baseDir: dir, snapshots: reading.forCase('case two') },
      ),
    ).toEqual([
      "output 'F': no snapshot is recorded for it yet; run braid test --update to record the current value",
    ]);
  });
});
