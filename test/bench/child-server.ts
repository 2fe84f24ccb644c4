/**
 * Starting the servers under test as child processes (engine/cli/child-server.ts), so that they
 * never share an event loop with the load generator, with their CPU time read from /proc.
 *
 * @module
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startChildServer } from '../../engine/cli/child-server.js';
import type { StartedChild } from '../../engine/cli/child-server.js';

/** Repository root (two levels above this file). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Where the benchmarks write results and profiles (git-ignored). */
export const RESULTS_DIR = fileURLToPath(new URL('./.results/', import.meta.url));

/** A server running in a child process, with its CPU time at hand. */
export interface ChildServer extends StartedChild {
  readonly name: string;
  /** CPU time used so far (user + system, all threads), in ms; NaN without /proc. */
  cpuMs(): number;
  /** CPU time of the main thread alone (where the event loop runs), in ms; NaN without /proc. */
  mainThreadCpuMs(): number;
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

/**
 * Spawns `node ...nodeArgs` in the repository root and resolves once it logs its port.
 * Rejects with the tail of its output if it exits or times out first.
 *
 * @example
 * const nodeArgs = ['--import', 'tsx', 'test/bench/bare-server.ts', 'ok'];
 * const bare = await startChild({ name: 'bare', nodeArgs });
 */
export async function startChild(opts: ChildOptions): Promise<ChildServer> {
  const dir = opts.cpuProfileDir;
  const profile = dir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', dir];
  if (dir !== undefined) mkdirSync(dir, { recursive: true });
  const nodeArgs = [...profile, ...opts.nodeArgs];
  const timeout = opts.startTimeoutMs === undefined ? {} : { startTimeoutMs: opts.startTimeoutMs };
  const s = await startChildServer({ name: opts.name, nodeArgs, cwd: REPO_ROOT, ...timeout });
  return {
    ...s,
    name: opts.name,
    cpuMs: () => processCpuMs(s.pid),
    mainThreadCpuMs: () => processCpuMs(s.pid, s.pid),
  };
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
