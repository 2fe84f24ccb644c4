/**
 * @module Pure batch-formation decisions of the dynamic batcher. No timers, no state: the
 * scheduler feeds in what is queued and the time, and acts on the decision.
 */

/** What batch formation needs to know of one queued request. */
export interface BatchCandidate {
  /** Size of the request's axis 0 (1 for models without a batch dimension). */
  readonly batchSize: number;
  /** Identifies the non-batch dimensions of every input; only equal keys are batched together. */
  readonly shapeKey: string;
  /** When the request entered the queue (clock ms). */
  readonly enqueuedAt: number;
}

/** Parameters of {@link formBatch}, resolved once per model from its config. */
export interface BatchFormationPolicy {
  /** Upper bound on the summed batch sizes of one execution (≥ 1). */
  readonly maxBatchSize: number;
  /** Preferred batch sizes, ascending, each ≤ maxBatchSize, never empty (see {@link normalizePreferred}). */
  readonly preferredSizes: readonly number[];
  /** `max_queue_delay_microseconds` in ms; 0 sends what is there at once. */
  readonly maxQueueDelayMs: number;
}

/** The moment a decision is taken. */
export interface BatchFormationState {
  readonly now: number;
  /** Whether an instance can take a batch now; when none can, requests keep accumulating. */
  readonly instanceFree: boolean;
  /** Drain in progress: send whatever can be formed, ignoring the queue delay. */
  readonly flush?: boolean;
}

/**
 * Execute the first `count` candidates now; wait and decide again at `until` (clock ms) unless
 * something changes first; or do nothing until a request arrives or an instance frees.
 */
export type BatchDecision =
  | { readonly kind: 'execute'; readonly count: number; readonly batchSize: number }
  | { readonly kind: 'wait'; readonly until: number }
  | { readonly kind: 'idle' };

const IDLE: BatchDecision = { kind: 'idle' };

/**
 * Normalises `preferred_batch_size` as Triton does: sorted, deduplicated, sizes above
 * max_batch_size dropped, and `[maxBatchSize]` when nothing is left.
 *
 * @example
 * normalizePreferred([8, 4, 4, 32], 16); // [4, 8]
 * normalizePreferred([], 16);            // [16]
 */
export function normalizePreferred(preferred: readonly number[], maxBatchSize: number): number[] {
  const sizes = [...new Set(preferred)]
    .filter(s => s >= 1 && s <= maxBatchSize)
    .sort((a, b) => a - b);
  return sizes.length > 0 ? sizes : [maxBatchSize];
}

/**
 * Decides which queued requests form the next batch, following Triton's
 * `DynamicBatchScheduler::GetDynamicBatch`:
 * - the head request starts the batch and its shape key decides; the walk stops at the first
 *   request with another shape, or one that would exceed max_batch_size (FIFO is kept);
 * - the largest preferred size reached on the walk is sent at once, unless the queue delay of
 *   the oldest request has expired, in which case everything walked is sent;
 * - a batch that cannot grow (next request does not fit, shape differs, max preferred reached)
 *   or a delay of 0 sends at once; otherwise it waits until the oldest request's delay expires;
 * - with no free instance nothing is sent, so the batch keeps growing (server#3624).
 *
 * @param candidates queued requests in dispatch order (priority, then FIFO); only the prefix
 *   that can form one batch is read.
 * @example
 * const policy = { maxBatchSize: 8, preferredSizes: [4, 8], maxQueueDelayMs: 0 };
 * formBatch(queue, policy, { now: clock.now(), instanceFree: true });
 * // { kind: 'execute', count: 4, batchSize: 4 } for six queued batch-1 requests
 */
export function formBatch(
  candidates: Iterable<BatchCandidate>,
  policy: BatchFormationPolicy,
  state: BatchFormationState,
): BatchDecision {
  if (!state.instanceFree) return IDLE;
  const walk = walkPrefix(candidates, policy);
  if (walk.count === 0) return IDLE;
  const delay = policy.maxQueueDelayMs;
  const expired = state.flush === true || (delay > 0 && state.now - walk.oldest >= delay);
  if (walk.bestCount > 0 && !expired) {
    return { kind: 'execute', count: walk.bestCount, batchSize: walk.bestSize };
  }
  const maxPreferred =
    policy.preferredSizes[policy.preferredSizes.length - 1] ?? policy.maxBatchSize;
  if (walk.full || walk.size >= maxPreferred || expired || delay === 0) {
    return { kind: 'execute', count: walk.count, batchSize: walk.size };
  }
  return { kind: 'wait', until: walk.oldest + delay };
}

interface PrefixWalk {
  /** Requests and summed batch size of the longest prefix that fits one batch. */
  count: number;
  size: number;
  oldest: number;
  /** The prefix at the largest preferred size reached (or just under the max preferred size). */
  bestCount: number;
  bestSize: number;
  /** The walk stopped on a request that cannot join: the batch cannot grow any more. */
  full: boolean;
}

function walkPrefix(
  candidates: Iterable<BatchCandidate>,
  policy: BatchFormationPolicy,
): PrefixWalk {
  const preferred = policy.preferredSizes;
  const maxPreferred = preferred[preferred.length - 1] ?? policy.maxBatchSize;
  const w: PrefixWalk = {
    count: 0,
    size: 0,
    oldest: Infinity,
    bestCount: 0,
    bestSize: 0,
    full: false,
  };
  let headKey: string | undefined;
  for (const c of candidates) {
    if (headKey === undefined) {
      headKey = c.shapeKey;
    } else {
      const next = w.size + c.batchSize;
      // Past the largest preferred size: remember the batch so far, as Triton marks its cursor.
      if (next > maxPreferred && w.bestCount === 0) mark(w);
      if (next > policy.maxBatchSize || c.shapeKey !== headKey) {
        w.full = true;
        break;
      }
    }
    w.count++;
    w.size += c.batchSize;
    w.oldest = Math.min(w.oldest, c.enqueuedAt);
    if (preferred.includes(w.size)) mark(w);
  }
  return w;
}

function mark(w: PrefixWalk): void {
  w.bestCount = w.count;
  w.bestSize = w.size;
}

/**
 * The default scheduler's decision: the head request alone, as soon as an instance is free.
 *
 * @example
 * formSingle(queue, { now: 0, instanceFree: true }); // { kind: 'execute', count: 1, batchSize: n }
 */
export function formSingle(
  candidates: Iterable<BatchCandidate>,
  state: BatchFormationState,
): BatchDecision {
  if (!state.instanceFree) return IDLE;
  for (const c of candidates) return { kind: 'execute', count: 1, batchSize: c.batchSize };
  return IDLE;
}
