import { describe, expect, it } from 'vitest';
import { createSourceLocator } from '../../../engine/repository/source-position.js';

const YAML = `name: simple
max_batch_size: 8
input:
  - name: INPUT0
    data_type: TYPE_FP32
    dims: [ 16, x ]
dynamic_batching:
  priority_queue_policy:
    1: { max_queue_size: 4 }
`;

describe('createSourceLocator', () => {
  const at = createSourceLocator(YAML);

  it('finds a top-level scalar value', () => {
    expect(at(['max_batch_size'])).toEqual({ line: 2, col: 17 });
  });

  it('finds values inside sequences and flow collections', () => {
    expect(at(['input', 0, 'data_type'])).toEqual({ line: 5, col: 16 });
    expect(at(['input', 0, 'dims', 1])).toEqual({ line: 6, col: 17 });
  });

  it('finds a key instead of its value when asked', () => {
    expect(at(['input', 0, 'dims'], { key: true })).toEqual({ line: 6, col: 5 });
  });

  it('matches numeric YAML keys against string path segments', () => {
    expect(at(['dynamic_batching', 'priority_queue_policy', '1', 'max_queue_size'])).toEqual({
      line: 9,
      col: 26,
    });
  });

  it('falls back to the deepest existing node for a missing key', () => {
    expect(at(['input', 0, 'optional'])).toEqual({ line: 4, col: 5 });
    expect(at(['input', 3, 'name'])).toEqual({ line: 4, col: 3 });
  });

  it('returns the document start for the empty path', () => {
    expect(at([])).toEqual({ line: 1, col: 1 });
  });

  it('works for JSON text too', () => {
    const json = createSourceLocator(
      '{\n  "max_batch_size": 8,\n  "input": [ { "name": "X" } ]\n}',
    );
    expect(json(['input', 0, 'name'])).toEqual({ line: 3, col: 24 });
  });

  it('returns undefined for an empty document', () => {
    expect(createSourceLocator('')(['name'])).toBeUndefined();
  });
});
