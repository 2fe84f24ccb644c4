import { describe, expect, it } from 'vitest';
import { decodeBytesElements, encodeBytesElements } from '../../../../engine/server/codec/index.js';
import { expectEngineError, utf8Bytes } from './fixtures.js';

describe('encodeBytesElements', () => {
  it('writes a u32 little-endian length before each element, with no padding', () => {
    const out = encodeBytesElements([utf8Bytes('ab'), new Uint8Array(0), utf8Bytes('c')]);
    expect(Array.from(out)).toEqual([2, 0, 0, 0, 0x61, 0x62, 0, 0, 0, 0, 1, 0, 0, 0, 0x63]);
  });

  it('encodes lengths above 255 across all four prefix bytes', () => {
    const out = encodeBytesElements([new Uint8Array(0x0102)]);
    expect(Array.from(out.subarray(0, 4))).toEqual([0x02, 0x01, 0, 0]);
    expect(out.byteLength).toBe(4 + 0x0102);
  });

  it('encodes no elements as an empty buffer', () => {
    expect(encodeBytesElements([]).byteLength).toBe(0);
  });
});

describe('decodeBytesElements', () => {
  it('round-trips empty, ASCII and multi-byte UTF-8 elements', () => {
    const els = ['', 'hello', 'héllo wörld', '日本語', '🙂'].map(utf8Bytes);
    const decoded = decodeBytesElements(encodeBytesElements(els), 5, 'TEXT');
    const strings = decoded.map(e => new TextDecoder().decode(e));
    expect(strings).toEqual(['', 'hello', 'héllo wörld', '日本語', '🙂']);
  });

  it('returns views into the buffer instead of copies', () => {
    const buf = encodeBytesElements([utf8Bytes('xyz')]);
    const [el] = decodeBytesElements(buf);
    expect(el!.buffer).toBe(buf.buffer);
    expect(el!.byteOffset).toBe(4);
  });

  it('rejects an element count that differs from the shape, naming the tensor', () => {
    const buf = encodeBytesElements([utf8Bytes('a'), utf8Bytes('b')]);
    expectEngineError(
      () => decodeBytesElements(buf, 3, 'TEXT'),
      'INVALID_ARG',
      "'TEXT'",
      'expected 3 elements',
      'got 2',
    );
  });

  it('rejects a truncated length prefix', () => {
    expectEngineError(
      () => decodeBytesElements(new Uint8Array([1, 0]), undefined, 'T'),
      'INVALID_ARG',
      "'T'",
      '4-byte length prefix',
    );
  });

  it('rejects an element longer than the bytes left', () => {
    const buf = new Uint8Array([5, 0, 0, 0, 0x61, 0x62]);
    expectEngineError(
      () => decodeBytesElements(buf),
      'INVALID_ARG',
      'declares 5 bytes but only 2 remain',
    );
  });

  it('reads lengths with the high bit set as unsigned', () => {
    const buf = new Uint8Array([0, 0, 0, 0x80]);
    expectEngineError(
      () => decodeBytesElements(buf),
      'INVALID_ARG',
      `declares ${0x80000000} bytes`,
    );
  });
});
