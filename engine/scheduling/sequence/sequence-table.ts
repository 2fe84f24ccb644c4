/**
 * @module The sequences a sequence batcher knows: which slot of which instance each one holds,
 * the backlog of sequences waiting for a slot, and the idle timers that release a sequence whose
 * client went quiet (Triton's max_sequence_idle_microseconds), so state never leaks.
 */
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { EngineError } from '../../core/errors.js';
import type { InferResponse } from '../../core/request.js';
import type { ScheduledRequest } from '../../core/scheduler.js';
import type { Tensor } from '../../core/tensor.js';
import type { SlotHead } from './slot-formation.js';
import type { SequenceFlags } from './sequence-params.js';

/** One accepted request of a sequence. */
export interface SeqItem {
  readonly req: ScheduledRequest;
  readonly flags: SequenceFlags;
  readonly seq: Sequence;
  readonly enqueuedAt: number;
  readonly resolve: (res: InferResponse) => void;
  readonly reject: (e: EngineError) => void;
  state: 'queued' | 'executing' | 'done';
  onAbort: (() => void) | undefined;
}

/** One sequence: its waiting requests, its slot (none while in the backlog), its state. */
export interface Sequence {
  readonly key: string;
  readonly id: number | string;
  /** Requests waiting to execute, in arrival order. */
  readonly items: SeqItem[];
  slot: Slot | undefined;
  /** The implicit state its last request left; undefined before the first. */
  state: Map<string, Tensor> | undefined;
  /** Requests of it executing now (0 or 1: a sequence runs one request at a time). */
  executing: number;
  idleTimer: TimerHandle | undefined;
}

/** One batch slot of one instance. */
export interface Slot {
  readonly lane: number;
  readonly index: number;
  seq: Sequence | undefined;
}

/** Options of {@link SequenceTable}. */
export interface SequenceTableOptions {
  readonly lanes: number;
  readonly slotsPerLane: number;
  readonly clock: Clock;
  /** max_sequence_idle_microseconds, in ms. */
  readonly idleMs: number;
  /** A sequence was released for being idle (its client never sent END). */
  readonly onIdle: (seq: Sequence) => void;
}

/**
 * Sequences by correlation ID, slots and backlog. A sequence that starts takes a free slot (on
 * the instance with the most free ones) or joins the backlog; a slot that frees goes to the
 * sequence waiting longest, as in Triton's sequence_batch_scheduler.cc.
 *
 * @example
 * const seq = table.get(flags.key) ?? table.open(flags);
 */
export class SequenceTable {
  readonly #o: SequenceTableOptions;
  readonly #byKey = new Map<string, Sequence>();
  readonly #slots: Slot[][];
  readonly #backlog: Sequence[] = [];
  #active = 0;

  constructor(opts: SequenceTableOptions) {
    this.#o = opts;
    this.#slots = Array.from({ length: opts.lanes }, (_, lane) =>
      Array.from({ length: opts.slotsPerLane }, (_, index) => ({ lane, index, seq: undefined })),
    );
  }

  /** The open sequence with this key (END not yet received). */
  get(key: string): Sequence | undefined {
    return this.#byKey.get(key);
  }

  /** Opens a sequence: into a free slot, or the backlog when none is free. */
  open(flags: SequenceFlags): Sequence {
    const seq: Sequence = {
      key: flags.key,
      id: flags.id,
      items: [],
      slot: undefined,
      state: undefined,
      executing: 0,
      idleTimer: undefined,
    };
    this.#byKey.set(flags.key, seq);
    const slot = this.#freeSlot();
    if (slot) this.#bind(slot, seq);
    else this.#backlog.push(seq);
    return seq;
  }

  /** The sequence got its END request: later requests with its ID must START a new one. */
  closed(seq: Sequence): void {
    if (this.#byKey.get(seq.key) === seq) this.#byKey.delete(seq.key);
  }

  /** Restarts the idle timer of `seq`, as each request of it arrives or finishes. */
  touch(seq: Sequence): void {
    const { clock, idleMs } = this.#o;
    if (seq.idleTimer !== undefined) clock.clearTimeout(seq.idleTimer);
    seq.idleTimer = clock.setTimeout(() => this.#onIdle(seq), idleMs);
  }

  /**
   * Forgets `seq` and frees its slot, which the oldest backlogged sequence takes. Returns the
   * lane whose slot changed hands, or undefined.
   */
  release(seq: Sequence): number | undefined {
    this.closed(seq);
    if (seq.idleTimer !== undefined) this.#o.clock.clearTimeout(seq.idleTimer);
    seq.idleTimer = undefined;
    seq.state = undefined;
    const slot = seq.slot;
    seq.slot = undefined;
    if (!slot) {
      const at = this.#backlog.indexOf(seq);
      if (at >= 0) this.#backlog.splice(at, 1);
      return undefined;
    }
    slot.seq = undefined;
    this.#active--;
    const next = this.#backlog.shift();
    if (next) this.#bind(slot, next);
    return slot.lane;
  }

  /** The next request of each slot of `lane` whose sequence is not executing one already. */
  heads(lane: number): SlotHead[] {
    const out: SlotHead[] = [];
    for (const slot of this.#slots[lane]!) {
      const seq = slot.seq;
      const head = seq?.items[0];
      if (head && seq.executing === 0) out.push({ slot: slot.index, enqueuedAt: head.enqueuedAt });
    }
    return out;
  }

  /** The sequence in a slot. */
  at(lane: number, index: number): Sequence | undefined {
    return this.#slots[lane]![index]!.seq;
  }

  /** Sequences holding a slot, and waiting for one. */
  counts(): { active: number; backlog: number } {
    return { active: this.#active, backlog: this.#backlog.length };
  }

  /** Stops every idle timer (the scheduler stopped). */
  clear(): void {
    for (const lane of this.#slots) for (const slot of lane) if (slot.seq) this.release(slot.seq);
    for (const seq of [...this.#backlog]) this.release(seq);
  }

  #freeSlot(): Slot | undefined {
    let best: Slot | undefined;
    let bestFree = 0;
    for (const lane of this.#slots) {
      const free = lane.filter(s => !s.seq);
      if (free.length > bestFree) [best, bestFree] = [free[0], free.length];
    }
    return best;
  }

  #bind(slot: Slot, seq: Sequence): void {
    slot.seq = seq;
    seq.slot = slot;
    this.#active++;
  }

  #onIdle(seq: Sequence): void {
    seq.idleTimer = undefined;
    // Waiting or running requests are activity: only a sequence with nothing to do is idle.
    if (seq.items.length > 0 || seq.executing > 0) return this.touch(seq);
    this.#o.onIdle(seq);
  }
}
