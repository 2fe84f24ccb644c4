import { describe, expect, it } from 'vitest';
import type { StatsObserver } from '../../../engine/core/telemetry.js';
import { StatsRecorder } from '../../../engine/scheduling/stats.js';

describe('StatsRecorder', () => {
  it('counts failures by reason, summing to the fail count', () => {
    const s = new StatsRecorder('m', '1');
    s.request(false, 10, 0, 'REJECTED');
    s.request(false, 10, 0, 'REJECTED');
    s.request(false, 10, 0, 'CANCELED');
    s.request(false, 10, 0);
    s.request(true, 10, 5);
    expect(s.failures()).toEqual({ REJECTED: 2, CANCELED: 1, BACKEND: 0, OTHER: 1 });
    expect(s.snapshot().inference_stats.fail).toEqual({ count: 4, ns: 40 });
    const copy = s.failures();
    copy.OTHER = 99;
    expect(s.failures().OTHER).toBe(1);
  });

  it('counts a request run whole as its inferences and one execution, with no compute or batch stats', () => {
    const s = new StatsRecorder('p', '1');
    s.ranWhole(3);
    s.ranWhole(1);
    const snap = s.snapshot();
    expect(snap).toMatchObject({ inference_count: 4, execution_count: 2, batch_stats: [] });
    expect(snap.inference_stats.compute_infer).toEqual({ count: 0, ns: 0 });
  });

  it('passes every record to its observer as it records it', () => {
    const seen: unknown[][] = [];
    const observer: StatsObserver = {
      request: (...a) => void seen.push(['request', ...a]),
      queued: (...a) => void seen.push(['queued', ...a]),
      execution: (...a) => void seen.push(['execution', ...a]),
    };
    const s = new StatsRecorder('m', '1');
    s.request(true, 1, 0); // before observe: not seen
    s.observe(observer);
    s.queued(100);
    s.execution(4, 1, 2, 3);
    s.request(true, 500, 0);
    s.request(false, 600, 0, 'BACKEND');
    expect(seen).toEqual([
      ['queued', 100],
      ['execution', 4, 1, 2, 3],
      ['request', true, 500, undefined],
      ['request', false, 600, 'BACKEND'],
    ]);
  });
});
