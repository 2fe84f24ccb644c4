import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  startWorker,
  workerEntry,
  workerExecArgv,
} from '../../../backends/worker-host/bootstrap.js';

describe('workerExecArgv', () => {
  it('drops the options about the entry point, with their values, and keeps the rest', () => {
    const parent = [
      '--input-type=module',
      '--enable-source-maps',
      '-e',
      'code',
      '--import',
      'tsx',
      '--input-type',
      'commonjs',
      '--print=1',
    ];
    expect(workerExecArgv(parent)).toEqual(['--enable-source-maps', '--import', 'tsx']);
    expect(workerExecArgv(['--eval', 'x', '-p', 'y'])).toEqual([]);
    expect(workerExecArgv([])).toEqual([]);
  });
});

describe('workerEntry', () => {
  it('names the .ts entry next to a source module and the .js entry next to a built one', () => {
    expect(workerEntry('file:///srv/braid/backends/js/backend.ts', 'worker-main').href).toBe(
      'file:///srv/braid/backends/js/worker-main.ts',
    );
    expect(workerEntry('file:///srv/braid/dist/backends/js/backend.js', 'worker-main').href).toBe(
      'file:///srv/braid/dist/backends/js/worker-main.js',
    );
  });
});

/** The first message a worker posts. */
function firstMessage(worker: Worker): Promise<unknown> {
  worker.ref();
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

describe('startWorker', () => {
  it('runs a TypeScript worker script through tsx, answering as the script says', async () => {
    const worker = startWorker({
      script: new URL('./probe-worker.ts', import.meta.url),
      name: 'probe',
    });
    try {
      const reply = firstMessage(worker);
      worker.postMessage({ type: 'ping' });
      expect(await reply).toEqual({ type: 'pong' });
    } finally {
      await worker.terminate();
    }
  });

  it('limits the heap when asked, so a worker that allocates without bound stops alone', async () => {
    const worker = startWorker({
      script: new URL('./probe-worker.ts', import.meta.url),
      name: 'hog',
      maxHeapMb: 16,
    });
    const died = new Promise<Error>(resolve => worker.once('error', resolve));
    worker.ref();
    worker.postMessage({ type: 'hog' });
    expect(((await died) as NodeJS.ErrnoException).code).toBe('ERR_WORKER_OUT_OF_MEMORY');
  });
});
