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

/** Options of {@link consoleEvents}. */
export interface ConsoleEventsOptions {
  readonly clock: Clock;
  /** Time between two snapshots. */
  readonly intervalMs: number;
  /** True once the server drains: the stream ends so it does not hold the shutdown up. */
  readonly isDraining: () => boolean;
}

/**
 * Answers `c` with an SSE stream of `snapshot` events, `{ index, stats, time }`, one at once
 * and then one every `intervalMs`, until the client goes away or the server drains.
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
    while (!stream.aborted && !opts.isDraining()) {
      const index = await engine.repositoryIndex(false);
      const data = JSON.stringify({
        time: opts.clock.wallNow(),
        index,
        stats: engine.statistics(),
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
