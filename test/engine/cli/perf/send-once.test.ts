import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendOnce } from '../../../../engine/cli/perf/send-once.js';

let server: http.Server;
let origin = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      res.writeHead(req.method === 'POST' ? 500 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, body, type: req.headers['content-type'] }));
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise(resolve => server.close(resolve));
});

describe('sendOnce', () => {
  it('POSTs the body with its headers and returns status, headers and the whole body', async () => {
    const body = Buffer.from('{"inputs":[]}');
    const res = await sendOnce(`${origin}/x`, body, { 'content-type': 'application/json' });
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toBe('application/json');
    const echoed = JSON.parse(res.body.toString()) as unknown;
    expect(echoed).toEqual({ method: 'POST', body: '{"inputs":[]}', type: 'application/json' });
  });

  it('GETs without a body', async () => {
    const res = await sendOnce(`${origin}/v2/models/m/stats`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual({ method: 'GET', body: '' });
  });
});
