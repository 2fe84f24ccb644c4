import { createOnnxRuntimeBackend } from '../../backends/onnxruntime/index.js';
import type { Logger } from '../core/logger.js';
import { createEngine } from '../runtime/engine.js';
import { createApp } from '../server/app.js';
import { listen } from '../server/listen.js';
import { createLogger } from '../telemetry/logger.js';
import type { ServeFlags } from './args.js';
import { packageVersion } from './package-version.js';

/** A running server: its bound port and a way to stop it gracefully. */
export interface RunningServer {
  readonly port: number;
  /** Stops accepting, finishes in-flight requests within the grace period, unloads models. */
  stop(): Promise<void>;
}

/**
 * Starts `braid serve`: loads the repository, then listens. This is the composition root: the only
 * place that wires backends, engine and HTTP frontend together.
 *
 * @example
 * const server = await serve(flags);
 * process.on('SIGTERM', () => void server.stop());
 */
export async function serve(flags: ServeFlags, logger: Logger = loggerFor(flags)): Promise<RunningServer> {
  const engine = await createEngine({
    modelRepository: flags.modelRepository,
    backends: [createOnnxRuntimeBackend()],
    controlMode: flags.modelControlMode,
    loadModels: flags.loadModel,
    pollSecs: flags.repositoryPollSecs,
    strictModelConfig: flags.strictModelConfig,
    strictReadiness: flags.strictReadiness,
    ...(flags.defaultMaxBatchSize === undefined ? {} : { defaultMaxBatchSize: flags.defaultMaxBatchSize }),
    logger,
    version: packageVersion(),
  });
  const app = createApp(engine, { maxInputSize: flags.httpMaxInputSize, logger });
  const http = await listen(app, { port: flags.httpPort, host: flags.httpAddress });
  logger.log('info', 'Started HTTPService', { address: flags.httpAddress, port: http.port });
  let stopping: Promise<void> | undefined;
  return {
    port: http.port,
    stop() {
      stopping ??= (async () => {
        const graceMs = flags.exitTimeoutSecs * 1000;
        logger.log('info', 'shutting down', { grace_ms: graceMs });
        // Not ready first, then let HTTP finish what clients already sent (the engine keeps
        // serving it), then unload: requests racing the signal are served, not refused.
        const deadline = performance.now() + graceMs;
        engine.beginDrain();
        await http.close(graceMs);
        await engine.shutdown(Math.max(0, deadline - performance.now()));
        logger.log('info', 'stopped');
      })();
      return stopping;
    },
  };
}

/** The logger `braid serve` uses for its flags. */
export function loggerFor(flags: Pick<ServeFlags, 'logFormat' | 'logVerbose'>): Logger {
  return createLogger({ format: flags.logFormat, level: flags.logVerbose ? 'debug' : 'info' });
}
