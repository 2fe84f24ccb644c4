/**
 * Starting the servers under test as child processes, so that they never share an event loop
 * with the load generator, and reading their port from the "Started HTTPService" log line.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Repository root (two levels above this file). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Where the benchmarks write results and profiles (git-ignored). */
export const RESULTS_DIR = fileURLToPath(new URL('./.results/', import.meta.url));

/** A server running in a child process. */
export interface ChildServer {
  readonly name: string;
  readonly port: number;
  readonly pid: number;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** CPU time used so far (user + system, all threads), in ms; NaN without /proc. */
  cpuMs(): number;
  /** CPU time of the main thread alone (where the event loop runs), in ms; NaN without /proc. */
  mainThreadCpuMs(): number;
  /** SIGTERM, then SIGKILL after 10 s; resolves when the process has exited. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startChild}. */
export interface ChildOptions {
  /** Label for messages. */
  readonly name: string;
  /** Arguments to `node` (script first, unless node flags precede it). */
  readonly nodeArgs: readonly string[];
  /** Abort the start after this long. Default 60 s. */
  readonly startTimeoutMs?: number;
  /** Write a V8 CPU profile of the child into this directory when it exits. */
  readonly cpuProfileDir?: string;
}

const READY_MSG = 'Started HTTPService';
// USER_HZ, the unit of /proc/<pid>/stat times; 100 on every mainstream Linux build.
const CLOCK_TICKS_PER_S = 100;

/**
 * CPU time (user + system) of a process, all threads, or of one of its threads, in ms, from
 * /proc; NaN where that is unavailable.
 *
 * @example
 * const before = processCpuMs(child.pid);
 */
export function processCpuMs(pid: number, thread?: number): number {
  try {
    const file = thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`;
    const stat = readFileSync(file, 'latin1');
    // Fields after the parenthesised command name, which may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return NaN;
  }
}

/** Reads the port from a JSON log line announcing the HTTP listener, if it is one. */
export function readyPort(line: string): number | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const entry = JSON.parse(line) as { msg?: unknown; port?: unknown };
    return entry.msg === READY_MSG && typeof entry.port === 'number' ? entry.port : undefined;
  } catch {
    return undefined;
  }
}

function stopper(child: ChildProcess): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= new Promise<void>(resolve => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
    return stopping;
  };
}

/**
 * Spawns `node ...nodeArgs` in the repository root and resolves once it logs its port.
 * Rejects with the tail of its output if it exits or times out first.
 *
 * @example
 * const nodeArgs = ['--import', 'tsx', 'test/bench/bare-server.ts', 'ok'];
 * const bare = await startChild({ name: 'bare', nodeArgs });
 */
export function startChild(opts: ChildOptions): Promise<ChildServer> {
  const dir = opts.cpuProfileDir;
  const profile = dir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', dir];
  if (dir !== undefined) mkdirSync(dir, { recursive: true });
  const child = spawn(process.execPath, [...profile, ...opts.nodeArgs], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = stopper(child);
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      void stop();
      reject(new Error(`${opts.name}: ${why}\n${watch.output().slice(-2000)}`));
    };
    const timeoutMs = opts.startTimeoutMs ?? 60_000;
    const timer = setTimeout(() => fail('did not start listening in time'), timeoutMs);
    const onExit = (code: number | null) => fail(`exited with code ${code} before listening`);
    child.once('exit', onExit);
    const watch = watchForPort(child, port => {
      clearTimeout(timer);
      child.off('exit', onExit);
      const pid = child.pid ?? -1;
      resolve({
        name: opts.name,
        port,
        pid,
        origin: `http://127.0.0.1:${port}`,
        cpuMs: () => processCpuMs(pid),
        mainThreadCpuMs: () => processCpuMs(pid, pid),
        stop,
      });
    });
  });
}

/**
 * Collects a child's output and calls `onPort` once a stdout line announces the port; after
 * that stdout is only drained, so a full pipe never blocks the child.
 */
function watchForPort(child: ChildProcess, onPort: (port: number) => void): { output(): string } {
  let output = '';
  let pending = '';
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const onData = (c: Buffer) => {
    output += c.toString();
    pending += c.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    const port = lines.map(readyPort).find(p => p !== undefined);
    if (port === undefined) return;
    child.stdout?.off('data', onData);
    child.stdout?.resume();
    onPort(port);
  };
  child.stdout?.on('data', onData);
  return { output: () => output };
}

/**
 * Starts a bare `node:http` baseline ({@link ./bare-server.ts}) in a child process.
 *
 * @example
 * const echo = await startBare('echo');
 */
export function startBare(mode: 'ok' | 'echo', cpuProfileDir?: string): Promise<ChildServer> {
  const nodeArgs = ['--import', 'tsx', 'test/bench/bare-server.ts', mode];
  const profile = cpuProfileDir === undefined ? {} : { cpuProfileDir };
  return startChild({ name: `bare-${mode}`, nodeArgs, ...profile });
}

/**
 * Starts the built `braid serve` (dist/, so run `npm run build` first) on a free port.
 *
 * @example
 * const braid = await startBraid('examples/model_repository');
 */
export function startBraid(modelRepository: string, cpuProfileDir?: string): Promise<ChildServer> {
  const nodeArgs = [
    'dist/engine/cli/main.js',
    'serve',
    '--model-repository',
    modelRepository,
    '--http-port',
    '0',
    '--grpc-port',
    '0',
    '--log-format',
    'json',
  ];
  const profile = cpuProfileDir === undefined ? {} : { cpuProfileDir };
  return startChild({ name: 'braid', nodeArgs, ...profile });
}
