/*
 * issue #14: with --http-thread-count 2, HTTP and the infer codec run on frontend threads in
 * front of the one engine; every behaviour of the single loop must hold across threads.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES, ROOT, tempRepository } from '../support/repo.js';
import { startServe, type ServeProcess } from '../support/serve-process.js';
import { startOtlpReceiver, type OtlpReceiver } from '../engine/telemetry/otlp-receiver.js';

const ONE_INSTANCE = 'instance_group: [{ count: 1, kind: KIND_CPU }]\n';

let repo: { dir: string; dispose(): Promise<void> };
let receiver: OtlpReceiver;
let server: ServeProcess;
let metricsUrl: string;

beforeAll(async () => {
  repo = await tempRepository({
    simple: path.join(EXAMPLES, 'simple'),
    gated: path.join(ROOT, 'test', 'fixtures', 'js-models', 'gated'),
  });
  await writeFile(path.join(repo.dir, 'gated', 'config.yaml'), ONE_INSTANCE);
  receiver = await startOtlpReceiver();
  server = await startServe([
    '--model-repository',
    repo.dir,
    '--http-thread-count',
    '2',
    '--trace-config',
    'mode=opentelemetry',
    '--trace-config',
    `opentelemetry,url=${receiver.url}`,
    '--trace-config',
    'opentelemetry,bsp_schedule_delay=50',
    '--trace-config',
    'level=TIMESTAMPS',
    '--trace-config',
    'rate=1000',
  ]);
  const metrics = server.logs.find(l => l.msg === 'Started Metrics Service')!;
  metricsUrl = `http://127.0.0.1:${String(metrics.port)}/metrics`;
});
afterAll(async () => {
  if (server?.child.exitCode === null) await server.stop('SIGKILL');
  await receiver?.close();
  await repo?.dispose();
});

const SIMPLE = {
  id: 'r1',
  inputs: ['INPUT0', 'INPUT1'].map((name, k) => ({
    name,
    shape: [1, 16],
    datatype: 'FP32',
    data: Array.from({ length: 16 }, (_, i) => (k === 0 ? i : 1)),
  })),
};

const post = (urlPath: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
  fetch(server.url + urlPath, { method: 'POST', headers, body });

const gatedBody = (gate: string, x: number) =>
  JSON.stringify({
    inputs: [
      { name: 'GATE', datatype: 'BYTES', shape: [1], data: [gate] },
      { name: 'x', datatype: 'INT32', shape: [1], data: [x] },
    ],
  });

/** Resolves once `check` holds, looking again after each turn of a short wait. */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    if (check()) return;
    await new Promise(r => setTimeout(r, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function untilAsync(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 1_000; i++) {
    if (await check()) return;
    await new Promise(r => setTimeout(r, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** Requests of `gated` waiting in its queue, as /metrics says. */
async function pendingGated(): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const m = /nv_inference_pending_request_count\{model="gated",version="1"\} (\d+)/.exec(text);
  return Number(m?.[1] ?? -1);
}

/** A POST on a connection of its own, resolving with status and body. */
function fresh(urlPath: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, method: 'POST', path: urlPath, agent: false },
      res => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('braid serve --http-thread-count 2', () => {
  it('logs two frontend threads and answers JSON infer as one loop does', async () => {
    expect(server.logs.find(l => l.msg === 'Started HTTPService')).toMatchObject({ threads: 2 });
    const res = await post('/v2/models/simple/versions/1/infer', JSON.stringify(SIMPLE));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      id: 'r1',
      model_name: 'simple',
      model_version: '1',
      outputs: [
        {
          name: 'OUTPUT0',
          datatype: 'FP32',
          shape: [1, 16],
          data: SIMPLE.inputs[0]!.data.map(v => v + 1),
        },
        {
          name: 'OUTPUT1',
          datatype: 'FP32',
          shape: [1, 16],
          data: SIMPLE.inputs[0]!.data.map(v => v - 1),
        },
      ],
    });
  });

  it('answers binary-extension and raw binary infer', async () => {
    const header = JSON.stringify({
      inputs: ['INPUT0', 'INPUT1'].map(name => ({
        name,
        shape: [1, 16],
        datatype: 'FP32',
        parameters: { binary_data_size: 64 },
      })),
      outputs: [{ name: 'OUTPUT0', parameters: { binary_data: true } }],
    });
    const tensor = new Float32Array(16).fill(2);
    const body = Buffer.concat([
      Buffer.from(header),
      Buffer.from(tensor.buffer),
      Buffer.from(tensor.buffer),
    ]);
    const res = await post('/v2/models/simple/versions/1/infer', body, {
      'Inference-Header-Content-Length': String(Buffer.byteLength(header)),
    });
    expect(res.status).toBe(200);
    const json = Number(res.headers.get('inference-header-content-length'));
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(JSON.parse(Buffer.from(bytes.subarray(0, json)).toString())).toMatchObject({
      outputs: [{ name: 'OUTPUT0', parameters: { binary_data_size: 64 } }],
    });
    expect([...new Float32Array(bytes.slice(json).buffer)]).toEqual(Array(16).fill(4));
  });

  it('answers a bad input with 400 naming the tensor, and unknown paths with 404', async () => {
    const bad = { inputs: [{ ...SIMPLE.inputs[0]!, data: [1] }, SIMPLE.inputs[1]!] };
    const res = await post('/v2/models/simple/infer', JSON.stringify(bad));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/'INPUT0'/);
    const missing = await post('/v2/models/nope/infer', JSON.stringify(SIMPLE));
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toMatch(/nope/);
    expect((await fetch(`${server.url}/v2/nothing`)).status).toBe(404);
  });

  it('counts requests served on frontend threads in statistics and /metrics', async () => {
    const before = await inferCount();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        post('/v2/models/simple/versions/1/infer', JSON.stringify(SIMPLE)),
      ),
    );
    expect(answers.map(r => r.status)).toEqual(Array(6).fill(200));
    expect(await inferCount()).toBe(before + 6);
    const text = await (await fetch(metricsUrl)).text();
    expect(text).toMatch(/nv_inference_request_success\{model="simple",version="1"\} \d+/);
    expect(text).toMatch(/route="\/v2\/models\/:model\/versions\/:version\/infer",status="200"/);
  });

  it('exports one trace per request, the client traceparent its parent, across threads', async () => {
    const traceId = 'c'.repeat(32);
    const res = await post('/v2/models/simple/infer', JSON.stringify(SIMPLE), {
      traceparent: `00-${traceId}-${'3'.repeat(16)}-01`,
    });
    expect(res.status).toBe(200);
    await receiver.waitFor(spans =>
      spans.some(s => s.traceId === traceId && s.name === 'compute_output'),
    );
    const spans = receiver.spans.filter(s => s.traceId === traceId);
    const root = spans.find(s => s.name === 'InferRequest')!;
    expect(root.parentSpanId).toBe('3'.repeat(16));
    expect(root.attributes).toMatchObject({
      'http.route': '/v2/models/:model/infer',
      'http.response.status_code': 200,
      'braid.request_id': 'r1',
    });
    expect(root.events.map(e => e.name)).toEqual([
      'HTTP_RECV_START',
      'HTTP_RECV_END',
      'INFER_RESPONSE_COMPLETE',
      'HTTP_SEND_START',
    ]);
    const model = spans.find(s => s.parentSpanId === root.spanId);
    expect(model).toBeDefined();
  });

  it('follows trace settings changed at run time on every frontend thread', async () => {
    const setLevel = (level: string) =>
      post('/v2/trace/setting', JSON.stringify({ trace_level: [level] }));
    expect((await setLevel('OFF')).status).toBe(200);
    expect((await setLevel('TIMESTAMPS')).status).toBe(200);
    const traceIds = ['d', 'e', 'f', '9'].map(c => c.repeat(32));
    for (const traceId of traceIds) {
      const res = await post('/v2/models/simple/infer', JSON.stringify(SIMPLE), {
        traceparent: `00-${traceId}-${'4'.repeat(16)}-01`,
      });
      expect(res.status).toBe(200);
    }
    await receiver
      .waitFor(spans =>
        traceIds.every(id => spans.some(s => s.traceId === id && s.name === 'InferRequest')),
      )
      .catch((e: unknown) => {
        throw new Error(
          `${String(e)}; traces: ${receiver.spans
            .filter(s => s.name === 'InferRequest')
            .map(s => s.traceId)
            .join(',')}`,
        );
      });
  });

  it('cancels a queued request whose client disconnects', async () => {
    const gateA = path.join(repo.dir, 'gate-a');
    const gateB = path.join(repo.dir, 'gate-b');
    const gateC = path.join(repo.dir, 'gate-c');
    const first = fresh('/v2/models/gated/infer', gatedBody(gateA, 1));
    await until(() => existsSync(`${gateA}.started`), 'the first request to reach the model');
    // The second request queues behind the first; its client then resets the connection.
    const { createConnection } = await import('node:net');
    const queued = createConnection({ host: '127.0.0.1', port: server.port });
    const b = gatedBody(gateB, 2);
    queued.write(
      `POST /v2/models/gated/infer HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(b)}\r\n\r\n${b}`,
    );
    queued.on('error', () => {});
    // The third request queues behind the second; once it runs, the second is behind us.
    const third = fresh('/v2/models/gated/infer', gatedBody(gateC, 3));
    await untilAsync(async () => (await pendingGated()) === 2, 'both requests to queue');
    queued.resetAndDestroy();
    await untilAsync(async () => (await pendingGated()) === 1, 'the reset one to leave the queue');
    await writeFile(gateB, '');
    await writeFile(gateC, '');
    await writeFile(gateA, '');
    expect((await first).status).toBe(200);
    expect((await third).status).toBe(200);
    expect(existsSync(`${gateB}.started`)).toBe(false);
  });

  it('drains on SIGTERM: 503 for new inference, requests in flight finish, exit 0', async () => {
    const gate = path.join(repo.dir, 'gate-drain');
    const inflight = fresh('/v2/models/gated/infer', gatedBody(gate, 7));
    await until(() => existsSync(`${gate}.started`), 'the request to reach the model');
    const exited = server.stop('SIGTERM');
    await until(() => server.logs.some(l => l.msg === 'shutting down'), 'the drain to begin');
    const refused = await fresh('/v2/models/gated/infer', gatedBody(gate, 8));
    expect(refused).toEqual({
      status: 503,
      body: JSON.stringify({ error: 'server is shutting down' }),
    });
    await writeFile(gate, '');
    const done = await inflight;
    expect(done.status).toBe(200);
    expect(await exited).toBe(0);
    expect(server.logs.some(l => l.msg === 'stopped')).toBe(true);
  });
});

async function inferCount(): Promise<number> {
  const res = await fetch(`${server.url}/v2/models/simple/versions/1/stats`);
  const body = (await res.json()) as { model_stats: { inference_count: number }[] };
  return body.model_stats[0]!.inference_count;
}
