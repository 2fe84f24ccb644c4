/**
 * The pipeline benchmark's model repository: four elementwise FP32 [B,16] ONNX models (add a
 * constant vector, multiply by one, add, multiply) and the pipeline `chain4` that runs them one
 * after another, generated under test/bench/.models-chain4/ (git-ignored; apart from .models/,
 * which other benchmarks serve whole). The models compute in microseconds, so what a request costs beyond them is the serving and orchestration around them.
 *
 * @module
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { createModelBuilder } from '../../examples/tools/onnx-builder.js';
import { testData } from './infer-bodies.js';

/** Elements per item of every tensor of the chain. */
export const CHAIN_FEATURES = 16;
/** Name of the pipeline, and its input and output. */
export const PIPELINE = { name: 'chain4', input: 'X', output: 'Y' } as const;
/** Input and output name of every step model. */
export const STEP_IO = { input: 'x', output: 'y' } as const;
/** Largest batch each step model accepts. */
export const STEP_MAX_BATCH = 64;
/** Default repository location. */
export const CHAIN_DIR = fileURLToPath(new URL('./.models-chain4/', import.meta.url));

/** One step model: `y = x <op> constant`, elementwise. */
export interface ChainStep {
  readonly model: string;
  readonly op: 'Add' | 'Mul';
  readonly constant: Float32Array;
}

// Multipliers stay in [0.5, 1.5) so values keep unit scale through the chain.
const factors = (seed: number) => testData(CHAIN_FEATURES, seed).map(v => 1 + v / 2);

/** The four steps, in pipeline order. */
export const CHAIN_STEPS: readonly ChainStep[] = [
  { model: 'chain_add_a', op: 'Add', constant: testData(CHAIN_FEATURES, 11) },
  { model: 'chain_mul_b', op: 'Mul', constant: factors(12) },
  { model: 'chain_add_c', op: 'Add', constant: testData(CHAIN_FEATURES, 13) },
  { model: 'chain_mul_d', op: 'Mul', constant: factors(14) },
];

/**
 * What one step returns for `x` (one or more items of {@link CHAIN_FEATURES}), in FP32.
 *
 * @example
 * applyStep(CHAIN_STEPS[0]!, new Float32Array(16)); // the constant of chain_add_a
 */
export function applyStep(step: ChainStep, x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = step.constant[i % CHAIN_FEATURES]!;
    out[i] = step.op === 'Add' ? x[i]! + c : x[i]! * c;
  }
  return out;
}

/**
 * The output of every step for pipeline input `x`: element k is what step k returns, the last
 * one the pipeline's output.
 *
 * @example
 * const y = expectedChain(x).at(-1);
 */
export function expectedChain(x: Float32Array): Float32Array[] {
  const outs: Float32Array[] = [];
  let value = x;
  for (const step of CHAIN_STEPS) {
    value = applyStep(step, value);
    outs.push(value);
  }
  return outs;
}

/** The ONNX model of one step. */
function stepModel(step: ChainStep): Uint8Array {
  const { input, output } = STEP_IO;
  return createModelBuilder(step.model)
    .input(input, 'FP32', ['batch', CHAIN_FEATURES])
    .output(output, 'FP32', ['batch', CHAIN_FEATURES])
    .initializer('c', [CHAIN_FEATURES], step.constant)
    .node(step.op, [input, 'c'], [output])
    .build();
}

/**
 * The config of one step model: dynamic batching with the given queue delay, one CPU instance
 * run on the server's main thread, as a model that computes in microseconds should.
 *
 * @example
 * stepConfig(CHAIN_STEPS[0]!, 0).dynamic_batching; // { max_queue_delay_microseconds: 0 }
 */
export function stepConfig(step: ChainStep, queueDelayUs: number): Record<string, unknown> {
  const tensor = (name: string) => ({ name, data_type: 'TYPE_FP32', dims: [CHAIN_FEATURES] });
  return {
    name: step.model,
    backend: 'onnxruntime',
    max_batch_size: STEP_MAX_BATCH,
    input: [tensor(STEP_IO.input)],
    output: [tensor(STEP_IO.output)],
    instance_group: [{ count: 1, kind: 'KIND_CPU' }],
    dynamic_batching: { max_queue_delay_microseconds: queueDelayUs },
    parameters: { execution_thread: { string_value: 'main' } },
  };
}

/**
 * The pipeline file: X → chain_add_a → chain_mul_b → chain_add_c → chain_mul_d → Y.
 *
 * @example
 * parse(pipelineYaml()).steps.length; // 4
 */
export function pipelineYaml(): string {
  const spec = { datatype: 'FP32', shape: ['B', CHAIN_FEATURES] };
  const last = CHAIN_STEPS.length - 1;
  const tensorAfter = (i: number) => (i === last ? PIPELINE.output : `t${i + 1}`);
  const steps = CHAIN_STEPS.map((s, i) => ({
    name: `s${i + 1}`,
    model: s.model,
    inputs: { [STEP_IO.input]: i === 0 ? PIPELINE.input : tensorAfter(i - 1) },
    outputs: { [STEP_IO.output]: tensorAfter(i) },
  }));
  const doc = {
    description: 'four elementwise steps in a chain (test/bench/pipeline-repository.ts)',
    inputs: { [PIPELINE.input]: spec },
    outputs: { [PIPELINE.output]: spec },
    steps,
  };
  return stringify(doc);
}

/** Writes `data` unless the file already holds exactly it (keeps reruns cheap). */
function writeIfChanged(file: string, data: Uint8Array | string): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  if (existsSync(file) && readFileSync(file).equals(bytes)) return;
  writeFileSync(file, bytes);
}

/** Options of {@link writePipelineRepository}. */
export interface PipelineRepositoryOptions {
  /** Where to write. Default {@link CHAIN_DIR}. */
  readonly dir?: string;
  /** `max_queue_delay_microseconds` of every step model. */
  readonly queueDelayUs: number;
}

/**
 * Generates (or refreshes) the repository: the four step models and `chain4/1/pipeline.yaml`.
 * Returns its directory.
 *
 * @example
 * const dir = writePipelineRepository({ queueDelayUs: 0 });
 * const braid = await startBraid(dir);
 */
export function writePipelineRepository(opts: PipelineRepositoryOptions): string {
  const dir = opts.dir ?? CHAIN_DIR;
  for (const step of CHAIN_STEPS) {
    mkdirSync(join(dir, step.model, '1'), { recursive: true });
    writeIfChanged(join(dir, step.model, '1', 'model.onnx'), stepModel(step));
    const config = stringify(stepConfig(step, opts.queueDelayUs));
    writeIfChanged(join(dir, step.model, 'config.yaml'), config);
  }
  mkdirSync(join(dir, PIPELINE.name, '1'), { recursive: true });
  writeIfChanged(join(dir, PIPELINE.name, '1', 'pipeline.yaml'), pipelineYaml());
  return dir;
}
