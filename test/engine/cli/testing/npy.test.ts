import { describe, expect, it } from 'vitest';
import { parseNpy, writeNpy } from '../../../../engine/cli/testing/npy.js';
import { elements } from '../../../../engine/cli/testing/values.js';

/** A .npy file as NumPy writes it, for a header and raw data given here. */
function npy(header: string, data: Uint8Array, version = 1): Uint8Array {
  const h = new TextEncoder().encode(header);
  const pre = version === 1 ? 10 : 12;
  const out = new Uint8Array(pre + h.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, h.length, true);
  else view.setUint32(8, h.length, true);
  out.set(h, pre);
  out.set(data, pre + h.length);
  return out;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

describe('.npy files', () => {
  it('reads what it writes, and its header is 64-byte aligned as NumPy writes it', () => {
    const file = writeNpy({
      datatype: 'FP32',
      shape: [2, 3],
      data: Float32Array.of(1, 2, 3, 4, 5, 0.1),
    });
    expect((file.length - 24) % 64).toBe(0);
    const t = parseNpy(file, 'x.npy');
    expect(t).toMatchObject({ datatype: 'FP32', shape: [2, 3] });
    expect(Array.from(t.data as Float32Array)).toEqual(
      Array.from(Float32Array.of(1, 2, 3, 4, 5, 0.1)),
    );
  });

  it('reads version 2 headers, integers, booleans and one-element shapes', () => {
    const t = parseNpy(
      npy(
        "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }\n",
        bytesOf(BigInt64Array.of(-3n, 9007199254740993n)),
        2,
      ),
      'i.npy',
    );
    expect(t.datatype).toBe('INT64');
    expect(elements(t)).toEqual([-3n, 9007199254740993n]);
    const b = parseNpy(
      npy("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }\n", Uint8Array.of(1, 0, 1)),
      'b.npy',
    );
    expect(b).toMatchObject({ datatype: 'BOOL', shape: [3] });
    const scalar = parseNpy(
      npy(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (), }\n",
        bytesOf(Float64Array.of(2.5)),
      ),
      's.npy',
    );
    expect(scalar.shape).toEqual([]);
    expect(elements(scalar)).toEqual([2.5]);
  });

  it('reads byte and unicode strings as BYTES', () => {
    const s = parseNpy(
      npy(
        "{'descr': '|S3', 'fortran_order': False, 'shape': (2,), }\n",
        Uint8Array.of(97, 98, 0, 120, 121, 122),
      ),
      's.npy',
    );
    expect(s.datatype).toBe('BYTES');
    expect(elements(s)).toEqual(['ab', 'xyz']);
    const u = new Uint8Array(16);
    new DataView(u.buffer).setUint32(0, 0xe9, true); // é
    new DataView(u.buffer).setUint32(4, 0x1f600, true); // 😀
    expect(
      elements(
        parseNpy(npy("{'descr': '<U2', 'fortran_order': False, 'shape': (2,), }\n", u), 'u.npy'),
      ),
    ).toEqual(['é😀', '']);
  });

  it('refuses what it cannot read, saying why', () => {
    expect(() => parseNpy(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), 'a.npy')).toThrow(
      'a.npy: not a .npy file',
    );
    expect(() =>
      parseNpy(
        npy("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }\n", new Uint8Array(4)),
        'b.npy',
      ),
    ).toThrow("b.npy: big-endian data ('>f4') is not supported");
    expect(() =>
      parseNpy(
        npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }\n", new Uint8Array(16)),
        'c.npy',
      ),
    ).toThrow('Fortran-ordered');
    expect(() =>
      parseNpy(
        npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }\n", new Uint8Array(8)),
        'd.npy',
      ),
    ).toThrow("unsupported dtype '|O'");
    expect(() =>
      parseNpy(
        npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }\n", new Uint8Array(8)),
        'e.npy',
      ),
    ).toThrow('e.npy: shape [4] needs 16 bytes of data, the file has 8');
    expect(() => parseNpy(npy("{'shape': (4,)}\n", new Uint8Array(8)), 'f.npy')).toThrow(
      'malformed .npy header',
    );
  });
});
