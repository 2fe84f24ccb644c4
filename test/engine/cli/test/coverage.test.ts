import { describe, expect, it } from 'vitest';
import { CoverageRecorder, pipelineBranches } from '../../../../engine/cli/test/coverage.js';
import { formatCoverage } from '../../../../engine/cli/test/coverage-table.js';
import { parsePipelineText } from '../../../../pipelines/index.js';

const text = `inputs: { X: { datatype: FP32, shape: [N] } }
outputs: { Y: { datatype: FP32, shape: [N] } }
defaults: { retry: { attempts: 2 } }
steps:
  - name: early
    when: "shape(X)[0] == 0"
    return: { Y: X }
  - { name: a, model: m, inputs: { x: X }, outputs: { y: A } }
  - { name: b, model: m, map: { over: A }, on_error: skip, inputs: { x: A }, outputs: { y: Y } }
`;
const branches = pipelineBranches(parsePipelineText(text, 'p.yaml').pipeline!);

describe('pipeline coverage', () => {
  it('reads the branches a file declares, defaults included', () => {
    expect(branches).toEqual([
      { name: 'early', guard: true, map: false, retry: false },
      { name: 'a', guard: false, map: false, retry: true },
      { name: 'b', guard: false, map: true, retry: true, onError: 'skip' },
    ]);
  });

  it('counts each step, guard outcome, map size and policy the records show', () => {
    const c = new CoverageRecorder();
    c.record([
      { pipeline: 'p', step: 'early', status: 'skipped', guard: false },
      { pipeline: 'p', step: 'a', status: 'ran', retries: 1 },
      { pipeline: 'p', step: 'b', status: 'ran', items: 3 },
      { pipeline: 'other', step: 'x', status: 'ran' },
    ]);
    const r = c.report('p', branches);
    expect(r.kinds).toEqual({
      steps: { covered: 2, total: 3 },
      guards: { covered: 1, total: 2 },
      maps: { covered: 1, total: 2 },
      policies: { covered: 1, total: 3 },
    });
    expect(r.total).toEqual({ covered: 5, total: 10 });
    expect(r.percent).toBe(50);
    expect(r.missed).toEqual([
      "step 'early' never ran",
      "the guard of 'early' was never true",
      "the map of 'b' never had zero items",
      "'b' never retried",
      "'b' never fell back (on_error: skip)",
    ]);
    c.record([
      { pipeline: 'p', step: 'early', status: 'returned', guard: true },
      { pipeline: 'p', step: 'b', status: 'skipped', onError: 'skip', retries: 1, reason: 'boom' },
      { pipeline: 'p', step: 'b', status: 'ran', items: 0 },
    ]);
    expect(c.report('p', branches).percent).toBe(100);
    expect(c.pipelines).toEqual(['p', 'other']);
  });

  it('renders a table marking the rows with a branch never taken', () => {
    const c = new CoverageRecorder();
    c.record([
      { pipeline: 'p', step: 'early', status: 'skipped', guard: false },
      { pipeline: 'p', step: 'a', status: 'ran' },
      { pipeline: 'p', step: 'b', status: 'cancelled' },
    ]);
    expect(formatCoverage(c.report('p', branches))).toEqual([
      "Coverage of pipeline 'p': 2/10 (20%)",
      '    step   ran  skipped  returned  failed  cancelled  retried  fell back  guard t/f  map 0/n',
      '  ✗ early    0        1         0       0          0                            0/1',
      '  ✗ a        1        0         0       0          0        0',
      '  ✗ b        0        0         0       0          1        0          0                 0/0',
      '  steps 1/3 (33.3%), guards 1/2 (50%), maps 0/2 (0%), error policies 0/3 (0%)',
      "  not covered: step 'early' never ran",
      "  not covered: the guard of 'early' was never true",
      "  not covered: 'a' never retried",
      "  not covered: step 'b' never ran",
      "  not covered: the map of 'b' never had zero items",
      "  not covered: the map of 'b' never had items",
      "  not covered: 'b' never retried",
      "  not covered: 'b' never fell back (on_error: skip)",
    ]);
  });
});
