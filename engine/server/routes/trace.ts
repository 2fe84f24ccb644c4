/**
 * @module The trace extension: `GET`/`POST /v2/trace/setting` and
 * `/v2/models/{m}/trace/setting` (reference §6.3).
 */
import { quote } from '../../core/client-value.js';
import { EngineError } from '../../core/errors.js';
import type { TraceSettingsControl } from '../../core/telemetry.js';
import type { InferenceEngine } from '../../runtime/types.js';
import { readJsonObject } from '../body.js';
import { route } from '../routing.js';
import type { BraidApp, ServerContext } from '../routing.js';

/**
 * Registers the trace settings endpoints. GET answers the effective settings (values are
 * strings, `trace_level` an array); POST applies the keys it names (`null` clears a model's
 * own value so the global one applies again) and answers the settings after the change. A model
 * that is not loaded is INVALID_ARG "Request for unknown model : <name>", as in Triton; a
 * versioned path is INVALID_ARG, since settings belong to a model. Without `settings` every
 * call is UNAVAILABLE.
 *
 * @example
 * registerTraceRoutes(app, engine, tracer.settings, 1 << 26);
 */
export function registerTraceRoutes(
  app: BraidApp,
  engine: InferenceEngine,
  settings: TraceSettingsControl | undefined,
  maxInputSize: number,
): void {
  const control = (): TraceSettingsControl => {
    if (!settings) throw new EngineError('UNAVAILABLE', 'the server does not support tracing');
    return settings;
  };
  const update = async (c: ServerContext, model: string | undefined): Promise<Response> => {
    const what =
      model === undefined
        ? 'the trace setting request'
        : `the trace setting request for model ${quote(model)}`;
    const body = await readJsonObject(c, maxInputSize, what);
    return c.json(control().update(model, body ?? {}));
  };
  route(app, ['/v2/trace/setting'], {
    GET: c => c.json(control().get()),
    POST: c => update(c, undefined),
  });
  route(app, ['/v2/models/:model/trace/setting'], {
    GET: c => c.json(control().get(knownModel(c, engine))),
    POST: c => update(c, knownModel(c, engine)),
  });
  const versioned = (c: ServerContext): never => {
    throw new EngineError(
      'INVALID_ARG',
      `trace settings belong to model ${quote(c.req.param('model') ?? '')}, not to one version: use /v2/models/{model}/trace/setting`,
    );
  };
  route(app, ['/v2/models/:model/versions/:version/trace/setting'], {
    GET: versioned,
    POST: versioned,
  });
}

function knownModel(c: ServerContext, engine: InferenceEngine): string {
  const name = c.req.param('model') ?? '';
  if (!engine.isModelReady(name))
    throw new EngineError('INVALID_ARG', `Request for unknown model : ${name}`);
  return name;
}
