/**
 * @module The scheduler queue: priority levels, each with its queue policy (size limit,
 * timeout, REJECT or DELAY on expiry), after Triton's `PriorityQueue` (scheduler_utils.cc).
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import { EngineError } from '../core/errors.js';
import type { QueuePolicy } from '../core/model-config.js';

/** The queue settings of one model version, as `dynamic_batching` declares them. */
export interface QueueConfig {
  /** `priority_levels`; 0 means one level and request priorities are ignored. */
  readonly priorityLevels: number;
  /** `default_priority_level`, in [1, priorityLevels] when levels are configured. */
  readonly defaultPriorityLevel: number;
  readonly defaultPolicy: QueuePolicy;
  /** `priority_queue_policy`: per-level overrides keyed by level number. */
  readonly levelPolicies: Readonly<Record<string, QueuePolicy>>;
}

/** A queue with one level and no limits: Triton's queue when a model has no dynamic_batching. */
export const UNBOUNDED_QUEUE: QueueConfig = {
  priorityLevels: 0,
  defaultPriorityLevel: 0,
  defaultPolicy: {
    timeout_action: 'REJECT',
    default_timeout_microseconds: 0,
    allow_timeout_override: false,
    max_queue_size: 0,
  },
  levelPolicies: {},
};

/** Options of {@link RequestQueue}. */
export interface RequestQueueOptions<T> {
  /** `model 'm' version v`, used in error messages. */
  readonly label: string;
  readonly config: QueueConfig;
  readonly clock: Clock;
  /** Called after an item whose timeout expired under a REJECT policy left the queue. */
  readonly onTimeout: (item: T) => void;
}

/** What a queued request asks of the queue. */
export interface QueueRequestOptions {
  /** Protocol `priority`; 0 or absent is the default level. */
  readonly priority?: number | undefined;
  /** Protocol `timeout` in microseconds. */
  readonly timeoutUs?: number | undefined;
}

interface Level<T> {
  readonly level: number;
  readonly policy: QueuePolicy;
  /** Items within their timeout, FIFO. Sets keep insertion order and delete in O(1). */
  readonly live: Set<T>;
  /** Items past their timeout under a DELAY policy, in expiry order, behind `live`. */
  readonly delayed: Set<T>;
}

interface Meta<T> {
  readonly level: Level<T>;
  timer: TimerHandle | undefined;
}

/**
 * Resolves a request's priority to a queue level. 0 or absent is the default level. Without
 * priority levels every request shares level 0 (Triton ignores the priority then).
 * Unlike Triton, which quietly uses the default level, a priority beyond the configured
 * levels is an error: the client asked for something the model does not offer.
 *
 * @example
 * resolvePriorityLevel(0, { priorityLevels: 3, defaultPriorityLevel: 2 }, "model 'm'"); // 2
 */
export function resolvePriorityLevel(
  priority: number | undefined,
  config: Pick<QueueConfig, 'priorityLevels' | 'defaultPriorityLevel'>,
  label: string,
): number {
  if (config.priorityLevels === 0) return 0;
  if (priority === undefined || priority === 0) return config.defaultPriorityLevel;
  if (!Number.isInteger(priority) || priority < 0 || priority > config.priorityLevels) {
    throw new EngineError(
      'INVALID_ARG',
      `${label}: priority ${priority} is out of range, expected 0 (default) or 1 to ${config.priorityLevels}`,
    );
  }
  return priority;
}

/**
 * The timeout of a queued request in microseconds, 0 for none, as Triton's
 * `PolicyQueue::Enqueue` computes it: the policy's default, which the request may only
 * shorten, and only when `allow_timeout_override` is set. With no default timeout (0) there
 * is nothing to shorten, so a request timeout is ignored too.
 *
 * @example
 * effectiveTimeoutUs({ ...policy, default_timeout_microseconds: 1000, allow_timeout_override: true }, 200); // 200
 */
export function effectiveTimeoutUs(
  policy: QueuePolicy,
  requestTimeoutUs: number | undefined,
): number {
  const base = policy.default_timeout_microseconds;
  if (!policy.allow_timeout_override || requestTimeoutUs === undefined) return base;
  return requestTimeoutUs !== 0 && requestTimeoutUs < base ? requestTimeoutUs : base;
}

/**
 * Queued requests of one model version in dispatch order: level 1 first, within a level the
 * requests still within their timeout (FIFO), then the delayed ones. Not thread-safe (one
 * event loop); items are identified by reference and may be queued once.
 */
export class RequestQueue<T extends object> {
  readonly #opts: RequestQueueOptions<T>;
  /** Levels in use, ascending by level number. */
  readonly #levels: Level<T>[] = [];
  readonly #meta = new Map<T, Meta<T>>();

  constructor(opts: RequestQueueOptions<T>) {
    this.#opts = opts;
  }

  /** Number of queued items, delayed ones included. */
  get size(): number {
    return this.#meta.size;
  }

  /**
   * Queues `item` behind the requests of its level and arms its timeout.
   * Throws EngineError INVALID_ARG for a priority out of range, UNAVAILABLE (reason REJECTED)
   * "Exceeds maximum queue size" when the level holds max_queue_size requests.
   */
  push(item: T, req: QueueRequestOptions): void {
    const levelNo = resolvePriorityLevel(req.priority, this.#opts.config, this.#opts.label);
    const level = this.#level(levelNo);
    const max = level.policy.max_queue_size;
    const held = level.live.size + level.delayed.size;
    if (max !== 0 && held >= max) {
      const at = this.#opts.config.priorityLevels === 0 ? '' : ` at priority level ${levelNo}`;
      throw new EngineError(
        'UNAVAILABLE',
        `Exceeds maximum queue size: ${this.#opts.label} holds ${held} queued requests${at}, the limit is ${max}`,
        { reason: 'REJECTED' },
      );
    }
    level.live.add(item);
    const timeoutUs = effectiveTimeoutUs(level.policy, req.timeoutUs);
    const meta: Meta<T> = { level, timer: undefined };
    if (timeoutUs > 0)
      meta.timer = this.#opts.clock.setTimeout(() => this.#expire(item), timeoutUs / 1000);
    this.#meta.set(item, meta);
  }

  /** Removes `item` (cancelled, for example) and disarms its timeout. False if not queued. */
  delete(item: T): boolean {
    const meta = this.#meta.get(item);
    if (!meta) return false;
    this.#forget(item, meta);
    return true;
  }

  /** Removes and returns the first `n` items in dispatch order. */
  take(n: number): T[] {
    const out: T[] = [];
    for (const item of this) {
      if (out.length >= n) break;
      out.push(item);
    }
    for (const item of out) this.delete(item);
    return out;
  }

  /** Items in dispatch order. Iterate lazily: batch formation reads only a prefix. */
  *[Symbol.iterator](): Iterator<T> {
    for (const level of this.#levels) {
      yield* level.live;
      yield* level.delayed;
    }
  }

  #forget(item: T, meta: Meta<T>): void {
    if (meta.timer !== undefined) this.#opts.clock.clearTimeout(meta.timer);
    meta.level.live.delete(item);
    meta.level.delayed.delete(item);
    this.#meta.delete(item);
  }

  #expire(item: T): void {
    const meta = this.#meta.get(item);
    if (!meta) return;
    meta.timer = undefined;
    if (meta.level.policy.timeout_action === 'DELAY') {
      meta.level.live.delete(item);
      meta.level.delayed.add(item);
      return;
    }
    this.#forget(item, meta);
    this.#opts.onTimeout(item);
  }

  #level(levelNo: number): Level<T> {
    let lo = 0;
    let hi = this.#levels.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#levels[mid]!.level < levelNo) lo = mid + 1;
      else hi = mid;
    }
    const found = this.#levels[lo];
    if (found?.level === levelNo) return found;
    const cfg = this.#opts.config;
    const policy = cfg.levelPolicies[String(levelNo)] ?? cfg.defaultPolicy;
    const level: Level<T> = { level: levelNo, policy, live: new Set(), delayed: new Set() };
    this.#levels.splice(lo, 0, level);
    return level;
  }
}
