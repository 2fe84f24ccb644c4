/**
 * @module Starting a worker thread, from the build or from sources. A worker entry runs from
 * the build as `name.js` and from sources (tests, tsx) as `name.ts`. Node 20 cannot load
 * TypeScript in a worker by itself, and `--import tsx` in a worker's execArgv does not reach its
 * module loader, so from sources the worker is started through a line that registers tsx inside
 * the worker first.
 */
import { Worker } from 'node:worker_threads';

/**
 * The worker entry `name` next to the module at `moduleUrl` (pass `import.meta.url`): `.ts` when
 * that module runs from sources, `.js` from the build.
 *
 * @example
 * workerEntry(import.meta.url, 'session-worker').pathname;
 * // '/srv/braid/dist/backends/onnxruntime/session-worker.js'
 */
export function workerEntry(moduleUrl: string, name: string): URL {
  return new URL(`./${name}${moduleUrl.endsWith('.ts') ? '.ts' : '.js'}`, moduleUrl);
}

function tsxBootstrap(script: URL): string {
  // import.meta.resolve answers from this module's location, where tsx is installed.
  const tsx = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(tsx)}).then(m => { m.register(); return import(${JSON.stringify(script.href)}); })`;
}

// Options about the main entry point rather than the runtime; a worker refuses `--input-type`.
const ENTRY_OPTIONS = new Set(['--input-type', '-e', '--eval', '-p', '--print']);

/**
 * The parent's Node options minus those about its entry point, which a worker either refuses
 * (`--input-type`) or has no use for (`-e`, `-p`, with their values). Everything else, such as
 * `--enable-source-maps` or `--import` hooks, carries over as Node would carry it.
 *
 * @example
 * workerExecArgv(['--input-type=module', '-e', 'code', '--enable-source-maps']);
 * // ['--enable-source-maps']
 */
export function workerExecArgv(parent: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < parent.length; i++) {
    const arg = parent[i]!;
    const name = arg.split('=', 1)[0]!;
    if (!ENTRY_OPTIONS.has(name)) kept.push(arg);
    else if (name === arg) i++;
  }
  return kept;
}

/** Options of {@link startWorker}. */
export interface StartWorkerOptions {
  /** Entry point; a `.ts` script runs through tsx, which must then be installed. */
  readonly script: URL;
  /** Thread name, shown by debuggers and in heap snapshots. */
  readonly name: string;
  /** Heap limit (V8's old generation) in MB; Node's default when absent. */
  readonly maxHeapMb?: number;
}

/**
 * Starts a worker thread. A heap limit makes a worker that allocates without bound fail alone,
 * quickly, instead of growing the process until the host runs out of memory. The worker starts
 * unref'd: its owner refs it while a reply is awaited, so an idle worker never keeps the
 * process alive. Throws what `new Worker` throws (a script URL it cannot load).
 *
 * @example
 * const worker = startWorker({ script: workerEntry(import.meta.url, 'worker-main'), name: 'braid js post', maxHeapMb: 512 });
 */
export function startWorker(opts: StartWorkerOptions): Worker {
  const { script, name, maxHeapMb } = opts;
  const options = {
    name,
    execArgv: workerExecArgv(process.execArgv),
    ...(maxHeapMb === undefined ? {} : { resourceLimits: { maxOldGenerationSizeMb: maxHeapMb } }),
  };
  const worker = script.pathname.endsWith('.ts')
    ? new Worker(tsxBootstrap(script), { ...options, eval: true })
    : new Worker(script, options);
  worker.unref();
  return worker;
}
