import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { startChildServer } from '../../engine/cli/child-server.js';
import { ROOT } from './repo.js';

/** A `braid serve` child process started the way a user starts it. */
export interface ServeProcess {
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcess;
  /** Every log line so far (JSON lines). */
  readonly logs: readonly Record<string, unknown>[];
  /** Sends SIGTERM (or `signal`) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Options of {@link startServe}. */
export interface StartServeOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** The log message that says the server is up. Default `Started HTTPService`. */
  readonly readyMsg?: string;
}

/**
 * `BRAID_TEST_HTTP_THREADS=N` runs every served test with N HTTP frontend threads (issue #14),
 * unless the test sets `--http-thread-count` itself.
 */
function threadArgs(args: readonly string[]): string[] {
  const n = process.env['BRAID_TEST_HTTP_THREADS'];
  if (!n || args.some(a => a.startsWith('--http-thread-count'))) return [];
  return ['--http-thread-count', n];
}

/**
 * Starts `node dist/engine/cli/main.js serve` (built by `npm test`'s pretest) on a free port with
 * JSON logs, and resolves once it logs `readyMsg` (default: HTTP is listening); `port` is that
 * line's. `env` is added to this process's environment for the child.
 */
export async function startServe(
  args: string[],
  timeoutMs = 30_000,
  opts: StartServeOptions = {},
): Promise<ServeProcess> {
  const main = path.join(ROOT, 'dist', 'engine', 'cli', 'main.js');
  const fixed = [
    'serve',
    '--http-port',
    '0',
    '--http-address',
    '127.0.0.1',
    '--log-format',
    'json',
    '--metrics-port',
    '0',
    '--grpc-port',
    '0',
  ];
  const s = await startChildServer({
    name: 'braid serve',
    nodeArgs: [main, ...fixed, ...threadArgs(args), ...args],
    env: opts.env ?? {},
    keepLogs: true,
    startTimeoutMs: timeoutMs,
    // A safety net only: tests that drain on SIGTERM expect exit code 0, however slow the machine.
    killAfterMs: 60_000,
    ...(opts.readyMsg === undefined ? {} : { readyMsg: opts.readyMsg }),
  });
  return { port: s.port, url: s.origin, child: s.child, logs: s.logs, stop: s.stop };
}
