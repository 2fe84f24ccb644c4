/**
 * @module Starting the worker thread of a JS model instance.
 */
import { Worker } from 'node:worker_threads';

/*
 * The worker entry runs from the build as `worker-main.js` and from sources (tests, tsx) as
 * `worker-main.ts`. Node 20 cannot load TypeScript in a worker by itself and `--import tsx` in a
 * worker's execArgv does not reach its module loader, so from sources the worker is started
 * through a small script that registers tsx inside the worker first. User `.ts` modules are
 * imported by the worker itself through tsx's `tsImport`, from sources and from the build alike.
 */

const FROM_SOURCES = import.meta.url.endsWith('.ts');

/**
 * The worker entry next to this module: `.ts` from sources, `.js` from the build.
 *
 * @example
 * jsWorkerUrl().pathname; // '/srv/braid/dist/backends/js/worker-main.js'
 */
export function jsWorkerUrl(): URL {
  return new URL(FROM_SOURCES ? './worker-main.ts' : './worker-main.js', import.meta.url);
}

function tsxBootstrap(script: URL): string {
  // import.meta.resolve answers from this module's location, where tsx is installed.
  const tsx = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(tsx)}).then(m => { m.register(); return import(${JSON.stringify(script.href)}); })`;
}

/**
 * Starts a worker running `script` (default {@link jsWorkerUrl}), its heap limited to
 * `maxHeapMb` when given, so a model that allocates without bound fails alone, quickly, instead
 * of growing the process until the host runs out of memory. It starts unref'd: the caller refs
 * it while a reply is awaited, so an idle model never keeps the process alive.
 *
 * @example
 * const worker = startJsWorker('postprocess', undefined, 512);
 */
export function startJsWorker(model: string, script: URL = jsWorkerUrl(), maxHeapMb?: number): Worker {
  const options = { name: `braid js ${model}`, ...(maxHeapMb === undefined ? {} : { resourceLimits: { maxOldGenerationSizeMb: maxHeapMb } }) };
  const worker = script.pathname.endsWith('.ts') ? new Worker(tsxBootstrap(script), { ...options, eval: true }) : new Worker(script, options);
  worker.unref();
  return worker;
}
