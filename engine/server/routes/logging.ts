/**
 * @module The logging extension: `GET`/`POST /v2/logging` (reference §1.13).
 */
import { EngineError } from '../../core/errors.js';
import type { LoggingControl } from '../../core/telemetry.js';
import { readJsonObject } from '../body.js';
import { route } from '../routing.js';
import type { BraidApp } from '../routing.js';

/**
 * Registers `/v2/logging`: GET answers every setting (`log_file`, `log_info`, `log_warning`,
 * `log_error`, `log_verbose_level`, `log_format`, the keys Triton's server code uses); POST
 * applies the keys it names and answers every setting. Without `logging` every call is
 * UNAVAILABLE, as a Triton built without dynamic logging answers.
 *
 * @example
 * registerLoggingRoutes(app, logControl, 1 << 26);
 */
export function registerLoggingRoutes(
  app: BraidApp,
  logging: LoggingControl | undefined,
  maxInputSize: number,
): void {
  const control = (): LoggingControl => {
    if (!logging)
      throw new EngineError('UNAVAILABLE', 'the server does not support dynamic logging');
    return logging;
  };
  route(app, ['/v2/logging'], {
    GET: c => c.json(control().get()),
    POST: async c =>
      c.json(
        control().update((await readJsonObject(c, maxInputSize, 'the logging request')) ?? {}),
      ),
  });
}
