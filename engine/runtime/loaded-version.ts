/**
 * @module A loaded model version and the one way a request runs on it, model or pipeline alike:
 * the request is checked against the version's config, handed to its scheduler, and its
 * statistics and model span are recorded however it ends.
 */
import type { Clock } from '../core/clock.js';
import type { ModelDependency } from '../core/backend.js';
import { EngineError, isEngineError, type FailureReason } from '../core/errors.js';
import type { ModelConfig } from '../core/model-config.js';
import type { Mutable } from '../core/mutable.js';
import type { InferRequest, InferResponse, ResponseSink } from '../core/request.js';
import type { ScheduledRequest, Scheduler } from '../core/scheduler.js';
import { startModelSpan } from '../core/telemetry.js';
import type { ModelStatistics, StatsRecorder } from '../scheduling/stats.js';
import { classifyOutputs, type OutputLabels } from './classification.js';
import { runCached } from './cached-run.js';
import type { ResponseCache } from './response-cache.js';
import { schedulingParameters } from './parameters.js';
import type { InferContext } from './types.js';
import { prepareInputs, resolveOutputs } from './validate.js';

/** A model version that finished loading: its completed config, scheduler and statistics. */
export interface LoadedVersion {
  readonly name: string;
  readonly version: number;
  readonly config: ModelConfig;
  readonly scheduler: Scheduler;
  readonly stats: StatsRecorder;
  /** The labels of outputs with a `label_filename`, for classification. */
  readonly labels?: OutputLabels;
  /** The models it calls (a pipeline's steps), which must outlive it; empty for most models. */
  readonly dependencies: readonly ModelDependency[];
  /** It may answer from the server's response cache (one is configured; not decoupled nor sequence batched). */
  readonly cached: boolean;
  /**
   * Runs one request. Under a recording `ctx.trace` it gets Triton's model span. Rejects with
   * the EngineError of whatever failed: bad inputs, a full or timed-out queue, the execution.
   */
  run(req: InferRequest, ctx: InferContext): Promise<InferResponse>;
  /**
   * Runs one request whose responses go to `sink` as they are sent: 0..n for a decoupled
   * version, exactly one for any other. Resolves once the last was sent; rejects as `run`.
   */
  stream(req: InferRequest, ctx: InferContext, sink: ResponseSink): Promise<void>;
  /** Its statistics in the statistics extension's shape, with what its scheduler adds. */
  statistics(): ModelStatistics;
  /** Waits for accepted requests to finish, then stops the scheduler. Idempotent. */
  unload(): Promise<void>;
}

/** What {@link createLoadedVersion} bundles. */
export interface LoadedVersionParts {
  readonly name: string;
  readonly version: number;
  readonly config: ModelConfig;
  readonly scheduler: Scheduler;
  readonly stats: StatsRecorder;
  /** The labels of outputs with a `label_filename` (read at load), for classification. */
  readonly labels?: OutputLabels;
  readonly dependencies?: readonly ModelDependency[];
  readonly clock: Clock;
  /**
   * The server's response cache, for a version that may use it (neither decoupled nor sequence
   * batched): used for every request when the config enables it, else only for calls whose
   * context asks for it (a pipeline step with `cache: true`).
   */
  readonly cache?: ResponseCache;
}

const NONE: readonly ModelDependency[] = Object.freeze([]);

/**
 * Bundles a scheduler and its statistics into a {@link LoadedVersion}.
 *
 * @example
 * const v = createLoadedVersion({ name: 'simple', version: 1, config, scheduler, stats, clock });
 * const res = await v.run({ modelName: 'simple', inputs }, {});
 */
export function createLoadedVersion(parts: LoadedVersionParts): LoadedVersion {
  let unloading: Promise<void> | undefined;
  return {
    name: parts.name,
    version: parts.version,
    config: parts.config,
    scheduler: parts.scheduler,
    stats: parts.stats,
    ...(parts.labels !== undefined && parts.labels.size > 0 ? { labels: parts.labels } : {}),
    dependencies: parts.dependencies ?? NONE,
    cached: parts.cache !== undefined,
    run: (req, ctx) => runOn(parts, req, ctx),
    stream: async (req, ctx, sink) => {
      if (parts.config.model_transaction_policy.decoupled) await runOn(parts, req, ctx, sink);
      else sink(await runOn(parts, req, ctx));
    },
    statistics() {
      const fields = parts.scheduler.stats().fields;
      const snapshot = parts.stats.snapshot();
      return fields ? { ...snapshot, ...fields } : snapshot;
    },
    unload() {
      unloading ??= parts.scheduler.stop();
      return unloading;
    },
  };
}

async function runOn(
  v: LoadedVersionParts,
  req: InferRequest,
  ctx: InferContext,
  sink?: ResponseSink,
): Promise<InferResponse> {
  if (v.config.model_transaction_policy.decoupled && !sink) throw decoupledRefusal(v);
  const { clock, stats } = v;
  const start = clock.now();
  const span = ctx.trace?.recording
    ? startModelSpan(ctx.trace, v.name, v.version, req.id, start)
    : undefined;
  let ok = false;
  let reason: FailureReason | undefined;
  try {
    const sreq = scheduled(v, req, span, sink && (r => sink(classified(v, req, r))));
    const res =
      v.cache && !sink && (ctx.cache || v.config.response_cache.enable)
        ? await runCached(v, v.cache, sreq)
        : await v.scheduler.run(sreq);
    ok = true;
    return sink ? res : classified(v, req, res);
  } catch (e) {
    reason = isEngineError(e) ? e.reason : 'OTHER';
    span?.fail(e);
    throw e;
  } finally {
    const end = clock.now();
    stats.request(ok, (end - start) * 1e6, clock.wallNow(), reason);
    span?.event('REQUEST_END', end);
    span?.end(end);
  }
}

/** The response with outputs asked for as classifications replaced by them. */
function classified(v: LoadedVersionParts, req: InferRequest, res: InferResponse): InferResponse {
  const outputs = classifyOutputs(v, req.outputs, res.outputs);
  return outputs === res.outputs ? res : { ...res, outputs };
}

/** What a decoupled version answers a caller that takes exactly one response. */
function decoupledRefusal(v: LoadedVersionParts): EngineError {
  return new EngineError(
    'UNSUPPORTED',
    `model '${v.name}' version ${v.version} has the decoupled transaction policy (any number of responses per request): infer it over gRPC ModelStreamInfer or HTTP generate / generate_stream`,
  );
}

/** The request checked against the config, as the scheduler takes it; throws INVALID_ARG. */
function scheduled(
  v: LoadedVersionParts,
  req: InferRequest,
  span: ScheduledRequest['trace'],
  respond: ResponseSink | undefined,
): ScheduledRequest {
  const { inputs, batchSize } = prepareInputs(v.config, v.name, req.inputs);
  // Built field by field: conditional spreads cost more than the rest of this path.
  const out: Mutable<ScheduledRequest> = {
    inputs,
    batchSize,
    outputs: resolveOutputs(v.config, v.name, req.outputs),
  };
  if (req.id) out.id = req.id;
  if (req.parameters) {
    out.parameters = req.parameters;
    Object.assign(out, schedulingParameters(req.parameters, v.name));
  }
  if (req.signal) out.signal = req.signal;
  if (respond) out.respond = respond;
  if (req.movableInputs) out.movableInputs = req.movableInputs;
  if (span) {
    out.trace = span;
    span.setAttributes({ 'braid.batch_size': batchSize });
    span.event('QUEUE_START');
  }
  return out;
}
