import { describe, expect, it } from 'vitest';
import { parseInputData } from '../../../../engine/cli/perf/input-data-file.js';
import { parseShapeFlag, requestShape } from '../../../../engine/cli/perf/input-shapes.js';
import { buildRequests } from '../../../../engine/cli/perf/inputs.js';
import type { RequestBuildOptions } from '../../../../engine/cli/perf/inputs.js';
import type { ModelInfo } from '../../../../engine/cli/perf/model-info.js';

const image: ModelInfo = {
  name: 'ocr',
  platform: 'onnxruntime_onnx',
  inputs: [
    { name: 'img', datatype: 'FP32', shape: [-1, 3, -1, 320] },
    { name: 'lang', datatype: 'BYTES', shape: [-1, 1] },
    { name: 'hint', datatype: 'INT64', shape: [-1, 2] },
  ],
  outputs: [{ name: 'text', datatype: 'BYTES', shape: [-1, 1] }],
  maxBatchSize: 8,
  optionalInputs: new Set(['hint']),
};

const opts = (o: Partial<RequestBuildOptions>): RequestBuildOptions => ({
  batchSize: 1,
  shapes: new Map(),
  data: 'zero',
  encoding: 'json',
  ...o,
});

type JsonBody = { inputs: { name: string; shape: number[]; datatype: string; data: unknown[] }[] };
const body = (b: Buffer) => JSON.parse(b.toString()) as JsonBody;

describe('shapes', () => {
  it('parses --shape, the last colon separating the dimensions', () => {
    expect(parseShapeFlag('a:b:3,48')).toEqual(['a:b', [3, 48]]);
    expect(() => parseShapeFlag('img')).toThrow(/NAME:d1,d2/);
    expect(() => parseShapeFlag('img:3,-1')).toThrow(/NAME:d1,d2/);
  });

  it('puts the batch first and fills variable dimensions from --shape', () => {
    const img = image.inputs[0]!;
    expect(requestShape(image, img, 4, [3, 48, 320])).toEqual([4, 3, 48, 320]);
    expect(() => requestShape(image, img, 1, undefined)).toThrow(
      "input 'img' of model 'ocr' has a variable dimension (shape [-1,3,-1,320]); give its dimensions with --shape img:d1,d2,...",
    );
    expect(() => requestShape(image, img, 1, [3, 48, 100])).toThrow(
      /expected dimensions like \[3,-1,320\]/,
    );
  });

  it('takes the metadata shape whole for a model that does not batch, or without a config', () => {
    const flat = {
      ...image,
      maxBatchSize: 0,
      inputs: [{ name: 'v', datatype: 'FP32', shape: [16] }],
    };
    expect(requestShape(flat, flat.inputs[0]!, 1, undefined)).toEqual([16]);
    const unknown = {
      ...image,
      maxBatchSize: undefined,
      inputs: [{ name: 'v', datatype: 'FP32', shape: [-1, 16] }],
    };
    expect(requestShape(unknown, unknown.inputs[0]!, 3, undefined)).toEqual([3, 16]);
  });
});

describe('buildRequests', () => {
  it('fills every required input, leaves optional ones out, and checks names and batch size', () => {
    const [req] = buildRequests(
      image,
      opts({ batchSize: 2, shapes: new Map([['img', [3, 8, 320]]]) }),
    );
    const inputs = body(req!.body).inputs;
    expect(inputs.map(i => [i.name, i.shape])).toEqual([
      ['img', [2, 3, 8, 320]],
      ['lang', [2, 1]],
    ]);
    expect(inputs[0]!.data).toHaveLength(2 * 3 * 8 * 320);
    expect(inputs[1]!.data).toEqual(['', '']);
    expect(() => buildRequests(image, opts({ batchSize: 9 }))).toThrow(
      "model 'ocr': batch size 9 exceeds max_batch_size 8",
    );
    expect(() => buildRequests(image, opts({ shapes: new Map([['nope', [1]]]) }))).toThrow(
      "--shape names input 'nope', which model 'ocr' does not have (inputs: img, lang, hint)",
    );
  });

  it('makes one request per data-file entry, inferring a single variable dimension from the values', () => {
    const file = JSON.stringify({
      data: [
        { img: { content: new Array(3 * 2 * 320).fill(0.5), shape: [3, 2, 320] }, lang: ['en'] },
        { img: new Array(3 * 4 * 320).fill(1), lang: [['fr']], hint: [1, 2] },
      ],
    });
    const reqs = buildRequests(image, opts({ data: parseInputData(file, 'f.json'), batchSize: 2 }));
    expect(reqs).toHaveLength(2);
    const [a, b] = reqs.map(r => body(r.body).inputs);
    expect(a!.map(i => i.shape)).toEqual([
      [2, 3, 2, 320],
      [2, 1],
    ]);
    expect(a![1]!.data).toEqual(['en', 'en']);
    expect(b!.map(i => i.name)).toEqual(['img', 'lang', 'hint']);
    expect(b![0]!.shape).toEqual([2, 3, 4, 320]);
    expect(b![2]!.data).toEqual([1, 2, 1, 2]);
  });

  it('names the input whose data-file values do not fit', () => {
    const data = parseInputData(
      JSON.stringify({ data: [{ img: { content: [1, 2, 3], shape: [3, 1, 320] }, lang: ['x'] }] }),
      'f.json',
    );
    expect(() => buildRequests(image, opts({ data }))).toThrow(
      "input data for 'img' of model 'ocr': 3 values, expected 960 per batch item (shape [1,3,1,320])",
    );
    const missing = parseInputData(
      JSON.stringify({ data: [{ img: new Array(960).fill(0) }] }),
      'f.json',
    );
    expect(() => buildRequests(image, opts({ data: missing }))).toThrow(
      "input data has no values for input 'lang' of model 'ocr'",
    );
  });

  it('refuses data files of the wrong shape', () => {
    expect(() => parseInputData('[1]', 'f.json')).toThrow(/expected \{"data"/);
    expect(() => parseInputData('{"data":[{"x":{"shape":[1]}}]}', 'f.json')).toThrow(
      /data\[0\]\.x: expected an array or \{"content"/,
    );
    expect(() => parseInputData('{', 'f.json')).toThrow(/input data f.json: not JSON/);
  });
});
