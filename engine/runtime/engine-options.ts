/**
 * @module The options an Engine is created with.
 */
import type { AnyBackend } from '../core/backend.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { ModelCatalog } from '../core/model-catalog.js';
import type { InferenceMetrics } from '../core/telemetry.js';
import type { ResponseCache } from './response-cache.js';

/** How models are loaded, as Triton's --model-control-mode. */
export type ModelControlMode = 'none' | 'explicit' | 'poll';

/** Options of `createEngine` (engine.ts). */
export interface EngineOptions {
  readonly modelRepository: string;
  /**
   * The backends, or a function making them from the engine's model catalog, for backends whose
   * models call other models (pipelines).
   */
  readonly backends: readonly AnyBackend[] | ((catalog: ModelCatalog) => readonly AnyBackend[]);
  /** Default `none`: load everything at start; load/unload APIs are refused. */
  readonly controlMode?: ModelControlMode;
  /** Models to load at start in `explicit` mode; `*` loads all. */
  readonly loadModels?: readonly string[];
  /** Rescan interval in `poll` mode (default 15 s, as Triton). */
  readonly pollSecs?: number;
  readonly strictModelConfig?: boolean;
  /** Server is ready only when every loaded model is READY (Triton's default). */
  readonly strictReadiness?: boolean;
  readonly defaultMaxBatchSize?: number;
  readonly gpuCount?: number;
  /** Most instances one model version may have (default DEFAULT_MAX_INSTANCE_COUNT). */
  readonly maxInstanceCount?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Where each loaded model version's statistics are exported. Default: nowhere. */
  readonly metrics?: InferenceMetrics;
  readonly version?: string;
  /**
   * The server's response cache (Triton's `--cache-config local,size=BYTES`), shared by every
   * model whose config enables `response_cache` and by pipeline steps with `cache: true`.
   * Default: none, and nothing is cached.
   */
  readonly responseCache?: ResponseCache;
  /** The server's name in server metadata (Triton's --id). Default `braid`. */
  readonly name?: string;
}
