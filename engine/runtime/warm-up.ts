/**
 * @module Running a version's warmup samples on each of its instances before the version is
 * READY (Triton's `model_warmup`): straight on the instances, so no client request waits behind
 * them and no statistic counts them.
 */
import type { ModelInstance } from '../core/backend.js';
import type { Clock } from '../core/clock.js';
import { EngineError, toEngineError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { WarmupSample } from './warmup-samples.js';

/** Options of {@link warmUp}. */
export interface WarmUpOptions {
  readonly model: string;
  /** Decoupled models run through `executeDecoupled`; their responses are dropped. */
  readonly decoupled: boolean;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The load's signal: an unload during warmup stops it. */
  readonly signal: AbortSignal;
}

/**
 * Runs every sample `runs` times on every instance, the samples in order; the instances side by
 * side, as they would serve. Throws the first failure with the sample and instance named, code
 * kept, so the load fails as Triton's does when an instance fails its warmup.
 *
 * @example
 * await warmUp(instances, samples, { model: 'simple', decoupled: false, clock, logger, signal });
 */
export async function warmUp(
  instances: readonly ModelInstance[],
  samples: readonly WarmupSample[],
  opts: WarmUpOptions,
): Promise<void> {
  if (samples.length === 0) return;
  const start = opts.clock.now();
  await Promise.all(instances.map((instance, index) => warmOne(instance, index, samples, opts)));
  const runs = samples.reduce((n, s) => n + s.runs, 0);
  opts.logger.log('info', 'model warmed up', {
    samples: samples.length,
    runs_per_instance: runs,
    duration_ms: Math.round(opts.clock.now() - start),
  });
}

async function warmOne(
  instance: ModelInstance,
  index: number,
  samples: readonly WarmupSample[],
  opts: WarmUpOptions,
): Promise<void> {
  const execOpts = { signal: opts.signal };
  for (const sample of samples) {
    for (let run = 0; run < sample.runs; run++) {
      if (opts.signal.aborted) throw new EngineError('CANCELLED', 'load cancelled');
      try {
        if (!opts.decoupled) await instance.execute(sample.inputs, execOpts);
        else if (instance.executeDecoupled)
          await instance.executeDecoupled(sample.inputs, execOpts, () => undefined);
        else throw new EngineError('INTERNAL', 'the instance cannot run a decoupled model');
      } catch (e) {
        const err = toEngineError(e);
        throw new EngineError(
          err.code,
          `model '${opts.model}': model_warmup '${sample.name}' failed on instance ${index} (run ${run + 1} of ${sample.runs}): ${err.message}`,
          { cause: e },
        );
      }
    }
  }
}
