/**
 * @module Whether a model version may use the server's response cache. As in Triton, a model
 * that enables `response_cache` with the decoupled transaction policy fails to load; so does
 * one that declares `sequence_batching`, whose responses depend on earlier requests of its
 * sequence (Triton's sequence batcher never caches).
 */
import { EngineError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ModelConfig } from '../core/model-config.js';
import type { ResponseCache } from './response-cache.js';

/**
 * The cache a version may use: `cache` itself unless the model is decoupled or sequence batched.
 * Throws INVALID_ARG when such a model enables `response_cache`; logs a warning when a model
 * enables it on a server without a cache (Triton then silently runs it uncached).
 *
 * @example
 * const cache = versionCache(config, 'simple', serverCache, log); // undefined for a decoupled model
 */
export function versionCache(
  config: ModelConfig,
  modelName: string,
  cache: ResponseCache | undefined,
  logger: Logger,
): ResponseCache | undefined {
  const enabled = config.response_cache.enable;
  const refusal = cacheRefusal(config);
  if (refusal) {
    if (enabled)
      throw new EngineError(
        'INVALID_ARG',
        `model '${modelName}': response cache does not currently support ${refusal}; set response_cache.enable to false`,
      );
    return undefined;
  }
  if (enabled && !cache) {
    logger.log(
      'warn',
      'response_cache is enabled but the server has no response cache: responses are not cached',
      { hint: 'start with --cache-config local,size=BYTES' },
    );
  }
  return cache;
}

/** Why a version's responses cannot be cached, or undefined when they can. */
function cacheRefusal(config: ModelConfig): string | undefined {
  if (config.model_transaction_policy.decoupled)
    return "models with the 'decoupled' transaction policy (any number of responses per request)";
  if (config.sequence_batching !== undefined)
    return 'sequence batched models (a response depends on earlier requests of its sequence)';
  return undefined;
}
