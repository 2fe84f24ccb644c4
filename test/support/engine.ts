/**
 * A real engine over a test repository, with the backends `braid serve` registers.
 *
 * @module
 */
import { standardBackends } from '../../engine/cli/backends.js';
import { noopLogger } from '../../engine/core/logger.js';
import { createEngine, type Engine, type EngineOptions } from '../../engine/runtime/engine.js';

/**
 * Starts an engine over `dir` with the standard backends (ONNX Runtime, JS, pipelines) and a
 * logger that drops everything; `opts` override the rest. The caller shuts it down.
 *
 * @example
 * const engine = await standardEngine(dir, { controlMode: 'explicit' });
 */
export function standardEngine(dir: string, opts: Partial<EngineOptions> = {}): Promise<Engine> {
  return createEngine({
    modelRepository: dir,
    backends: catalog => standardBackends(catalog, { logger: noopLogger }),
    ...opts,
  });
}
