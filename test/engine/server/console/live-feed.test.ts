/*
 * The console feed's control mode and live figures (issue #18): the metrics are read once per
 * event and never before a page opens the stream; the figures span the feed's own ticks.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../../engine/core/clock.js';
import { createApp } from '../../../../engine/server/app.js';
import type { ConsoleSources } from '../../../../engine/server/console/sources.js';
import { fakeEngine } from '../helpers.js';

function consoleApp(sources: ConsoleSources) {
  const engine = fakeEngine();
  const clock = new SimulatedClock();
  const assets = new Map();
  return { engine, clock, app: createApp(engine, { clock, console: { assets, sources } }) };
}

/** Waits for `cond` over microtask and macrotask turns (stream plumbing), never on wall-clock time. */
async function vitestWait(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise(resolve => setImmediate(resolve));
  expect(cond()).toBe(true);
}

describe('the live feed', () => {
  it('carries the control mode and the live figures, reading the metrics only per event', async () => {
    let reads = 0;
    const latency = [
      { le: 0.01, count: 0 },
      { le: Infinity, count: 0 },
    ];
    const live = async () => {
      reads++;
      const copy = latency.map(b => ({ ...b }));
      return { models: [{ name: 'simple', version: '1', latency: copy, pending: 3 }], steps: [] };
    };
    const { app, clock, engine } = consoleApp({ controlMode: 'none', live });
    // Nothing is read before a page opens the stream.
    expect(reads).toBe(0);
    const reader = (await app.request('/console/api/events')).body!.getReader();
    const next = async () => {
      const text = new TextDecoder().decode((await reader.read()).value);
      return JSON.parse(/data: (.*)/.exec(text)![1]!) as {
        controlMode: string;
        live: { models: { name: string; version: string; pending?: number; p50Ms?: number }[] };
      };
    };
    const first = await next();
    expect(first.controlMode).toBe('none');
    expect(first.live.models.find(m => m.name === 'simple' && m.version === '1')).toMatchObject({
      pending: 3,
    });
    engine.recorder('simple', 1).request(true, 4_000_000, 0);
    latency[0] = { le: 0.01, count: 1 };
    latency[1] = { le: Infinity, count: 1 };
    await vitestWait(() => clock.pendingTimers === 1);
    clock.advance(1000);
    const second = await next();
    const simple = second.live.models.find(m => m.name === 'simple' && m.version === '1');
    expect(simple).toMatchObject({ requests: 1 });
    expect(simple?.p50Ms).toBeCloseTo(5);
    expect(reads).toBe(2);
    await reader.cancel();
    await vitestWait(() => clock.pendingTimers === 0);
  });
});
