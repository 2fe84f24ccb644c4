/**
 * Servers under measurement started as child processes, so they never share an event loop with
 * the load generator; ready once a JSON log line says "Started HTTPService" with its `port`
 * (what `braid serve --log-format json` prints).
 *
 * @module
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Clock } from '../../core/clock.js';
import { EngineError } from '../../core/errors.js';
import { cliClock } from './cli-clock.js';

/** A server running in a child process. */
export interface ChildServer {
  readonly port: number;
  readonly pid: number;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** The child's output so far (for error messages). */
  output(): string;
  /** SIGTERM, then SIGKILL after 10 s; resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startChildServer}. */
export interface ChildServerOptions {
  /** Label for messages. */
  readonly name: string;
  /** Arguments to `node`. */
  readonly nodeArgs: readonly string[];
  readonly cwd?: string;
  /** Give up after this long. Default 60 s. */
  readonly startTimeoutMs?: number;
  readonly clock?: Clock;
}

const READY_MSG = 'Started HTTPService';
const OUTPUT_KEPT = 20_000;

/**
 * The port announced by a JSON log line, if the line is the listener's announcement.
 *
 * @example
 * readyPort('{"msg":"Started HTTPService","port":8000}'); // 8000
 */
export function readyPort(line: string): number | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const entry = JSON.parse(line) as { msg?: unknown; port?: unknown };
    return entry.msg === READY_MSG && typeof entry.port === 'number' ? entry.port : undefined;
  } catch {
    return undefined;
  }
}

function stopper(child: ChildProcess, clock: Clock): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= new Promise<void>(resolve => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const kill = clock.setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clock.clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
    return stopping;
  };
}

/** Keeps the tail of the child's output and calls `onPort` once stdout announces the port. */
function watch(child: ChildProcess, onPort: (port: number) => void): () => string {
  let output = '';
  let pending = '';
  let found = false;
  const keep = (s: string) => (output = (output + s).slice(-OUTPUT_KEPT));
  child.stderr?.on('data', (c: Buffer) => keep(c.toString()));
  child.stdout?.on('data', (c: Buffer) => {
    keep(c.toString());
    if (found) return;
    pending += c.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    const port = lines.map(readyPort).find(p => p !== undefined);
    if (port === undefined) return;
    found = true;
    onPort(port);
  });
  return () => output;
}

/**
 * Spawns `node ...nodeArgs` and resolves once it announces its port; rejects with the tail of
 * its output if it exits or times out first.
 *
 * @example
 * const s = await startChildServer({ name: 'braid', nodeArgs: ['dist/engine/cli/main.js', 'serve', ...] });
 */
export function startChildServer(opts: ChildServerOptions): Promise<ChildServer> {
  const clock = opts.clock ?? cliClock;
  const child = spawn(process.execPath, [...opts.nodeArgs], { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = stopper(child, clock);
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clock.clearTimeout(timer);
      void stop();
      reject(new EngineError('UNAVAILABLE', `${opts.name}: ${why}\n${output().slice(-2000)}`));
    };
    const timer = clock.setTimeout(() => fail('did not start listening in time'), opts.startTimeoutMs ?? 60_000);
    const onExit = (code: number | null) => fail(`exited with code ${code} before listening`);
    child.once('exit', onExit);
    child.once('error', e => fail(e.message));
    const output = watch(child, port => {
      clock.clearTimeout(timer);
      child.off('exit', onExit);
      resolve({ port, pid: child.pid ?? -1, origin: `http://127.0.0.1:${port}`, output, stop });
    });
  });
}
