/**
 * @module
 * The console's live feed: one server-sent event a tick (about a second) with the repository
 * index and every version's statistics, for as long as a page holds the stream open. Nothing
 * is computed or scheduled while no page is connected.
 */
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { InferenceEngine } from '../../runtime/types.js';
import { streamSSE } from 'hono/streaming';
import type { ServerContext } from '../routing.js';
import { LiveWindow } from './live-figures.js';
import type { ConsoleSources } from './sources.js';

/** Options of {@link consoleEvents}. */
export interface ConsoleEventsOptions {
  readonly clock: Clock;
  /** Time between two snapshots. */
  readonly intervalMs: number;
  /** True once the server drains: the stream ends so it does not hold the shutdown up. */
  readonly isDraining: () => boolean;
  /** The metrics read at each tick and the control mode each event repeats. */
  readonly sources?: Pick<ConsoleSources, 'live' | 'controlMode'>;
  /** Ticks the live figures span (percentiles, batch sizes). Default 10. */
  readonly windowTicks?: number;
}

/**
 * Answers `c` with an SSE stream of `snapshot` events, `{ time, controlMode, index, stats,
 * live }`, one at once and then one every `intervalMs`, until the client goes away or the
 * server drains. `live` holds the figures over the last `windowTicks` ticks (see
 * {@link LiveWindow}); its window lives and dies with the stream.
 *
 * @example
 * app.get('/console/api/events', c => consoleEvents(c, engine, { clock, intervalMs: 1000, isDraining }));
 */
export function consoleEvents(
  c: ServerContext,
  engine: InferenceEngine,
  opts: ConsoleEventsOptions,
): Response {
  return streamSSE(c, async stream => {
    let wake: (() => void) | undefined;
    let timer: TimerHandle | undefined;
    stream.onAbort(() => {
      if (timer !== undefined) opts.clock.clearTimeout(timer);
      wake?.();
    });
    let id = 0;
    const window = new LiveWindow(opts.windowTicks ?? 10);
    const { live, controlMode } = opts.sources ?? {};
    while (!stream.aborted && !opts.isDraining()) {
      const [index, sample] = await Promise.all([engine.repositoryIndex(false), live?.()]);
      const time = opts.clock.wallNow();
      const stats = engine.statistics();
      const data = JSON.stringify({
        time,
        ...(controlMode ? { controlMode } : {}),
        index,
        stats,
        live: window.push(time, stats, sample),
      });
      await stream.writeSSE({ event: 'snapshot', id: String(id++), data });
      await new Promise<void>(resolve => {
        wake = resolve;
        timer = opts.clock.setTimeout(resolve, opts.intervalMs);
      });
      timer = undefined;
    }
  });
}
