import { gunzipSync, inflateSync } from 'node:zlib';
import { describe, it, expect } from 'vitest';
import { compressBody, negotiateEncoding } from '../../../engine/server/compression.js';

describe('negotiateEncoding', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['gzip', 'gzip'],
    ['GZIP', 'gzip'],
    ['deflate', 'deflate'],
    ['deflate, gzip', 'gzip'],
    ['br, deflate;q=0.5', 'deflate'],
    ['gzip;q=0, deflate', 'deflate'],
    ['gzip; q=0.0', undefined],
    ['*', 'gzip'],
    ['br, identity', undefined],
    ['x-gzip', 'gzip'],
  ] as const)('%j → %s', (header, expected) => {
    expect(negotiateEncoding(header)).toBe(expected);
  });
});

describe('compressBody', () => {
  const body = new TextEncoder().encode('{"data":[' + '1,'.repeat(1000) + '1]}');

  it('gzips so that gunzip restores the body and it shrinks', async () => {
    const gz = await compressBody(body, 'gzip');
    expect(gz.byteLength).toBeLessThan(body.byteLength);
    expect(new Uint8Array(gunzipSync(gz))).toEqual(body);
  });

  it('deflates in the zlib format HTTP deflate means', async () => {
    expect(new Uint8Array(inflateSync(await compressBody(body, 'deflate')))).toEqual(body);
  });
});
