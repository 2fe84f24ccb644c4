// issue #13 item 4: classification over HTTP, over a real socket to a real engine: an output
// requested with `"parameters": {"classification": N}` comes back as Triton's top-N BYTES.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../engine/runtime/engine.js';
import { createApp } from '../../../engine/server/app.js';
import { listen, type HttpServerHandle } from '../../../engine/server/listen.js';
import { standardEngine } from '../../support/engine.js';
import { LABELS, tritonRepository } from './triton-repo.js';

let repo: { dir: string; dispose(): Promise<void> };
let engine: Engine;
let server: HttpServerHandle;
let url: string;

beforeAll(async () => {
  repo = await tritonRepository();
  engine = await standardEngine(repo.dir);
  server = await listen(createApp(engine), { port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${server.port}`;
}, 60_000);

afterAll(async () => {
  await server?.close(0);
  await engine?.shutdown(5000);
  await repo?.dispose();
});

const a = Array.from({ length: 16 }, (_, i) => i);
const infer = (model: string, outputs: object[], extra: object = {}) =>
  fetch(`${url}/v2/models/${model}/infer`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      inputs: [
        { name: 'INPUT0', datatype: 'FP32', shape: [1, 16], data: a },
        { name: 'INPUT1', datatype: 'FP32', shape: [1, 16], data: a.map(i => (i === 2 ? 0.5 : 0)) },
      ],
      outputs,
      ...extra,
    }),
  });

describe('HTTP classification', () => {
  it('answers the top N as BYTES "value:index:label" with shape [batch, N]', async () => {
    const res = await infer('classify', [
      { name: 'OUTPUT0', parameters: { classification: 2 } },
      { name: 'OUTPUT1' },
    ]);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      outputs: { name: string; datatype: string; shape: number[]; data: unknown[] }[];
    };
    expect(body.outputs[0]).toEqual({
      name: 'OUTPUT0',
      datatype: 'BYTES',
      shape: [1, 2],
      data: [`15.000000:15:${LABELS[15]}`, `14.000000:14:${LABELS[14]}`],
    });
    expect(body.outputs[1]).toMatchObject({ name: 'OUTPUT1', datatype: 'FP32' });
  });

  it('prints the values as Triton does and leaves labels off for a model without a label file', async () => {
    const res = await infer('simple', [{ name: 'OUTPUT0', parameters: { classification: 14 } }]);
    const data = ((await res.json()) as { outputs: { data: string[] }[] }).outputs[0]!.data;
    expect(data.slice(0, 2)).toEqual(['15.000000:15', '14.000000:14']);
    expect(data).toContain('2.500000:2');
  });

  it('sends the classes as binary BYTES when binary_data asks for it', async () => {
    const res = await infer('classify', [
      { name: 'OUTPUT0', parameters: { classification: 1, binary_data: true } },
    ]);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    const body = Buffer.from(await res.arrayBuffer());
    const headerLength = Number(res.headers.get('inference-header-content-length'));
    const header = JSON.parse(body.subarray(0, headerLength).toString()) as {
      outputs: { datatype: string; shape: number[] }[];
    };
    expect(header.outputs[0]).toMatchObject({ datatype: 'BYTES', shape: [1, 1] });
    const n = body.readUInt32LE(headerLength);
    expect(body.subarray(headerLength + 4, headerLength + 4 + n).toString()).toBe(
      `15.000000:15:${LABELS[15]}`,
    );
  });

  it('treats classification 0 as none, as Triton does, and refuses a negative one', async () => {
    const none = (await (
      await infer('classify', [{ name: 'OUTPUT0', parameters: { classification: 0 } }])
    ).json()) as { outputs: { datatype: string }[] };
    expect(none.outputs[0]!.datatype).toBe('FP32');
    const bad = await infer('classify', [{ name: 'OUTPUT0', parameters: { classification: -1 } }]);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(
      /Unable to set 'classification' of output 'OUTPUT0'/,
    );
  });
});
