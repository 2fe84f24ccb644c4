/**
 * The in-process ceiling of the batching benchmark: the benchmark MLP run directly with
 * onnxruntime-node, with the session options the server's onnxruntime backend derives from the
 * same config, in a tight loop at a fixed batch size.
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import type { InferenceSession } from 'onnxruntime-node';
import { Tensor } from 'onnxruntime-node';
import { buildSessionOptions } from '../../backends/onnxruntime/index.js';
import { ModelConfigSchema } from '../../engine/core/model-config.js';

/** What one {@link measureInProcess} run measured. */
export interface CeilingResult {
  readonly batch: number;
  readonly calls: number;
  readonly itemsPerS: number;
  readonly msPerCall: number;
  /** The session options used, as the server would build them. */
  readonly sessionOptions: InferenceSession.SessionOptions;
}

/**
 * The session options `braid serve` uses for a config, with the cpu provider (the benchmark
 * models are KIND_CPU).
 *
 * @example
 * const options = serverSessionOptions(config, 'mlp_batch');
 */
export function serverSessionOptions(
  config: Record<string, unknown>,
  modelName: string,
): InferenceSession.SessionOptions {
  const parsed = ModelConfigSchema.parse(config);
  const base = buildSessionOptions(parsed, {
    modelName,
    cores: availableParallelism(),
    instanceCount: parsed.instance_group[0]?.count ?? 1,
    logId: `${modelName}:ceiling`,
  });
  return { ...base, executionProviders: ['cpu'] };
}

/**
 * Runs a one-input, one-output FP32 model once on `x` ([batch, features]) and returns the output.
 *
 * @example
 * const y = await runOnce(session, 'x', 'y', data, 1);
 */
export async function runOnce(
  session: InferenceSession,
  input: string,
  output: string,
  x: Float32Array,
  batch: number,
): Promise<Float32Array> {
  const feeds = { [input]: new Tensor('float32', x, [batch, x.length / batch]) };
  const result = await session.run(feeds);
  const y = result[output];
  if (!y) throw new Error(`in-process run: output '${output}' missing`);
  return y.data as Float32Array;
}

/** Options of {@link measureInProcess}. */
export interface InProcessOptions {
  readonly session: InferenceSession;
  readonly sessionOptions: InferenceSession.SessionOptions;
  readonly input: string;
  readonly features: number;
  readonly batch: number;
  readonly durationMs: number;
  readonly warmupMs: number;
}

async function loopFor(
  ms: number,
  step: () => Promise<unknown>,
): Promise<{ calls: number; elapsedMs: number }> {
  const start = performance.now();
  let calls = 0;
  let elapsedMs = 0;
  while (elapsedMs < ms) {
    await step();
    calls++;
    elapsedMs = performance.now() - start;
  }
  return { calls, elapsedMs };
}

/**
 * Runs the session back to back at a fixed batch size for `durationMs` after a warm-up and
 * reports items per second.
 *
 * @example
 * const common = { session, sessionOptions, input: 'x', features: 512 };
 * const r = await measureInProcess({ ...common, batch: 16, durationMs: 3000, warmupMs: 500 });
 */
export async function measureInProcess(opts: InProcessOptions): Promise<CeilingResult> {
  const x = new Float32Array(opts.batch * opts.features).fill(0.5);
  const feeds = { [opts.input]: new Tensor('float32', x, [opts.batch, opts.features]) };
  const step = () => opts.session.run(feeds);
  await loopFor(opts.warmupMs, step);
  const { calls, elapsedMs } = await loopFor(opts.durationMs, step);
  return {
    batch: opts.batch,
    calls,
    itemsPerS: (calls * opts.batch * 1000) / elapsedMs,
    msPerCall: elapsedMs / calls,
    sessionOptions: opts.sessionOptions,
  };
}
