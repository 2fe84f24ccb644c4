/**
 * Runs the built `braid` CLI (dist/, which `npm test` builds first) as a child process and
 * collects its output, for the end-to-end tests of `braid perf` and `braid analyze`.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../../support/repo.js';

/** What a CLI run printed and how it ended. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `node dist/engine/cli/main.js ...args` in the repository root.
 *
 * @example
 * const { code, stdout } = await runBraid(['perf', '-m', 'simple', '-u', url]);
 */
export function runBraid(args: readonly string[], timeoutMs = 25_000): Promise<CliRun> {
  const main = path.join(ROOT, 'dist', 'engine', 'cli', 'main.js');
  return new Promise(resolve => {
    execFile(
      process.execPath,
      [main, ...args],
      { cwd: ROOT, timeout: timeoutMs, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
