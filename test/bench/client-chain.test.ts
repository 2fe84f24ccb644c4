import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChainHop } from './client-chain.js';
import { runChainLoad } from './client-chain.js';

/**
 * A stand-in server: `/v2/models/add<k>/infer` adds k to every FP32 value of a binary-extension
 * request and answers in the binary extension; `/v2/models/broken/infer` answers 500.
 */
let server: http.Server;
let origin = '';
const seen: string[] = [];

function answer(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
  const model = /\/v2\/models\/([^/]+)\/infer/.exec(req.url ?? '')?.[1] ?? '';
  seen.push(model);
  if (!model.startsWith('add')) {
    res.writeHead(500, { 'content-type': 'application/json' });
    return void res.end('{"error":"no such model"}');
  }
  const headerLength = Number(req.headers['inference-header-content-length']);
  const x = body.subarray(headerLength);
  const y = Buffer.alloc(x.length);
  const k = Number(model.slice(3));
  for (let i = 0; i < x.length; i += 4) y.writeFloatLE(x.readFloatLE(i) + k, i);
  const output = { name: 'y', parameters: { binary_data_size: y.length } };
  const header = Buffer.from(JSON.stringify({ outputs: [output] }));
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'inference-header-content-length': String(header.length),
    'content-length': String(header.length + y.length),
  });
  res.end(Buffer.concat([header, y]));
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => answer(req, Buffer.concat(chunks), res));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise(resolve => server.close(resolve));
});

const hop = (model: string): ChainHop => ({ model, input: 'x', output: 'y' });
const input = Float32Array.of(1, 2, 3, 4);
const short = { shape: [1, 4], input, durationMs: 300, warmupMs: 50 };

describe('runChainLoad', () => {
  it('sends each hop the previous output and counts whole chains', async () => {
    seen.length = 0;
    const hops = [hop('add1'), hop('add10'), hop('add100')];
    const expected = input.map(v => v + 111);
    const r = await runChainLoad({ ...short, origin, hops, expected, concurrency: 2 });
    expect(r.errors).toEqual({ count: 0, messages: [] });
    expect(r.requests).toBeGreaterThan(0);
    expect(r.throughput).toBeCloseTo(r.requests / r.durationS, 6);
    expect(r.p50).toBeGreaterThan(0);
    expect(r.p50).toBeLessThanOrEqual(r.p99);
    // Every chain started was finished before the run returned, each hop once.
    for (const model of ['add1', 'add10', 'add100']) {
      expect(seen.filter(m => m === model)).toHaveLength(r.sent);
    }
  });

  it('calls the hops in order on one connection', async () => {
    seen.length = 0;
    const hops = [hop('add3'), hop('add2')];
    const expected = input.map(v => v + 5);
    const r = await runChainLoad({ ...short, origin, hops, expected, concurrency: 1 });
    expect(r.errors.count).toBe(0);
    expect(seen.slice(0, 4)).toEqual(['add3', 'add2', 'add3', 'add2']);
  });

  it('counts a chain whose answer differs from the expected one as an error', async () => {
    const hops = [hop('add1'), hop('add2')];
    const expected = input.map(v => v + 4);
    const r = await runChainLoad({ ...short, origin, hops, expected, concurrency: 1 });
    expect(r.requests).toBe(0);
    expect(r.errors.count).toBeGreaterThan(0);
    expect(r.errors.messages[0]).toBe('the chain returned other values');
  });

  it('stops a chain at a failing hop and keeps its message', async () => {
    seen.length = 0;
    const hops = [hop('add1'), hop('broken'), hop('add2')];
    const r = await runChainLoad({ ...short, origin, hops, expected: input, concurrency: 1 });
    expect(r.requests).toBe(0);
    expect(r.errors.messages[0]).toBe('HTTP 500: {"error":"no such model"}');
    expect(seen).not.toContain('add2');
  });
});
