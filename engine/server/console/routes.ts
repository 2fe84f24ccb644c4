/**
 * @module
 * The web console at `/console`: its page and bundles (served from memory with a strict
 * Content-Security-Policy), and the few read-only endpoints it needs beyond the protocol's:
 * the live feed, pipeline plans and their state machines, recent traces and the log tail. Loading and unloading go
 * through the repository API, so its restrictions apply to the console's buttons too.
 */
import type { Clock } from '../../core/clock.js';
import { EngineError } from '../../core/errors.js';
import { quote } from '../../core/client-value.js';
import type { InferenceEngine } from '../../runtime/types.js';
import { checkConfigOverride } from '../../runtime/config-override.js';
import { jsonKind, readJsonObject } from '../body.js';
import { jsonError } from '../errors.js';
import { modelTarget, route } from '../routing.js';
import type { BraidApp, ServerContext } from '../routing.js';
import type { ConsoleAssets } from './assets.js';
import { CONSOLE_CSP } from './assets.js';
import { consoleEvents } from './events.js';
import { planJson } from './plan-json.js';
import type { ConsoleSources } from './sources.js';

/** Options of {@link registerConsoleRoutes}. */
export interface ConsoleRouteOptions {
  readonly assets: ConsoleAssets;
  readonly sources: ConsoleSources;
  readonly clock: Clock;
  /** Time between two events of the live feed. Default 1000. */
  readonly intervalMs?: number;
  readonly isDraining?: () => boolean;
  /** Largest request body accepted (the config check's). */
  readonly maxInputSize: number;
}

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONSOLE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

/**
 * Registers `/console` (the page), `/console/assets/:file`, and the console's data endpoints
 * under `/console/api/`.
 *
 * @example
 * registerConsoleRoutes(app, engine, { assets: readConsoleAssets(defaultAssetsDir()), sources: {}, clock });
 */
export function registerConsoleRoutes(
  app: BraidApp,
  engine: InferenceEngine,
  opts: ConsoleRouteOptions,
): void {
  const serve = (name: string): Response => {
    const asset = opts.assets.get(name);
    if (!asset) {
      if (opts.assets.size > 0) return jsonError(404, 'Not Found');
      return jsonError(
        503,
        'the console is not built: run `npm run build` (it writes dist/console)',
      );
    }
    return new Response(asset.body, {
      headers: { ...SECURITY_HEADERS, 'Content-Type': asset.contentType },
    });
  };
  route(app, ['/console'], { GET: () => serve('index.html') });
  route(app, ['/console/assets/:file'], { GET: c => serve(c.req.param('file') ?? '') });
  const isDraining = opts.isDraining ?? (() => false);
  const intervalMs = opts.intervalMs ?? 1000;
  route(app, ['/console/api/events'], {
    GET: c =>
      consoleEvents(c, engine, {
        clock: opts.clock,
        intervalMs,
        isDraining,
        sources: opts.sources,
      }),
  });
  // NOT_FOUND for unknown or unloaded versions; without a version, the newest ready one.
  const pipelineOf = <T>(
    c: ServerContext,
    read: ((n: string, v: number) => T | undefined) | undefined,
  ) => {
    const { name, version } = modelTarget(c);
    const ready = engine.modelMetadata(name, version).versions.map(Number);
    const found = read?.(name, version ?? Math.max(...ready));
    if (found === undefined)
      throw new EngineError(
        'INVALID_ARG',
        `model ${quote(name)} is not a pipeline: it has no plan to show`,
      );
    return found;
  };
  route(app, ['/console/api/plan/:model', '/console/api/plan/:model/versions/:version'], {
    GET: c => c.json(planJson(pipelineOf(c, opts.sources.plans))),
  });
  route(app, ['/console/api/machine/:model', '/console/api/machine/:model/versions/:version'], {
    GET: c => c.json(pipelineOf(c, opts.sources.machines)),
  });
  route(app, ['/console/api/config-check/:model'], {
    POST: async c => {
      const name = c.req.param('model') ?? '';
      const body = await readJsonObject(
        c,
        opts.maxInputSize,
        `the config check for model ${quote(name)}`,
      );
      const text = body?.['config'];
      if (typeof text !== 'string') {
        throw new EngineError(
          'INVALID_ARG',
          `'config' of the config check for model ${quote(name)} must be a string of JSON, got ${jsonKind(text)}`,
        );
      }
      const warnings: string[] = [];
      const { config } = checkConfigOverride(name, text, line => warnings.push(line));
      return c.json({ config, warnings });
    },
  });
  registerTelemetryRoutes(app, opts.sources);
}

function registerTelemetryRoutes(app: BraidApp, sources: ConsoleSources): void {
  const { traces, logs } = sources;
  const unavailable = (what: string): never => {
    throw new EngineError('UNAVAILABLE', `${what} not kept by this server`);
  };
  route(app, ['/console/api/traces'], {
    GET: c => c.json({ traces: traces ? traces.list() : unavailable('traces are') }),
  });
  route(app, ['/console/api/traces/:trace'], {
    GET: c => {
      const id = c.req.param('trace') ?? '';
      const store = traces ?? unavailable('traces are');
      const spans = store.spans(id);
      if (!spans)
        throw new EngineError(
          'NOT_FOUND',
          `trace ${quote(id)} is not in the ring of recent traces (it may have been replaced by newer ones)`,
        );
      if (c.req.query('format') === 'otlp') {
        c.header(
          'Content-Disposition',
          `attachment; filename="trace-${id.replace(/[^0-9a-f]/gi, '')}.json"`,
        );
        return c.json(store.otlpJson(id));
      }
      return c.json({ traceId: id, spans });
    },
  });
  route(app, ['/console/api/logs'], {
    GET: c => {
      const after = Number(c.req.query('after') ?? '0');
      if (!Number.isSafeInteger(after) || after < 0)
        throw new EngineError(
          'INVALID_ARG',
          `query 'after' of the log tail must be a non-negative integer, got ${quote(c.req.query('after') ?? '')}`,
        );
      return c.json({ entries: logs ? logs.since(after) : unavailable('the log tail is') });
    },
  });
}
