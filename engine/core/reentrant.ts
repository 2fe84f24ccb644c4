/**
 * @module Extensions of the Backend contract for backends whose instances serve whole requests
 * concurrently (pipelines). The engine runs such a model without a scheduler: no queue, no
 * batching, one instance, and it calls {@link ReentrantInstance.infer} directly. Such a model
 * may call other models, which must be loaded first: {@link ReentrantBackend.dependencies}
 * says which.
 */
import type { Backend, ModelContext, ModelFiles, ModelInstance } from './backend.js';
import type { InferRequest, InferResponse } from './request.js';
import type { TraceSpan } from './telemetry.js';

/** A model that another model calls (a pipeline step's model). */
export interface ModelDependency {
  readonly name: string;
  /** Absent: whichever version is ready. */
  readonly version?: number;
}

/**
 * Cumulative statistics of one step of a pipeline, in the units of the statistics extension
 * (counts, nanoseconds). Served as `braid_steps` in the pipeline's statistics.
 */
export interface StepStatistics {
  readonly step: string;
  /** What the step calls: `model 'm'`, `module 'path'`, `early return`. */
  readonly target: string;
  /** Requests in which the step ran to completion, and their summed duration. */
  readonly ran: { readonly count: number; readonly ns: number };
  readonly skipped: number;
  readonly failed: number;
  readonly defaulted: number;
  readonly returned: number;
  readonly cancelled: number;
  /** Calls made, retries and map items included. */
  readonly calls: number;
  readonly retries: number;
  readonly items: number;
}

/** An instance that may be called concurrently and answers whole requests. */
export interface ReentrantInstance extends ModelInstance {
  readonly reentrant: true;
  /**
   * Runs one request end to end. Safe to call concurrently. The response may carry parameters
   * and outputs beyond the model's declared ones (debug capture). `ctx.trace` is the model's
   * own request span: spans of the work inside open under it. Rejects with EngineError.
   */
  infer(req: InferRequest, ctx?: { readonly trace?: TraceSpan }): Promise<InferResponse>;
  /** Per-step statistics, for instances made of steps. */
  stepStatistics?(): StepStatistics[];
}

/** A backend whose instances are {@link ReentrantInstance}s. */
export interface ReentrantBackend extends Backend {
  readonly reentrant: true;
  /**
   * The models a version needs loaded and ready before `describe` can succeed, read from its
   * files (or from the config in `context`, for a model the config declares) without checking
   * them (an unreadable file yields none; `describe` reports it).
   */
  dependencies(files: ModelFiles, context?: ModelContext): Promise<ModelDependency[]>;
}

/**
 * Whether a backend runs reentrant instances.
 *
 * @example
 * if (isReentrantBackend(backend)) order = await backend.dependencies(files);
 */
export function isReentrantBackend(b: Backend): b is ReentrantBackend {
  return (b as Partial<ReentrantBackend>).reentrant === true;
}

/**
 * Whether an instance may be called concurrently through `infer`.
 *
 * @example
 * if (isReentrantInstance(inst)) return inst.infer(req);
 */
export function isReentrantInstance(i: ModelInstance): i is ReentrantInstance {
  return (i as Partial<ReentrantInstance>).reentrant === true;
}
