import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from './repo.js';

/** A `braid serve` child process started the way a user starts it. */
export interface ServeProcess {
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcess;
  /** Every log line so far (JSON lines). */
  readonly logs: Record<string, unknown>[];
  /** Sends SIGTERM and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Options of {@link startServe}. */
export interface StartServeOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** The log message that says the server is up. Default `Started HTTPService`. */
  readonly readyMsg?: string;
}

/**
 * Starts `node dist/engine/cli/main.js serve` (built by `npm test`'s pretest) on a free port with
 * JSON logs, and resolves once it logs `readyMsg` (default: HTTP is listening); `port` is that
 * line's. `env` is added to this process's environment for the child.
 */
export function startServe(args: string[], timeoutMs = 30_000, opts: StartServeOptions = {}): Promise<ServeProcess> {
  const { env = {}, readyMsg = 'Started HTTPService' } = opts;
  const main = path.join(ROOT, 'dist', 'engine', 'cli', 'main.js');
  const child = spawn(process.execPath, [main, 'serve', '--http-port', '0', '--http-address', '127.0.0.1', '--log-format', 'json', '--metrics-port', '0', '--grpc-port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`braid serve did not start in ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    void exited.then(code => reject(new Error(`braid serve exited with ${code} before listening; stderr: ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', line => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        entry = { msg: line };
      }
      logs.push(entry);
      if (entry.msg === readyMsg) {
        clearTimeout(timer);
        const port = entry.port as number;
        resolve({
          port,
          url: `http://127.0.0.1:${port}`,
          child,
          logs,
          stop: (signal = 'SIGTERM') => {
            child.kill(signal);
            return exited;
          },
        });
      }
    });
  });
}
