import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES } from '../support/repo.js';
import { startServe, type ServeProcess } from '../support/serve-process.js';

// The request README's quick start sends with curl.
const README_REQUEST = {
  id: 'r1',
  inputs: [
    {
      name: 'INPUT0',
      shape: [1, 16],
      datatype: 'FP32',
      data: Array.from({ length: 16 }, (_, i) => i),
    },
    {
      name: 'INPUT1',
      shape: [1, 16],
      datatype: 'FP32',
      data: [Array.from({ length: 16 }, () => 1)],
    },
  ],
};

let server: ServeProcess;
beforeAll(async () => {
  server = await startServe(['--model-repository', EXAMPLES]);
});
afterAll(async () => {
  if (server) await server.stop();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(server.url + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });

describe('braid serve over a real socket', () => {
  it('answers health with empty bodies and logs each model READY', async () => {
    for (const p of ['/v2/health/live', '/v2/health/ready']) {
      const res = await fetch(server.url + p);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('');
    }
    const ready = server.logs
      .filter(l => l.msg === 'model version READY')
      .map(l => `${String(l.model)}:${String(l.version)}`);
    expect(ready).toEqual(
      expect.arrayContaining(['mlp:1', 'simple:1', 'simple:2', 'text_identity:1']),
    );
  });

  it('serves the README request to version 1 of simple, as the quick start sends it', async () => {
    const res = await post('/v2/models/simple/versions/1/infer', README_REQUEST);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toEqual({
      id: 'r1',
      model_name: 'simple',
      model_version: '1',
      outputs: [
        {
          name: 'OUTPUT0',
          datatype: 'FP32',
          shape: [1, 16],
          data: Array.from({ length: 16 }, (_, i) => i + 1),
        },
        {
          name: 'OUTPUT1',
          datatype: 'FP32',
          shape: [1, 16],
          data: Array.from({ length: 16 }, (_, i) => i - 1),
        },
      ],
    });
  });

  it('answers a request without a version from the latest version of simple', async () => {
    const res = await post('/v2/models/simple/infer', README_REQUEST);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      model_version: string;
      outputs: { name: string; data: number[] }[];
    };
    expect(body.model_version).toBe('2');
    // Version 2 multiplies where version 1 adds: INPUT1 is all ones, so OUTPUT0 is INPUT0.
    expect(body.outputs.find(o => o.name === 'OUTPUT0')!.data).toEqual(
      README_REQUEST.inputs[0]!.data,
    );
  });

  it('speaks the binary tensor extension', async () => {
    const a = new Float32Array(16).map((_, i) => i);
    const b = new Float32Array(16).fill(2);
    const header = JSON.stringify({
      inputs: [
        { name: 'INPUT0', shape: [1, 16], datatype: 'FP32', parameters: { binary_data_size: 64 } },
        { name: 'INPUT1', shape: [1, 16], datatype: 'FP32', parameters: { binary_data_size: 64 } },
      ],
      outputs: [{ name: 'OUTPUT0', parameters: { binary_data: true } }],
    });
    const h = new TextEncoder().encode(header);
    const body = new Uint8Array(h.length + 128);
    body.set(h);
    body.set(new Uint8Array(a.buffer), h.length);
    body.set(new Uint8Array(b.buffer), h.length + 64);
    const res = await post('/v2/models/simple/infer', body, {
      'Content-Type': 'application/octet-stream',
      'Inference-Header-Content-Length': String(h.length),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    const len = Number(res.headers.get('inference-header-content-length'));
    const raw = new Uint8Array(await res.arrayBuffer());
    const json = JSON.parse(new TextDecoder().decode(raw.subarray(0, len))) as {
      outputs: { parameters: { binary_data_size: number } }[];
    };
    expect(json.outputs[0]!.parameters.binary_data_size).toBe(64);
    const out = new Float32Array(raw.slice(len).buffer);
    expect(Array.from(out)).toEqual(Array.from(a).map(x => x * 2)); // version 2 multiplies
  });

  it('round-trips BYTES through the auto-completed text model', async () => {
    const res = await post('/v2/models/text_identity/infer', {
      inputs: [{ name: 'text', shape: [2, 1], datatype: 'BYTES', data: ['héllo', ''] }],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { outputs: { data: string[] }[] };
    expect(body.outputs[0]!.data).toEqual(['héllo', '']);
  });

  it('rejects bad input with a clear error and keeps serving', async () => {
    const bad = await post('/v2/models/simple/infer', {
      inputs: [
        {
          name: 'INPUT0',
          shape: [1, 15],
          datatype: 'FP32',
          data: Array.from({ length: 15 }, () => 0),
        },
        README_REQUEST.inputs[1],
      ],
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/INPUT0/);
    expect((await post('/v2/models/nope/infer', README_REQUEST)).status).toBe(404);
    expect((await post('/v2/models/simple/infer', '{"inputs": [')).status).toBe(400);
    expect((await post('/v2/models/simple/infer', README_REQUEST)).status).toBe(200);
  });

  it('reports statistics for served requests', async () => {
    type Stats = {
      model_stats: {
        name: string;
        version: string;
        inference_stats: { success: { count: number } };
      }[];
    };
    const stats = async () =>
      (await (await fetch(server.url + '/v2/models/simple/versions/1/stats')).json()) as Stats;
    const before = await stats();
    expect(before.model_stats[0]).toMatchObject({ name: 'simple', version: '1' });
    for (let i = 0; i < 3; i++)
      expect((await post('/v2/models/simple/versions/1/infer', README_REQUEST)).status).toBe(200);
    const after = await stats();
    const successes = (s: Stats) => s.model_stats[0]!.inference_stats.success.count;
    expect(successes(after) - successes(before)).toBe(3);
  });
});

describe('braid serve shutdown', () => {
  it('exits 0 on SIGTERM after serving what clients already sent', async () => {
    const s = await startServe([
      '--model-repository',
      EXAMPLES,
      '--model-control-mode',
      'explicit',
      '--load-model',
      'simple',
    ]);
    // Connections opened beforehand, as a client under steady load has them: a connection still
    // in the kernel's accept queue when the listener closes is reset before Braid ever sees it.
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const burst = () =>
      Array.from({ length: 8 }, () => postStatus(s.port, agent, JSON.stringify(README_REQUEST)));
    expect(await Promise.all(burst())).toEqual(Array.from({ length: 8 }, () => 200));
    const inflight = burst();
    expect(await inflight[0]).toBe(200);
    expect(await s.stop('SIGTERM')).toBe(0);
    expect(await Promise.all(inflight)).toEqual(Array.from({ length: 8 }, () => 200));
    expect(s.logs.some(l => l.msg === 'stopped')).toBe(true);
    agent.destroy();
  });
});

function postStatus(port: number, agent: Agent, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { port, host: '127.0.0.1', path: '/v2/models/simple/infer', method: 'POST', agent },
      res => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
