/**
 * @module The samples of a config's `model_warmup`, built at load as Triton builds them: zeros,
 * random values, or a file from the model's `warmup/` directory, one row per batch row, checked
 * against the config like any request.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeBytesElements } from '../core/bytes-elements.js';
import { dataTypeSize, fromConfigDataType, type DataType } from '../core/datatype.js';
import { EngineError, toEngineError } from '../core/errors.js';
import type { ModelConfig } from '../core/model-config.js';
import { modelRelativePath } from '../core/model-path.js';
import {
  elementCount,
  typedArrayFor,
  type Tensor,
  type TensorData,
  type TensorMap,
} from '../core/tensor.js';
import type { ModelWarmup, WarmupInput } from '../core/warmup-config.js';
import { prepareInputs } from './validate.js';

/** One sample ready to run: its name for logs and errors, its inputs, and how many runs. */
export interface WarmupSample {
  readonly name: string;
  readonly inputs: TensorMap;
  /** Runs per instance: the config's `count`, at least 1. */
  readonly runs: number;
}

/**
 * The samples of `config.model_warmup`, in order. Files are read from `<modelDir>/warmup/`.
 * Throws INVALID_ARG naming the model, the sample and the input when a sample cannot be built:
 * a file outside the model directory, unreadable, or of the wrong size; a batch size the model
 * does not take; an input the config does not declare, of another datatype or shape; a
 * required input missing. A sequence-batched model is refused: its control and state tensors
 * are the sequence batcher's, and a sample outside a sequence would not exercise them.
 *
 * @example
 * const samples = await readWarmupSamples('/models/simple', config);
 */
export async function readWarmupSamples(
  modelDir: string,
  config: ModelConfig,
): Promise<WarmupSample[]> {
  if (config.model_warmup.length === 0) return [];
  if (config.sequence_batching)
    throw new EngineError(
      'INVALID_ARG',
      `model '${config.name}': model_warmup is not supported with sequence_batching (a sample runs outside any sequence, without the control and state tensors the sequence batcher sets)`,
    );
  const out: WarmupSample[] = [];
  for (const [i, sample] of config.model_warmup.entries()) {
    const name = sample.name || `#${i}`;
    const where = `model '${config.name}': model_warmup '${name}'`;
    const inputs = await sampleInputs(modelDir, config, sample, where);
    out.push({ name, inputs, runs: Math.max(1, sample.count) });
  }
  return out;
}

async function sampleInputs(
  modelDir: string,
  config: ModelConfig,
  sample: ModelWarmup,
  where: string,
): Promise<TensorMap> {
  const batching = config.max_batch_size > 0;
  const rows = Math.max(1, sample.batch_size);
  if (rows > Math.max(1, config.max_batch_size))
    throw new EngineError(
      'INVALID_ARG',
      batching
        ? `${where}: batch_size ${rows} is over the model's max_batch_size ${config.max_batch_size}`
        : `${where}: batch_size ${rows} needs a model that batches; this one has max_batch_size 0, so use 1`,
    );
  const tensors = new Map<string, Tensor>();
  for (const [input, spec] of Object.entries(sample.inputs)) {
    const datatype = fromConfigDataType(spec.data_type) as DataType;
    const shape = batching ? [rows, ...spec.dims] : [...spec.dims];
    const at = `${where} input '${input}'`;
    try {
      const row = await rowData(modelDir, spec, datatype, at);
      tensors.set(input, { datatype, shape, data: repeatRows(row, rows) });
    } catch (e) {
      // Dims too large to allocate throw a RangeError; name the input like every other problem.
      throw e instanceof EngineError ? e : prefixed(e, `${at} of dims [${spec.dims.join(',')}]`);
    }
  }
  try {
    return prepareInputs(config, config.name, tensors).inputs;
  } catch (e) {
    throw prefixed(e, where);
  }
}

/** The values of one batch row of an input. */
async function rowData(
  modelDir: string,
  spec: WarmupInput,
  datatype: DataType,
  where: string,
): Promise<TensorData> {
  const count = elementCount(spec.dims);
  if (spec.input_data_file !== undefined) {
    const bytes = await readWarmupFile(modelDir, spec.input_data_file, where);
    return fileData(bytes, datatype, count, `${where}: input_data_file '${spec.input_data_file}'`);
  }
  if (datatype === 'BYTES') return Array.from({ length: count }, () => new Uint8Array(0));
  const data = new (typedArrayFor(datatype))(count);
  if (spec.random_data !== undefined) fillRandom(data, datatype);
  return data;
}

async function readWarmupFile(modelDir: string, name: string, where: string): Promise<Uint8Array> {
  const rel = modelRelativePath(name, { owner: where, field: 'input_data_file', from: 'warmup' });
  try {
    return await readFile(path.join(modelDir, rel));
  } catch (e) {
    throw toEngineError(e, 'INVALID_ARG', `${where}: cannot read input_data_file '${rel}'`);
  }
}

function fileData(bytes: Uint8Array, datatype: DataType, count: number, where: string): TensorData {
  if (datatype === 'BYTES') {
    try {
      return decodeBytesElements(bytes, count);
    } catch (e) {
      throw prefixed(e, where);
    }
  }
  const size = dataTypeSize(datatype)!;
  if (bytes.byteLength !== count * size)
    throw new EngineError(
      'INVALID_ARG',
      `${where} must hold ${count * size} bytes (${count} ${datatype} for dims), got ${bytes.byteLength}`,
    );
  // A copy of its own: typed arrays need an aligned offset, and file buffers may be pool slices.
  const own = new Uint8Array(bytes);
  return new (typedArrayFor(datatype))(own.buffer, 0, count);
}

/** Triton leaves random values unspecified; these stay valid for every datatype's usual use. */
function fillRandom(data: Exclude<TensorData, Uint8Array[]>, datatype: DataType): void {
  for (let i = 0; i < data.length; i++) {
    const r = Math.random();
    if (datatype === 'FP32' || datatype === 'FP64') data[i] = r;
    // FP16 and BF16 hold bit patterns: 0x3c00 is 1.0 in FP16 and 0x3f80 in BF16; keep the
    // exponent and randomise the mantissa's high bits, for values in [1, 2).
    else if (datatype === 'FP16') data[i] = 0x3c00 | Math.floor(r * 0x400);
    else if (datatype === 'BF16') data[i] = 0x3f80 | Math.floor(r * 0x80);
    else if (datatype === 'BOOL') data[i] = r < 0.5 ? 0 : 1;
    else if (data instanceof BigInt64Array || data instanceof BigUint64Array)
      data[i] = BigInt(Math.floor(r * 128));
    else data[i] = Math.floor(r * 128);
  }
}

/** `e` with `where` in front of its message, its code kept (INVALID_ARG for a non-engine error). */
function prefixed(e: unknown, where: string): EngineError {
  const err = toEngineError(e, 'INVALID_ARG');
  return new EngineError(err.code, `${where}: ${err.message}`, { cause: e });
}

/** `row` repeated `rows` times along a new first axis (Triton duplicates a sample's inputs). */
function repeatRows(row: TensorData, rows: number): TensorData {
  if (rows === 1) return row;
  if (Array.isArray(row)) return Array.from({ length: rows }, () => row).flat();
  const out = new (row.constructor as new (n: number) => typeof row)(row.length * rows);
  for (let r = 0; r < rows; r++) (out as Uint8Array).set(row as Uint8Array, r * row.length);
  return out;
}
