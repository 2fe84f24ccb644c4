/**
 * The live progress line of `braid perf` on stderr, rewritten in place after every window.
 * Only on a terminal: piped or redirected output gets no control characters.
 *
 * @module
 */
import type { WindowProgress } from './measure-level.js';

/** A progress display; {@link Progress.done} erases the line. */
export interface Progress {
  readonly onWindow: (p: WindowProgress) => void;
  done(): void;
}

/**
 * The text of one progress line.
 *
 * @example
 * const level = { kind: 'concurrency', value: 4 } as const;
 * progressLine({ level, trial: 2, maxTrials: 10, throughput: 1234, latencyMs: 3.2, stable: false });
 * // 'concurrency 4: window 2/10, 1234.0 infer/s, latency 3.200 ms'
 */
export function progressLine(p: WindowProgress): string {
  const level =
    p.level.kind === 'concurrency' ? `concurrency ${p.level.value}` : `rate ${p.level.value}/s`;
  const stable = p.stable ? ', stable' : '';
  const figures = `${p.throughput.toFixed(1)} infer/s, latency ${p.latencyMs.toFixed(3)} ms`;
  return `${level}: window ${p.trial}/${p.maxTrials}, ${figures}${stable}`;
}

/**
 * A progress line on `stream` when it is a terminal, else one that prints nothing.
 *
 * @example
 * const progress = createProgress(process.stderr);
 * await runPerf({ ...opts, onWindow: progress.onWindow });
 * progress.done();
 */
export function createProgress(stream: {
  readonly isTTY?: boolean;
  write(s: string): unknown;
}): Progress {
  if (!stream.isTTY) return { onWindow: () => undefined, done: () => undefined };
  const clear = '\r\x1b[2K';
  return {
    onWindow: p => void stream.write(clear + progressLine(p)),
    done: () => void stream.write(clear),
  };
}
