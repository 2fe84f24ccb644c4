import { describe, expect, it } from 'vitest';
import { sessionWorkerUrl, startWorker, workerExecArgv } from '../../../backends/onnxruntime/worker-thread.js';

describe('workerExecArgv', () => {
  it('drops the options about the entry point, with their values, and keeps the rest', () => {
    const parent = ['--input-type=module', '--enable-source-maps', '-e', 'code', '--import', 'tsx', '--input-type', 'commonjs', '--print=1'];
    expect(workerExecArgv(parent)).toEqual(['--enable-source-maps', '--import', 'tsx']);
    expect(workerExecArgv([])).toEqual([]);
  });
});

describe('startWorker', () => {
  it('points at the TypeScript worker when running from sources', () => {
    expect(sessionWorkerUrl().pathname).toMatch(/\/backends\/onnxruntime\/session-worker\.ts$/);
  });

  it('runs a TypeScript worker script through tsx', async () => {
    const worker = startWorker({ script: new URL('./fake-session-worker.ts', import.meta.url), name: 'probe' });
    worker.ref();
    const reply = new Promise(resolve => worker.once('message', resolve));
    worker.postMessage({ type: 'close' });
    expect(await reply).toEqual({ type: 'closed' });
    await worker.terminate();
  });
});
