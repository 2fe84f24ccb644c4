/**
 * @module The JSON config override of a load request (`parameters.config`), parsed as a load
 * parses it.
 */
import { EngineError } from '../core/errors.js';
import type { ModelConfig } from '../core/model-config.js';
import { fromProtoJson, normalizeModelConfig, parseModelConfig } from '../repository/index.js';

/**
 * Parses the JSON config override of a load request for `modelName`, with the messages a load
 * gives (the console checks an edited config with it before loading). Throws INVALID_ARG.
 *
 * @example
 * parseConfigOverride('simple', '{"max_batch_size": 8}').config.max_batch_size; // 8
 */
export function parseConfigOverride(
  modelName: string,
  text: string,
  warn?: (line: string) => void,
): { config: ModelConfig; explicitMaxBatch: boolean } {
  let raw: unknown;
  try {
    // Protobuf's JSON mapping, as Triton's clients write it: "16" for an int64, camelCase names.
    raw = fromProtoJson(JSON.parse(text));
  } catch (e) {
    throw new EngineError(
      'INVALID_ARG',
      `config override for '${modelName}' is not valid JSON: ${(e as Error).message}`,
    );
  }
  const config = parseModelConfig(raw, {
    modelName,
    file: 'parameters.config',
    ...(warn ? { warn } : {}),
  });
  return { config, explicitMaxBatch: hasKey(raw, 'max_batch_size') };
}

/**
 * Checks the config override of a load request for `modelName` as far as a load can without
 * the model's files: {@link parseConfigOverride}, then the normalization's rules (preferred
 * batch sizes against `max_batch_size`, priority levels), with the load's messages. Answers
 * the parsed config as given, not normalized. Throws INVALID_ARG.
 *
 * @example
 * checkConfigOverride('simple', '{"max_batch_size": 4, "dynamic_batching": {"preferred_batch_size": [8]}}');
 * // throws: model 'simple': dynamic_batching.preferred_batch_size 8 must be <= max_batch_size (4)
 */
export function checkConfigOverride(
  modelName: string,
  text: string,
  warn?: (line: string) => void,
): { config: ModelConfig; explicitMaxBatch: boolean } {
  const parsed = parseConfigOverride(modelName, text, warn);
  // The GPU count only picks the default instance group's kind; it decides no error.
  normalizeModelConfig(parsed.config, { gpuCount: 0 });
  return parsed;
}

/** Whether the parsed config sets `key` itself (rather than taking its default). */
export function hasKey(raw: unknown, key: string): boolean {
  return typeof raw === 'object' && raw !== null && key in raw;
}
