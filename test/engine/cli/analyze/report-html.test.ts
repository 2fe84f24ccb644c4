import { describe, expect, it } from 'vitest';
import { renderReport } from '../../../../engine/cli/analyze/report-html.js';
import type { AnalyzeResult, CandidateRun } from '../../../../engine/cli/analyze/run-analyze.js';
import { renderPlot } from '../../../../engine/cli/analyze/svg-plot.js';
import type { LevelResult } from '../../../../engine/cli/perf/measure-level.js';

function level(concurrency: number, throughput: number, p99: number): LevelResult {
  const latencyMs = { mean: p99 / 2, p50: p99 / 2, p90: p99 * 0.8, p95: p99 * 0.9, p99 };
  return {
    level: { kind: 'concurrency', value: concurrency },
    throughput,
    requestsPerSec: throughput,
    sendRate: throughput,
    latencyMs,
    requests: 100,
    errors: { count: 0, messages: [] },
    windows: 3,
    stable: true,
    generator: { eventLoopUtilization: 0.1, cpuUsPerRequest: 10 },
  };
}

const base = {
  maxBatchSize: 64,
  queueDelayUs: 1000,
  preferred: [],
  instances: 1,
  intraOpThreads: 'default',
} as const;

function run(
  index: number,
  levels: LevelResult[],
  extra: Partial<CandidateRun> = {},
): CandidateRun {
  const best = levels[1] ?? levels[0];
  const point = best && {
    concurrency: best.level.value,
    throughput: best.throughput,
    p99Ms: best.latencyMs.p99,
  };
  return {
    index,
    candidate: { ...base, instances: index },
    label: `candidate <${index}> & co`,
    configText: `max_batch_size: 64\n# <b>not markup</b>\n`,
    isDefault: index === 1,
    levels,
    score: point
      ? { feasible: true, value: point.throughput, point }
      : { feasible: false, value: -Infinity },
    ...extra,
  };
}

const runs = [
  run(1, [level(1, 400, 2), level(8, 1500, 6), level(32, 2000, 20)]),
  run(2, [level(1, 500, 1.5), level(8, 2500, 5), level(32, 4000, 14)]),
  run(3, [], { error: 'model did not load: <oops>' }),
  run(4, [level(1, 450, 1.8), level(8, 2100, 7)]),
];

const result: AnalyzeResult = {
  model: 'mlp',
  objective: 'throughput',
  constraints: { latencyBudgetMs: 8 },
  search: 'quick',
  space: {
    maxBatchSize: [64],
    queueDelayUs: [1000],
    preferred: [[]],
    instances: [1, 2, 3, 4],
    intraOpThreads: ['default'],
  },
  runs,
  defaultRun: runs[0]!,
  best: runs[1]!,
};

const VOID = new Set(['meta', 'br', 'hr', 'img', 'input', 'link']);

/** Throws unless every element is closed in order (a strict subset of HTML is what the report writes). */
function checkBalanced(html: string): void {
  const stack: string[] = [];
  for (const m of html.matchAll(/<(\/?)([a-zA-Z][\w-]*)([^>]*)>/g)) {
    const [, close, name, rest] = m as unknown as [string, string, string, string];
    if (close) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open ?? 'nothing'}>`);
    } else if (!rest.endsWith('/') && !VOID.has(name.toLowerCase())) stack.push(name);
  }
  if (stack.length > 0) throw new Error(`unclosed: ${stack.join(', ')}`);
}

describe('renderReport', () => {
  const html = renderReport(result);

  it('is a complete, balanced page with no script and no external resource', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(() => checkBalanced(html.replace('<!DOCTYPE html>', ''))).not.toThrow();
    expect(html).not.toMatch(/<script|<link|src=|href=|url\(/i);
  });

  it('draws one curve per candidate with measurements, the budget and the chosen point', () => {
    const svg = /<svg[\s\S]*<\/svg>/.exec(html)?.[0] ?? '';
    expect(svg).not.toBe('');
    expect(svg.match(/<path class="curve"/g)).toHaveLength(3);
    expect(svg.match(/<circle cx=/g)).toHaveLength(8);
    // The current config (#1) and the recommended one (#2) stand out.
    expect(svg.match(/<path class="curve"[^>]*stroke-width="3"/g)).toHaveLength(2);
    expect(svg).toContain('class="budget"');
    expect(svg).toContain('class="chosen"');
    expect(svg).toContain('budget 8 ms');
  });

  it('states the current and the recommended point and the gain', () => {
    expect(html).toContain('Current config: 1500.0 infer/s, p99 6.00 ms at concurrency 8.');
    expect(html).toContain(
      '<b>2500.0 infer/s, p99 5.00 ms at concurrency 8</b> (1.67× the current config)',
    );
  });

  it('lists every measurement and escapes every text', () => {
    expect(html.match(/<tr><td>\d+<\/td><td>\d+<\/td>/g)).toHaveLength(8);
    expect(html).toContain('candidate &lt;2&gt; &amp; co');
    expect(html).toContain('model did not load: &lt;oops&gt;');
    expect(html).toContain('# &lt;b&gt;not markup&lt;/b&gt;');
    expect(html).not.toContain('<oops>');
  });
});

describe('renderPlot', () => {
  it('puts higher throughput higher and longer latency further right', () => {
    const svg = renderPlot({
      series: [
        {
          label: 'a',
          color: 'red',
          points: [
            { x: 1, y: 100, note: '' },
            { x: 2, y: 300, note: '' },
          ],
        },
      ],
    });
    const [p1, p2] = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map(
      m => [Number(m[1]), Number(m[2])] as const,
    );
    expect(p2![0]).toBeGreaterThan(p1![0]);
    expect(p2![1]).toBeLessThan(p1![1]);
  });

  it('switches to a log latency axis when latencies span orders of magnitude', () => {
    const points = [
      { x: 0.5, y: 10, note: '' },
      { x: 200, y: 20, note: '' },
    ];
    expect(renderPlot({ series: [{ label: 'a', color: 'red', points }] })).toContain('log scale');
    expect(
      renderPlot({ series: [{ label: 'a', color: 'red', points: points.slice(0, 1) }] }),
    ).not.toContain('log scale');
  });
});
