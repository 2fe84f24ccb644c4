/**
 * Starting a server as a child process and waiting until it listens: `braid perf --self-test`,
 * `braid analyze`, the benchmarks and the end-to-end tests all start `braid serve` (or a stand-in
 * that announces its port the same way) through this one module. Ready once a JSON log line on
 * stdout says `readyMsg` with its `port` (what `braid serve --log-format json` prints).
 *
 * @module
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Clock } from '../core/clock.js';
import { EngineError } from '../core/errors.js';
import { cliClock } from './perf/cli-clock.js';

/** A server running in a child process. */
export interface ChildServer {
  readonly port: number;
  readonly pid: number;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** The tail of the child's output so far (for error messages). */
  output(): string;
  /** SIGTERM, then SIGKILL after the kill grace; resolves once it has exited. Idempotent. */
  stop(): Promise<unknown>;
}

/** What {@link startChildServer} resolves with: a {@link ChildServer} with its process at hand. */
export interface StartedChild extends ChildServer {
  readonly child: ChildProcess;
  /** Every stdout line so far as parsed JSON (`{ msg: line }` when not JSON), if `keepLogs`. */
  readonly logs: readonly Record<string, unknown>[];
  /** Sends `signal` (default SIGTERM), SIGKILL after the kill grace; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Options of {@link startChildServer}. */
export interface ChildServerOptions {
  /** Label for messages. */
  readonly name: string;
  /** Arguments to `node` (script first, unless node flags precede it). */
  readonly nodeArgs: readonly string[];
  readonly cwd?: string;
  /** Added to this process's environment for the child. */
  readonly env?: NodeJS.ProcessEnv;
  /** The log message that says the server is up. Default `Started HTTPService`. */
  readonly readyMsg?: string;
  /** Keep every stdout line in {@link StartedChild.logs}. Default false: stdout is only drained. */
  readonly keepLogs?: boolean;
  /** Give up after this long. Default 60 s. */
  readonly startTimeoutMs?: number;
  /** How long `stop` waits after its signal before SIGKILL. Default 10 s. */
  readonly killAfterMs?: number;
  readonly clock?: Clock;
}

const READY_MSG = 'Started HTTPService';
const OUTPUT_KEPT = 20_000;

/** A stdout line as a log entry: parsed JSON, or `{ msg: line }`. */
function parseLine(line: string): Record<string, unknown> {
  if (line.startsWith('{')) {
    try {
      const entry: unknown = JSON.parse(line);
      if (typeof entry === 'object' && entry !== null) return entry as Record<string, unknown>;
    } catch {
      // not JSON after all: kept as text
    }
  }
  return { msg: line };
}

/**
 * The port announced by a JSON log line, if the line is the listener's announcement.
 *
 * @example
 * readyPort('{"msg":"Started HTTPService","port":8000}'); // 8000
 * readyPort('{"msg":"Started GRPCInferenceService","port":8001}', 'Started GRPCInferenceService'); // 8001
 */
export function readyPort(line: string, readyMsg = READY_MSG): number | undefined {
  if (!line.startsWith('{')) return undefined;
  const entry = parseLine(line);
  return entry.msg === readyMsg && typeof entry.port === 'number' ? entry.port : undefined;
}

function stopper(child: ChildProcess, clock: Clock, killAfterMs: number): StartedChild['stop'] {
  const exited = new Promise<number | null>(resolve => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', code => resolve(code));
  });
  let kill: ReturnType<Clock['setTimeout']> | undefined;
  void exited.then(() => kill !== undefined && clock.clearTimeout(kill));
  return (signal = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      kill ??= clock.setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    }
    return exited;
  };
}

interface Watch {
  output(): string;
  readonly logs: Record<string, unknown>[];
}

/** Keeps the tail of the child's output (and its log lines if asked); calls `onPort` once. */
function watch(
  child: ChildProcess,
  opts: ChildServerOptions,
  onPort: (port: number) => void,
): Watch {
  const w: Watch = { output: () => output, logs: [] };
  const readyMsg = opts.readyMsg ?? READY_MSG;
  let output = '';
  let pending = '';
  let found = false;
  const keep = (s: string) => (output = (output + s).slice(-OUTPUT_KEPT));
  child.stderr?.on('data', (c: Buffer) => keep(c.toString()));
  child.stdout?.on('data', (c: Buffer) => {
    keep(c.toString());
    if (found && opts.keepLogs !== true) return;
    const lines = (pending + c.toString()).split('\n');
    pending = lines.pop() ?? '';
    if (opts.keepLogs === true) w.logs.push(...lines.map(parseLine));
    const port = found
      ? undefined
      : lines.map(l => readyPort(l, readyMsg)).find(p => p !== undefined);
    if (port === undefined) return;
    found = true;
    onPort(port);
  });
  return w;
}

/**
 * Spawns `node ...nodeArgs` and resolves once it announces its port; rejects with the tail of
 * its output if it exits or times out first (and then kills it).
 *
 * @example
 * const s = await startChildServer({ name: 'braid', nodeArgs: ['dist/engine/cli/main.js', 'serve', ...] });
 * await fetch(`${s.origin}/v2/health/ready`);
 * await s.stop();
 */
export function startChildServer(opts: ChildServerOptions): Promise<StartedChild> {
  const clock = opts.clock ?? cliClock;
  const env = opts.env === undefined ? undefined : { ...process.env, ...opts.env };
  const child = spawn(process.execPath, [...opts.nodeArgs], {
    cwd: opts.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = stopper(child, clock, opts.killAfterMs ?? 10_000);
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clock.clearTimeout(timer);
      void stop('SIGKILL');
      reject(new EngineError('UNAVAILABLE', `${opts.name}: ${why}\n${w.output().slice(-2000)}`));
    };
    const timer = clock.setTimeout(
      () => fail('did not start listening in time'),
      opts.startTimeoutMs ?? 60_000,
    );
    const onExit = (code: number | null) => fail(`exited with code ${code} before listening`);
    child.once('exit', onExit);
    child.once('error', e => fail(e.message));
    const w = watch(child, opts, port => {
      clock.clearTimeout(timer);
      child.off('exit', onExit);
      const pid = child.pid ?? -1;
      resolve({
        port,
        pid,
        origin: `http://127.0.0.1:${port}`,
        child,
        logs: w.logs,
        output: w.output,
        stop,
      });
    });
  });
}
