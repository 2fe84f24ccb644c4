import { gunzipSync, gzipSync, deflateSync, inflateSync } from 'node:zlib';
import { describe, it, expect } from 'vitest';
import { expectError, post, setup } from '../helpers.js';
import { range, simpleRequest } from './infer-fixtures.js';

// The infer route's bodies: compressed requests and responses, and the size limit.

describe('infer: request compression', () => {
  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['GZip', gzipSync],
  ] as const)('accepts a %s request body', async (encoding, compress) => {
    const { app, engine } = setup();
    const body = new Uint8Array(compress(JSON.stringify(simpleRequest)));
    const res = await post(app, '/v2/models/simple/infer', body, { 'Content-Encoding': encoding });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { outputs: { data: number[] }[] }).outputs[0]!.data).toEqual(
      range(16, 1),
    );
    expect(engine.inferCalls).toHaveLength(1);
  });

  it('applies Inference-Header-Content-Length to the decompressed body', async () => {
    const { app } = setup();
    const header = new TextEncoder().encode(
      JSON.stringify({
        inputs: [
          { name: 'INPUT0', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: 16 } },
        ],
      }),
    );
    const raw = new Uint8Array([
      ...header,
      ...new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer),
    ]);
    const res = await post(app, '/v2/models/echo/infer', new Uint8Array(gzipSync(raw)), {
      'Content-Encoding': 'gzip',
      'Inference-Header-Content-Length': String(header.byteLength),
    });
    expect(res.status).toBe(200);
  });

  it('rejects an unknown Content-Encoding naming it', async () => {
    const { app, engine } = setup();
    const res = await post(app, '/v2/models/simple/infer', simpleRequest, {
      'Content-Encoding': 'br',
    });
    await expectError(res, 400, /unsupported Content-Encoding 'br'.*model 'simple'/);
    expect(engine.inferCalls).toHaveLength(0);
  });

  it('rejects a corrupt gzip body with 400', async () => {
    const { app } = setup();
    const res = await post(app, '/v2/models/simple/infer', simpleRequest, {
      'Content-Encoding': 'gzip',
    });
    await expectError(
      res,
      400,
      /failed to decompress the gzip body of the infer request for model 'simple'/,
    );
  });
});

describe('infer: body size limit', () => {
  const limit = 1024;
  const tooLarge = `request body exceeds the size limit of ${limit} bytes`;

  it('rejects by Content-Length before reading the body', async () => {
    const { app, engine } = setup({ maxInputSize: limit });
    let pulled = false;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(c) {
          pulled = true;
          c.enqueue(new Uint8Array(10));
          c.close();
        },
      },
      { highWaterMark: 0 },
    );
    const req = new Request('http://localhost/v2/models/simple/infer', {
      method: 'POST',
      body,
      headers: { 'Content-Length': String(limit + 1) },
      duplex: 'half',
    } as RequestInit);
    await expectError(await app.request(req), 413, tooLarge);
    expect(pulled).toBe(false);
    expect(engine.inferCalls).toHaveLength(0);
  });

  it('rejects a streamed body without Content-Length once it passes the limit', async () => {
    const { app, engine } = setup({ maxInputSize: limit });
    let chunks = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        chunks++;
        if (chunks > 100) c.close();
        else c.enqueue(new Uint8Array(100));
      },
    });
    const req = new Request('http://localhost/v2/models/simple/infer', {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit);
    expect(req.headers.get('content-length')).toBeNull();
    await expectError(await app.request(req), 413, tooLarge);
    expect(chunks).toBeLessThan(100);
    expect(engine.inferCalls).toHaveLength(0);
  });

  it('rejects a compressed body that expands past the limit', async () => {
    const { app, engine } = setup({ maxInputSize: limit });
    const bomb = new Uint8Array(gzipSync(new Uint8Array(limit * 10)));
    expect(bomb.byteLength).toBeLessThan(limit);
    await expectError(
      await post(app, '/v2/models/simple/infer', bomb, { 'Content-Encoding': 'gzip' }),
      413,
      tooLarge,
    );
    expect(engine.inferCalls).toHaveLength(0);
  });

  it('accepts a body of exactly the limit', async () => {
    const json = JSON.stringify(simpleRequest);
    const { app } = setup({ maxInputSize: json.length });
    expect((await post(app, '/v2/models/simple/infer', simpleRequest)).status).toBe(200);
  });
});

describe('infer: response compression', () => {
  const big = {
    inputs: [
      {
        name: 'INPUT0',
        shape: [100, 4],
        datatype: 'FP32',
        data: Array.from({ length: 400 }, (_, i) => i / 8),
      },
    ],
  };

  it('gzips a large response when Accept-Encoding names gzip', async () => {
    const { app } = setup();
    const res = await post(app, '/v2/models/echo/infer', big, {
      'Accept-Encoding': 'deflate;q=0.5, gzip',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = JSON.parse(gunzipSync(new Uint8Array(await res.arrayBuffer())).toString('utf8'));
    expect(body.outputs[0].data).toEqual(big.inputs[0]!.data);
  });

  it('deflates when only deflate is accepted, and keeps the header length of the uncompressed body', async () => {
    const { app } = setup();
    const res = await post(
      app,
      '/v2/models/echo/infer',
      { ...big, parameters: { binary_data_output: true } },
      {
        'Accept-Encoding': 'deflate',
      },
    );
    expect(res.headers.get('content-encoding')).toBe('deflate');
    const plain = new Uint8Array(inflateSync(new Uint8Array(await res.arrayBuffer())));
    const headerLength = Number(res.headers.get('inference-header-content-length'));
    expect(plain.byteLength - headerLength).toBe(1600);
    expect(JSON.parse(new TextDecoder().decode(plain.subarray(0, headerLength))).model_name).toBe(
      'echo',
    );
  });

  it('leaves small responses and clients without Accept-Encoding uncompressed', async () => {
    const { app } = setup();
    const small = await post(app, '/v2/models/simple/infer', simpleRequest, {
      'Accept-Encoding': 'gzip',
    });
    expect(small.headers.get('content-encoding')).toBeNull();
    expect(((await small.json()) as { model_name: string }).model_name).toBe('simple');
    const plain = await post(app, '/v2/models/echo/infer', big);
    expect(plain.headers.get('content-encoding')).toBeNull();
  });
});
