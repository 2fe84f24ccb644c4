/**
 * The batching benchmark's model repository: one 512→2048→512 MLP served twice, as
 * `mlp_nobatch` (max_batch_size 64, no dynamic batching) and `mlp_batch` (the same plus
 * dynamic batching), generated under test/bench/.models/ (git-ignored).
 *
 * @module
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { buildMlp } from '../../examples/tools/onnx-builder.js';

/** Layer sizes and seed of the benchmark MLP. */
export const MLP_SHAPE = { inputSize: 512, hidden: 2048, outputSize: 512, seed: 7 } as const;
/** Largest batch either model accepts, and the number of concurrent clients of the benchmark. */
export const MLP_MAX_BATCH = 64;
/** Default repository location. */
export const MODELS_DIR = fileURLToPath(new URL('./.models/', import.meta.url));

/** Options of {@link writeMlpRepository}. */
export interface MlpRepositoryOptions {
  /** Where to write. Default {@link MODELS_DIR}. */
  readonly dir?: string;
  /** max_queue_delay_microseconds of `mlp_batch`. */
  readonly queueDelayUs: number;
  /** `intra_op_thread_count` of both models; absent: the backend's default share of the cores. */
  readonly intraOpThreads?: number;
}

/** What {@link writeMlpRepository} wrote. */
export interface MlpRepository {
  readonly dir: string;
  /** The ONNX bytes both models serve (for the in-process ceiling and output checks). */
  readonly model: Uint8Array;
}

/**
 * The config of one benchmark model; dynamic batching only when a queue delay is given.
 *
 * @example
 * mlpConfig('mlp_batch', 1000); // dynamic batching, default threads
 */
export function mlpConfig(
  name: string,
  queueDelayUs: number | undefined,
  intraOpThreads?: number,
): Record<string, unknown> {
  const threads = { intra_op_thread_count: { string_value: String(intraOpThreads) } };
  const batching = { max_queue_delay_microseconds: queueDelayUs };
  return {
    name,
    backend: 'onnxruntime',
    max_batch_size: MLP_MAX_BATCH,
    input: [{ name: 'x', data_type: 'TYPE_FP32', dims: [MLP_SHAPE.inputSize] }],
    output: [{ name: 'y', data_type: 'TYPE_FP32', dims: [MLP_SHAPE.outputSize] }],
    instance_group: [{ count: 1, kind: 'KIND_CPU' }],
    ...(queueDelayUs === undefined ? {} : { dynamic_batching: batching }),
    ...(intraOpThreads === undefined ? {} : { parameters: threads }),
  };
}

/** Writes `bytes` unless the file already holds exactly them (keeps reruns cheap). */
function writeIfChanged(file: string, bytes: Uint8Array | string): void {
  const data =
    typeof bytes === 'string'
      ? Buffer.from(bytes)
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (existsSync(file) && readFileSync(file).equals(data)) return;
  writeFileSync(file, data);
}

/**
 * Generates (or refreshes) the two-model repository and returns its path and the model bytes.
 *
 * @example
 * const { dir } = writeMlpRepository({ queueDelayUs: 1000 });
 */
export function writeMlpRepository(opts: MlpRepositoryOptions): MlpRepository {
  const dir = opts.dir ?? MODELS_DIR;
  const model = buildMlp(MLP_SHAPE);
  const models: [string, number | undefined][] = [
    ['mlp_nobatch', undefined],
    ['mlp_batch', opts.queueDelayUs],
  ];
  for (const [name, delay] of models) {
    mkdirSync(join(dir, name, '1'), { recursive: true });
    writeIfChanged(join(dir, name, '1', 'model.onnx'), model);
    const config = mlpConfig(name, delay, opts.intraOpThreads);
    writeIfChanged(join(dir, name, 'config.yaml'), stringify(config));
  }
  return { dir, model };
}
