import { describe, expect, it } from 'vitest';
import {
  formatLabels,
  formatValue,
  renderFamilies,
  tagLabel,
} from '../../../../engine/telemetry/metrics/exposition.js';

describe('Prometheus text exposition', () => {
  it('writes HELP, TYPE and one line per sample, leaving out families without samples', () => {
    const text = renderFamilies([
      {
        name: 'a_total',
        help: 'A\nsecond line \\ slash',
        type: 'counter',
        samples: [{ value: 3, labels: { model: 'm', version: '1' } }],
      },
      { name: 'empty', help: 'Nothing', type: 'gauge', samples: [] },
      {
        name: 'h',
        help: 'H',
        type: 'histogram',
        samples: [
          { name: 'h_bucket', value: 1, labels: { le: '+Inf' } },
          { name: 'h_count', value: 1, labels: {} },
        ],
      },
    ]);
    expect(text).toBe(
      '# HELP a_total A\\nsecond line \\\\ slash\n# TYPE a_total counter\na_total{model="m",version="1"} 3\n' +
        '# HELP h H\n# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_count 1\n',
    );
  });

  it('escapes label values and spells special values as the format does', () => {
    expect(formatLabels({ a: 'x"y\\z\nw', b: 2 })).toBe('{a="x\\"y\\\\z\\nw",b="2"}');
    expect(formatLabels({})).toBe('');
    expect([NaN, Infinity, -Infinity, 0.25].map(formatValue)).toEqual([
      'NaN',
      '+Inf',
      '-Inf',
      '0.25',
    ]);
  });

  it('names metric tag labels as Triton does, with characters Prometheus refuses replaced', () => {
    expect(tagLabel('team')).toBe('_team');
    expect(tagLabel('cost-center.eu')).toBe('_cost_center_eu');
  });
});
