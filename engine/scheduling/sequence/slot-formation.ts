/**
 * @module Which requests of one instance's sequence slots run together next: pure decisions for
 * Triton's two sequence batching strategies. `direct` gives each sequence a fixed position in the
 * batch (its slot), filling positions without a request with not-ready rows; `oldest` runs the
 * oldest waiting requests of its candidate sequences, at most one per sequence.
 */

/** A slot's next request, as formation sees it. */
export interface SlotHead {
  /** The slot's position in its instance. */
  readonly slot: number;
  /** When the request was accepted (ms, the scheduler's clock). */
  readonly enqueuedAt: number;
}

/** How a strategy forms batches, resolved from the config. */
export type SlotPolicy =
  | {
      readonly kind: 'direct';
      readonly slots: number;
      readonly maxQueueDelayMs: number;
      readonly minimumSlotUtilization: number;
    }
  | {
      readonly kind: 'oldest';
      readonly maxBatchSize: number;
      readonly preferredSizes: readonly number[];
      readonly maxQueueDelayMs: number;
    };

/** Run these rows (slot positions, or -1 for a not-ready row), wait until a time, or idle. */
export type SlotDecision =
  | { readonly kind: 'execute'; readonly rows: readonly number[] }
  | { readonly kind: 'wait'; readonly until: number }
  | { readonly kind: 'idle' };

/**
 * Decides what an instance with free capacity runs next from its slots' head requests.
 * Direct: every waiting slot runs, in slot order, with not-ready rows (-1) for the positions
 * below the highest one that have none; with a queue delay it first waits, up to that delay
 * after the oldest head, for the share of occupied slots to reach minimum_slot_utilization.
 * Oldest: up to max_batch_size heads, oldest first; with a queue delay it waits, up to that delay
 * after the oldest, for a full or preferred batch. `flush` (the scheduler is stopping) never waits.
 *
 * @example
 * formSlots([{ slot: 2, enqueuedAt: 0 }], direct, 0, false); // { kind: 'execute', rows: [-1, -1, 2] }
 */
export function formSlots(
  heads: readonly SlotHead[],
  policy: SlotPolicy,
  now: number,
  flush: boolean,
): SlotDecision {
  if (heads.length === 0) return { kind: 'idle' };
  const oldest = Math.min(...heads.map(h => h.enqueuedAt));
  const until = oldest + policy.maxQueueDelayMs;
  const canWait = !flush && policy.maxQueueDelayMs > 0 && now < until;
  if (policy.kind === 'direct') {
    const enough = heads.length / policy.slots >= policy.minimumSlotUtilization;
    if (canWait && !enough) return { kind: 'wait', until };
    const top = Math.max(...heads.map(h => h.slot));
    const waiting = new Set(heads.map(h => h.slot));
    return {
      kind: 'execute',
      rows: Array.from({ length: top + 1 }, (_, i) => (waiting.has(i) ? i : -1)),
    };
  }
  const byAge = [...heads].sort((a, b) => a.enqueuedAt - b.enqueuedAt || a.slot - b.slot);
  const count = Math.min(byAge.length, policy.maxBatchSize);
  const preferred = policy.preferredSizes.filter(p => p <= count);
  const complete = count === policy.maxBatchSize || preferred.includes(count);
  if (canWait && !complete) return { kind: 'wait', until };
  return { kind: 'execute', rows: byAge.slice(0, count).map(h => h.slot) };
}
