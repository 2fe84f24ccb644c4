/**
 * @module
 * The last lines of the server log kept in memory for the console, numbered so a reader asks
 * only for what it has not seen.
 */
import type { LogFields, LogLevel } from '../core/logger.js';

/** One kept line. */
export interface TailEntry {
  readonly seq: number;
  readonly time: string;
  readonly level: LogLevel;
  readonly msg: string;
  readonly fields: LogFields;
}

/**
 * A bounded ring of log lines; pass {@link LogTailRing.push} as a logger's `tap`.
 *
 * @example
 * const tail = new LogTailRing(500);
 * const logger = createLogger({ tap: e => tail.push(e) });
 * tail.since(0); // every kept line
 */
export class LogTailRing {
  readonly #entries: TailEntry[] = [];
  readonly #capacity: number;
  #seq = 0;

  constructor(capacity = 1000) {
    this.#capacity = capacity;
  }

  push(entry: { time: string; level: LogLevel; msg: string; fields: LogFields }): void {
    this.#entries.push({ seq: ++this.#seq, ...entry });
    if (this.#entries.length > this.#capacity) this.#entries.shift();
  }

  /** Kept lines numbered above `after`, oldest first. */
  since(after: number): TailEntry[] {
    const first = this.#entries.findIndex(e => e.seq > after);
    return first < 0 ? [] : this.#entries.slice(first);
  }
}
