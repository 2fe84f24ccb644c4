import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../../engine/core/clock.js';
import { Poller } from '../../../../engine/telemetry/metrics/poller.js';

const tick = () => new Promise(r => setImmediate(r));

describe('Poller', () => {
  it('runs at once, then every interval after a run finishes, until stopped', async () => {
    const clock = new SimulatedClock();
    const runs: number[] = [];
    const poller = new Poller(clock, 1000, async () => {
      runs.push(clock.now());
    });
    poller.start();
    poller.start();
    await tick();
    clock.advance(999);
    await tick();
    expect(runs).toEqual([0]);
    clock.advance(1);
    await tick();
    clock.advance(1000);
    await tick();
    expect(runs).toEqual([0, 1000, 2000]);
    await poller.stop();
    clock.advance(5000);
    await tick();
    expect(runs).toEqual([0, 1000, 2000]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('keeps polling after a failed run', async () => {
    const clock = new SimulatedClock();
    let n = 0;
    const poller = new Poller(clock, 10, () => (n++, Promise.reject(new Error('boom'))));
    poller.start();
    await tick();
    clock.advance(10);
    await tick();
    expect(n).toBe(2);
    await poller.stop();
  });
});
