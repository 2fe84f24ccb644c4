/**
 * A KServe v2 server in the test process for the perf and analyze tests: model metadata and
 * config, an infer endpoint that answers after a chosen delay, and a statistics endpoint whose
 * per-request phases are fixed numbers, so the breakdown arithmetic can be checked exactly.
 *
 * @module
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../../engine/core/clock.js';

/** Server-side phases recorded for every successful request (µs). */
export const PHASES_US = { queue: 100, input: 10, infer: 200, output: 5, total: 400 } as const;

/** Options of {@link startFakeKserve}. */
export interface FakeKserveOptions {
  readonly model?: string;
  /** How long each infer request takes to answer (ms). */
  readonly latencyMs?: number;
  /** The completed config `/config` returns. */
  readonly config?: Record<string, unknown>;
  /** Answer infer with this status instead of 200. */
  readonly failWith?: number;
  /** Answer the statistics endpoint with 404, as a server without the extension. */
  readonly noStats?: boolean;
  /** Times `latencyMs` (give the load generator the same one). Default real timers. */
  readonly clock?: Clock;
}

/** A running fake server. */
export interface FakeKserve {
  readonly origin: string;
  readonly port: number;
  /** Bodies of the infer requests received so far (the first few). */
  readonly bodies: Buffer[];
  close(): Promise<void>;
}

const DEFAULT_CONFIG = {
  name: 'fake',
  backend: 'onnxruntime',
  max_batch_size: 8,
  input: [{ name: 'x', data_type: 'TYPE_FP32', dims: [4] }],
  output: [{ name: 'y', data_type: 'TYPE_FP32', dims: [4] }],
  instance_group: [{ count: 1, kind: 'KIND_CPU' }],
  dynamic_batching: { max_queue_delay_microseconds: 100, preferred_batch_size: [] },
  parameters: {},
};

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * Starts the fake server on a free port of 127.0.0.1.
 *
 * @example
 * const fake = await startFakeKserve({ latencyMs: 2 });
 */
export async function startFakeKserve(opts: FakeKserveOptions = {}): Promise<FakeKserve> {
  const model = opts.model ?? 'fake';
  const config = opts.config ?? DEFAULT_CONFIG;
  const batches = (config['max_batch_size'] as number) > 0;
  const meta = {
    name: model,
    versions: ['1'],
    platform: 'onnxruntime_onnx',
    inputs: [{ name: 'x', datatype: 'FP32', shape: batches ? [-1, 4] : [4] }],
    outputs: [{ name: 'y', datatype: 'FP32', shape: batches ? [-1, 4] : [4] }],
  };
  let success = 0;
  const bodies: Buffer[] = [];
  const base = `/v2/models/${model}`;
  const stats = () => {
    const d = (us: number) => ({ count: success, ns: success * us * 1000 });
    const inference_stats = {
      success: d(PHASES_US.total),
      fail: d(0),
      queue: d(PHASES_US.queue),
      compute_input: d(PHASES_US.input),
      compute_infer: d(PHASES_US.infer),
      compute_output: d(PHASES_US.output),
    };
    const batch_stats = [
      {
        batch_size: 1,
        compute_input: d(PHASES_US.input),
        compute_infer: d(PHASES_US.infer),
        compute_output: d(PHASES_US.output),
      },
    ];
    return {
      model_stats: [
        {
          name: model,
          version: '1',
          inference_count: success,
          execution_count: success,
          inference_stats,
          batch_stats,
        },
      ],
    };
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '';
      if (url === base || url === `${base}/versions/1`) return json(res, 200, meta);
      if (url === `${base}/config`) return json(res, 200, config);
      if (url === `${base}/stats` && !opts.noStats) return json(res, 200, stats());
      if (url === `${base}/ready`) return json(res, 200, {});
      if (url === `${base}/infer` && req.method === 'POST') {
        if (bodies.length < 5) bodies.push(Buffer.concat(chunks));
        if (opts.failWith !== undefined) return json(res, opts.failWith, { error: 'fake failure' });
        const answer = () => {
          success++;
          json(res, 200, { model_name: model, outputs: [] });
        };
        if (opts.clock) opts.clock.setTimeout(answer, opts.latencyMs ?? 0);
        else setTimeout(answer, opts.latencyMs ?? 0);
        return;
      }
      json(res, 404, { error: `Request for unknown model: '${url}' is not found` });
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    bodies,
    close: () => {
      server.closeAllConnections();
      return new Promise(resolve => server.close(() => resolve()));
    },
  };
}
