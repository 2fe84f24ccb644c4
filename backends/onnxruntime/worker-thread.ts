import { Worker } from 'node:worker_threads';

/*
 * The session worker runs from the compiled dist/ as `session-worker.js` and from sources (tests,
 * tsx) as `session-worker.ts`. Node 20 cannot load TypeScript in a worker, and passing
 * `--import tsx` in the worker's execArgv still leaves it refusing `.ts` files there, so the
 * sources are started through a small script that registers tsx inside the worker first.
 */

const FROM_SOURCES = import.meta.url.endsWith('.ts');

/**
 * The session worker's entry point next to this module: `.ts` when running from sources,
 * `.js` from the build.
 *
 * @example
 * sessionWorkerUrl().pathname; // '/srv/braid/dist/backends/onnxruntime/session-worker.js'
 */
export function sessionWorkerUrl(): URL {
  return new URL(FROM_SOURCES ? './session-worker.ts' : './session-worker.js', import.meta.url);
}

function tsxBootstrap(script: URL): string {
  // import.meta.resolve answers from this module's location, where tsx is a devDependency.
  const tsx = import.meta.resolve('tsx/esm/api');
  return (
    `import(${JSON.stringify(tsx)})` +
    `.then(m => { m.register(); return import(${JSON.stringify(script.href)}); })`
  );
}

// Options about the main entry point rather than the runtime; a worker refuses `--input-type`.
const ENTRY_OPTIONS = new Set(['--input-type', '-e', '--eval', '-p', '--print']);

/**
 * The parent's Node options minus those about its entry point, which a worker either
 * refuses (`--input-type`) or has no use for (`-e`, `-p`, with their values). Everything else,
 * such as `--enable-source-maps` or `--import` hooks, carries over as Node would carry it.
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
  /** Entry point. Default {@link sessionWorkerUrl}. */
  readonly script?: URL;
  /** Thread name, shown by debuggers and in heap snapshots. */
  readonly name?: string;
}

/**
 * Starts a worker thread running the session worker (or `opts.script`). A `.ts` script is run
 * through tsx, which must then be installed. The worker starts unref'd: the caller refs it
 * while it waits for a reply, so an idle instance never keeps the process alive.
 *
 * @example
 * const worker = startWorker({ name: "onnxruntime 'simple'" });
 * worker.postMessage({ type: 'open', model, path, options });
 */
export function startWorker(opts: StartWorkerOptions = {}): Worker {
  const script = opts.script ?? sessionWorkerUrl();
  const options = { name: opts.name, execArgv: workerExecArgv(process.execArgv) };
  const worker = script.pathname.endsWith('.ts')
    ? new Worker(tsxBootstrap(script), { ...options, eval: true })
    : new Worker(script, options);
  worker.unref();
  return worker;
}
