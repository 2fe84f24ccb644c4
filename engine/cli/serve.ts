/**
 * @module `braid serve`: starts telemetry, the engine on its repository, the metrics endpoint,
 * gRPC and HTTP, and stops them gracefully.
 */
import path from 'node:path';
import { systemClock } from '../core/clock.js';
import type { TimerHandle } from '../core/clock.js';
import { EngineError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { createEngine } from '../runtime/engine.js';
import { ResponseCache } from '../runtime/response-cache.js';
import type { InferenceEngine } from '../runtime/types.js';
import { createApp } from '../server/app.js';
import { listenGrpc } from '../server/grpc/listen.js';
import { LogControl } from '../telemetry/logger.js';
import { createMetrics } from '../telemetry/metrics/metrics.js';
import type { BraidMetrics } from '../telemetry/metrics/metrics.js';
import { parseMetricsConfig } from '../telemetry/metrics/metrics-config.js';
import { serveMetrics } from '../telemetry/metrics/metrics-server.js';
import type { MetricsServerHandle } from '../telemetry/metrics/metrics-server.js';
import { parseTraceConfig } from '../telemetry/tracing/trace-config.js';
import { OtelTracer } from '../telemetry/tracing/otel-tracer.js';
import type { ServeFlags } from './args.js';
import { loggerFor } from './serve-logger.js';
import { startHttp } from './serve-http.js';
export { loggerFor, type ServeLogger } from './serve-logger.js';
import { standardBackends } from './backends.js';
import { packageVersion } from './package-version.js';
import { exposureWarnings } from './restricted-flags.js';
import { readTls } from './tls-flags.js';
import { PlanRegistry } from './plan-registry.js';
import { planMachineConfig } from '../../pipelines/index.js';
import { defaultAssetsDir, readConsoleAssets } from '../server/console/assets.js';
import type { ConsoleSources } from '../server/console/sources.js';
import { LogTailRing } from '../telemetry/log-tail.js';
import { TraceRing } from '../telemetry/tracing/trace-ring.js';

/** A running server: its bound ports and a way to stop it gracefully. */
export interface RunningServer {
  /** Port of the HTTP endpoint; undefined when HTTP is off (`--allow-http false`). */
  readonly port: number | undefined;
  /** Port of the gRPC endpoint; undefined when gRPC is off. */
  readonly grpcPort: number | undefined;
  /** Port of the metrics endpoint; undefined when metrics are off or it could not bind. */
  readonly metricsPort: number | undefined;
  /** Stops accepting, finishes in-flight requests within the grace period, unloads models. */
  stop(): Promise<void>;
}

/**
 * Starts `braid serve`: telemetry, then the repository, then the metrics endpoint, gRPC and HTTP. This
 * is the composition root: the only place that wires backends, engine, frontends and telemetry.
 *
 * @example
 * const server = await serve(flags);
 * process.on('SIGTERM', () => void server.stop());
 */
export async function serve(
  flags: ServeFlags,
  logger: Logger = loggerFor(flags),
): Promise<RunningServer> {
  // Certificates are read before any model loads, so a bad file fails the start at once.
  const httpTls = flags.tls.http && readTls(flags.tls.http);
  const grpcTls = flags.tls.grpc && readTls(flags.tls.grpc);
  for (const w of [...flags.notices, ...exposureWarnings(flags)])
    logger.log('warn', w.msg, w.fields);
  const version = packageVersion();
  const plans = flags.allowConsole ? new PlanRegistry() : undefined;
  const traceRing = flags.allowConsole ? new TraceRing() : undefined;
  const tracer = new OtelTracer({
    config: parseTraceConfig(flags.traceConfig),
    logger,
    serviceVersion: version,
    ...(traceRing ? { extraProcessors: [traceRing] } : {}),
  });
  const metrics = flags.allowMetrics ? metricsFor(flags, logger) : undefined;
  const engine = await createEngine({
    modelRepository: flags.modelRepository,
    backends: catalog =>
      standardBackends(catalog, {
        logger,
        js: jsOptions(flags),
        ...(metrics ? { metrics } : {}),
        ...(plans ? { plans } : {}),
      }),
    controlMode: flags.modelControlMode,
    loadModels: flags.loadModel,
    pollSecs: flags.repositoryPollSecs,
    strictModelConfig: flags.strictModelConfig,
    strictReadiness: flags.strictReadiness,
    ...(flags.defaultMaxBatchSize === undefined
      ? {}
      : { defaultMaxBatchSize: flags.defaultMaxBatchSize }),
    maxInstanceCount: flags.maxInstanceCount,
    ...(flags.responseCache ? { responseCache: new ResponseCache(flags.responseCache) } : {}),
    logger,
    ...(metrics ? { metrics } : {}),
    version,
    name: flags.id,
  });
  const failed = flags.exitOnError ? await failedModels(engine) : [];
  if (failed.length > 0) {
    await Promise.all([engine.shutdown(0), metrics?.stop(), tracer.shutdown()]);
    throw new EngineError(
      'UNAVAILABLE',
      `failed to load all models (--exit-on-error is true; false serves the others): ${failed.join('; ')}`,
    );
  }
  const endpoint = metrics ? await startMetrics(metrics, flags, logger) : undefined;
  let draining = false;
  const isDraining = (): boolean => draining;
  const logging =
    'control' in logger && logger.control instanceof LogControl ? logger.control : undefined;
  const app =
    flags.allowHttp &&
    createApp(engine, {
      isDraining,
      maxInputSize: flags.httpMaxInputSize,
      logger,
      tracer,
      traceSettings: tracer.settings,
      ...(logging ? { logging } : {}),
      ...(metrics ? { metrics } : {}),
      restrictedApis: flags.restricted.http,
      ...(plans && traceRing
        ? { console: consoleFor(plans, traceRing, logger, flags, metrics) }
        : {}),
    });
  const grpc = flags.allowGrpc
    ? await listenGrpc(engine, {
        port: flags.grpcPort,
        host: flags.grpcAddress,
        maxMessageBytes: flags.httpMaxInputSize,
        logger,
        restrictedProtocols: flags.restricted.grpc,
        tls: grpcTls,
        isDraining,
        keepalive: flags.grpcKeepalive,
        tracer,
      })
    : undefined;
  if (grpc)
    logger.log('info', 'Started GRPCInferenceService', {
      address: flags.grpcAddress,
      port: grpc.port,
    });
  const http = app
    ? await startHttp(flags, {
        ...{ app, engine, tls: httpTls, logger, tracer, metrics, logging },
        tracingOn: () => tracer.settings.anyOn(),
      })
    : undefined;
  if (http)
    logger.log('info', 'Started HTTPService', {
      address: flags.httpAddress,
      port: http.port,
      threads: flags.httpThreadCount,
    });
  let stopping: Promise<void> | undefined;
  return {
    port: http?.port,
    grpcPort: grpc?.port,
    metricsPort: endpoint?.port,
    stop() {
      stopping ??= (async () => {
        const graceMs = flags.exitTimeoutSecs * 1000;
        logger.log('info', 'shutting down', { grace_ms: graceMs });
        // Drain while still listening, so probes and load balancers get answers, not resets:
        // not ready, new inference refused with 503 / UNAVAILABLE, requests already received
        // served. Then close the frontends (what arrived meanwhile finishes) and unload.
        const deadline = performance.now() + graceMs;
        const left = (): number => Math.max(0, deadline - performance.now());
        draining = true;
        http?.drain();
        engine.beginDrain();
        await within(Promise.all([http?.settled(), grpc?.settled()]), graceMs);
        await Promise.all([http?.close(left()), grpc?.close(left())]);
        await engine.shutdown(left());
        await Promise.all([endpoint?.close(), metrics?.stop(), tracer.shutdown()]);
        logger.log('info', 'stopped');
      })();
      return stopping;
    },
  };
}

/** The console's built files and what it reads besides the engine. */
function consoleFor(
  plans: PlanRegistry,
  traces: TraceRing,
  logger: Logger,
  flags: ServeFlags,
  metrics: BraidMetrics | undefined,
): { assets: ReturnType<typeof readConsoleAssets>; sources: ConsoleSources } {
  const tail = 'tail' in logger && logger.tail instanceof LogTailRing ? logger.tail : undefined;
  const sources: ConsoleSources = {
    plans: (name, version) => plans.get(name, version),
    machines: (name, version) => {
      const plan = plans.get(name, version);
      if (!plan) return undefined;
      // The description names the pipeline file: relative to the repository, as every path
      // the server sends (issue #10).
      const source = path.relative(path.resolve(flags.modelRepository), plan.source);
      return planMachineConfig({ ...plan, source });
    },
    traces,
    controlMode: flags.modelControlMode,
    ...(tail ? { logs: tail } : {}),
    ...(metrics ? { live: () => metrics.liveSample() } : {}),
  };
  return { assets: readConsoleAssets(defaultAssetsDir()), sources };
}

/** `'name': reason` of every model that failed to load, as Triton's --exit-on-error sees them. */
async function failedModels(engine: InferenceEngine): Promise<string[]> {
  const rows = await engine.repositoryIndex(false);
  return rows
    .filter(r => r.state === 'UNAVAILABLE')
    .map(
      r => `'${r.name}'${r.version ? ` version ${r.version}` : ''}: ${r.reason ?? 'unavailable'}`,
    );
}

/** Resolves when `work` does or after `ms`, whichever comes first. */
function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: TimerHandle | undefined;
  const timeout = new Promise<void>(resolve => (timer = systemClock.setTimeout(resolve, ms)));
  return Promise.race([work.then(() => undefined), timeout]).finally(
    () => timer !== undefined && systemClock.clearTimeout(timer),
  );
}

/** The JS backend's serve-wide defaults from `--backend-config js,...`; unset ones keep the backend's. */
function jsOptions(flags: ServeFlags): { executeTimeoutMs?: number; maxHeapMb?: number } {
  return {
    ...(flags.jsExecuteTimeoutMs === undefined
      ? {}
      : { executeTimeoutMs: flags.jsExecuteTimeoutMs }),
    ...(flags.jsMaxHeapMb === undefined ? {} : { maxHeapMb: flags.jsMaxHeapMb }),
  };
}

function metricsFor(flags: ServeFlags, logger: Logger): BraidMetrics {
  return createMetrics({
    config: parseMetricsConfig(flags.metricsConfig),
    intervalMs: flags.metricsIntervalMs,
    cpu: flags.allowCpuMetrics,
    gpu: flags.allowGpuMetrics,
    logger,
  });
}

/**
 * Binds the metrics endpoint and starts polling. A port that cannot be bound is logged as an
 * error and inference is served without the endpoint: metrics must not take serving down.
 */
async function startMetrics(
  metrics: BraidMetrics,
  flags: ServeFlags,
  logger: Logger,
): Promise<MetricsServerHandle | undefined> {
  try {
    const endpoint = await serveMetrics(metrics, {
      port: flags.metricsPort,
      host: flags.metricsAddress,
      logger,
    });
    metrics.start();
    logger.log('info', 'Started Metrics Service', {
      address: flags.metricsAddress,
      port: endpoint.port,
    });
    return endpoint;
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    logger.log('error', 'metrics endpoint not started; serving inference without it', {
      port: flags.metricsPort,
      error,
    });
    return undefined;
  }
}
