/**
 * Starting `braid serve` on a candidate repository, loading only the analyzed model, and
 * waiting until that model is ready (or saying why it is not).
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EngineError } from '../../core/errors.js';
import { startChildServer } from '../child-server.js';
import type { ChildServer } from '../child-server.js';
import { modelPath } from '../perf/model-info.js';
import { sendOnce } from '../perf/send-once.js';

/** Starts a server for `model` on `repository`; injectable so tests need no server. */
export type LaunchServer = (repository: string, model: string) => Promise<ChildServer>;

/**
 * The built CLI entry point: this module's sibling when running from dist/, else dist/ in the
 * repository (when running from source).
 */
export function braidMainPath(): string {
  const sibling = fileURLToPath(new URL('../main.js', import.meta.url));
  return existsSync(sibling)
    ? sibling
    : fileURLToPath(new URL('../../../dist/engine/cli/main.js', import.meta.url));
}

/** Why the server says a model failed: the `reason` (or message) of its error and warning log lines. */
function loadFailures(output: string, model: string): string[] {
  const out: string[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{') || !line.includes(model)) continue;
    try {
      const entry = JSON.parse(line) as {
        level?: unknown;
        msg?: unknown;
        reason?: unknown;
        error?: unknown;
      };
      if (entry.level !== 'error' && entry.level !== 'warn') continue;
      out.push(String(entry.reason ?? entry.error ?? entry.msg));
    } catch {
      // A partial line at the end of the kept output.
    }
  }
  return out.slice(-3);
}

async function checkReady(server: ChildServer, model: string): Promise<void> {
  const res = await sendOnce(`${server.origin}${modelPath(model)}/ready`);
  if (res.status === 200) return;
  const failures = loadFailures(server.output(), model);
  const why = failures.length > 0 ? `: ${failures.join('; ')}` : '';
  throw new EngineError(
    'UNAVAILABLE',
    `model '${model}' did not become ready (HTTP ${res.status})${why}`,
  );
}

/**
 * Launches `node <braid main> serve` on `repository` with only `model` loaded, metrics off, on
 * a free port of 127.0.0.1.
 *
 * @example
 * const server = await launchBraid('/tmp/braid-analyze-x', 'mlp');
 */
export const launchBraid: LaunchServer = async (repository, model) => {
  const main = braidMainPath();
  const nodeArgs = [main, 'serve', '--model-repository', repository, '--http-port', '0'];
  nodeArgs.push(
    '--http-address',
    '127.0.0.1',
    '--log-format',
    'json',
    '--allow-metrics',
    'false',
    '--allow-grpc',
    'false',
  );
  // A candidate that fails to load is reported with its reason over HTTP, so the server must stay up.
  nodeArgs.push(
    '--model-control-mode',
    'explicit',
    '--load-model',
    model,
    '--exit-on-error',
    'false',
  );
  const server = await startChildServer({ name: `braid serve (${model})`, nodeArgs });
  try {
    await checkReady(server, model);
    return server;
  } catch (e) {
    await server.stop();
    throw e;
  }
};
