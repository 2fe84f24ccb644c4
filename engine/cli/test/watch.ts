/**
 * @module `braid test --watch`: run, then wait for a file under the watched directories to
 * change, and run again, until interrupted. Golden files the run itself writes do not count.
 */
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import type { Clock, TimerHandle } from '../../core/clock.js';

/** Something that resolves once the next batch of changes has settled. */
export interface ChangeSource {
  next(): Promise<string[]>;
  close(): void;
}

/**
 * Watches `dirs` recursively. Changes are gathered until `quietMs` pass without another; files
 * under `__snapshots__` and dot-directories are ignored.
 *
 * @example
 * const changes = watchDirectories(['examples/model_repository'], cliClock);
 * await changes.next(); // ['ocr/1/pipeline.yaml']
 */
export function watchDirectories(
  dirs: readonly string[],
  clock: Clock,
  quietMs = 200,
): ChangeSource {
  let pending: string[] = [];
  let timer: TimerHandle | undefined;
  let waiter: ((files: string[]) => void) | undefined;
  const flush = () => {
    timer = undefined;
    if (!waiter || pending.length === 0) return;
    const files = [...new Set(pending)];
    pending = [];
    const w = waiter;
    waiter = undefined;
    w(files);
  };
  const onChange = (file: string) => {
    if (/(^|[/\\])(__snapshots__|\.[^/\\]+)([/\\]|$)/.test(file)) return;
    pending.push(file);
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = clock.setTimeout(flush, quietMs);
  };
  const watchers: FSWatcher[] = dirs.map(dir =>
    watch(dir, { recursive: true }, (_event, name) => onChange(name ? String(name) : dir)),
  );
  return {
    next: () =>
      new Promise(resolve => {
        waiter = resolve;
        if (pending.length > 0 && timer === undefined) flush();
      }),
    close: () => {
      for (const w of watchers) w.close();
      if (timer !== undefined) clock.clearTimeout(timer);
    },
  };
}

/**
 * Runs `run` now and again after each batch of changes, forever (the process ends it).
 *
 * @example
 * await watchLoop({ run: () => runOnce(), changes, notify: line => console.log(line) });
 */
export async function watchLoop(opts: {
  readonly run: () => Promise<unknown>;
  readonly changes: ChangeSource;
  readonly notify: (line: string) => void;
  readonly rounds?: number;
}): Promise<void> {
  for (let round = 0; opts.rounds === undefined || round < opts.rounds; round++) {
    await opts.run();
    opts.notify('\nWatching for changes (Ctrl-C to stop)...');
    const files = await opts.changes.next();
    opts.notify(
      `\nChanged: ${files.slice(0, 5).join(', ')}${files.length > 5 ? `, and ${files.length - 5} more` : ''}; running again\n`,
    );
  }
}
