/**
 * @module The sequence batcher (Triton's sequence_batch_scheduler): every request of a sequence
 * (one correlation ID, from START to END) runs on the instance and in the batch slot its
 * sequence holds, one at a time and in order, with control tensors saying where in its sequence
 * each request is, and the sequence's implicit state fed back in.
 */
import type { ModelInstance } from '../../core/backend.js';
import type { Clock, TimerHandle } from '../../core/clock.js';
import { EngineError, toEngineError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { InferResponse } from '../../core/request.js';
import type {
  ExecutionStats,
  ScheduledRequest,
  Scheduler,
  SchedulerStats,
} from '../../core/scheduler.js';
import { executeBatch, type BatchResult } from '../execute-batch.js';
import type { OutputShaper } from '../outputs.js';
import type { ControlSpec } from './controls.js';
import { keptState, type StateSpec } from './implicit-state.js';
import { rowRequest, nullRequest } from './rows.js';
import { formSlots, type SlotPolicy } from './slot-formation.js';
import { notStarted, requestFlags } from './sequence-params.js';
import { SequenceTable, type SeqItem, type Sequence } from './sequence-table.js';

/** Options of {@link SequenceScheduler}, resolved from the config by `createSequenceScheduler`. */
export interface SequenceSchedulerOptions {
  readonly modelName: string;
  readonly version: string;
  /** Owned from now on: stop disposes them. */
  readonly instances: readonly ModelInstance[];
  readonly clock: Clock;
  readonly stats: ExecutionStats;
  readonly logger: Logger;
  readonly outputs: OutputShaper;
  readonly policy: SlotPolicy;
  /** Slots per instance: max_batch_size (1 without batching), or max_candidate_sequences. */
  readonly slotsPerInstance: number;
  readonly batching: boolean;
  readonly idleMs: number;
  readonly controls: readonly ControlSpec[];
  readonly states: readonly StateSpec[];
}

interface Lane {
  readonly instance: ModelInstance;
  busy: boolean;
  waitTimer: TimerHandle | undefined;
}

const NS_PER_MS = 1e6;

/**
 * A {@link Scheduler} for a model with `sequence_batching`. Each request must carry
 * `sequence_id` (and `sequence_start` on a sequence's first request, `sequence_end` on its last)
 * and have batch size 1. Sequences beyond the free slots wait in a backlog; a sequence with no
 * request for max_sequence_idle_microseconds is released with its state.
 */
export class SequenceScheduler implements Scheduler {
  readonly #o: SequenceSchedulerOptions;
  readonly #label: string;
  readonly #table: SequenceTable;
  readonly #lanes: Lane[];
  #queued = 0;
  #unsettled = 0;
  #pumpQueued = false;
  #drained: (() => void) | undefined;
  #stopped: Promise<void> | undefined;

  constructor(opts: SequenceSchedulerOptions) {
    this.#o = opts;
    this.#label = `model '${opts.modelName}' version ${opts.version}`;
    this.#lanes = opts.instances.map(instance => ({ instance, busy: false, waitTimer: undefined }));
    this.#table = new SequenceTable({
      lanes: opts.instances.length,
      slotsPerLane: opts.slotsPerInstance,
      clock: opts.clock,
      idleMs: opts.idleMs,
      onIdle: seq => this.#onIdle(seq),
    });
  }

  /** See {@link Scheduler.run}; rejects INVALID_ARG for a request outside a valid sequence. */
  run(req: ScheduledRequest): Promise<InferResponse> {
    try {
      return this.#accept(req);
    } catch (e) {
      return Promise.reject(toEngineError(e));
    }
  }

  stats(): SchedulerStats {
    const { active, backlog } = this.#table.counts();
    return {
      pending: this.#queued,
      inflight: this.#unsettled,
      fields: { braid_sequences: { active, backlog } },
    };
  }

  /** See {@link Scheduler.stop}: accepted requests still run, then the instances are disposed. */
  stop(): Promise<void> {
    this.#stopped ??= new Promise<void>(resolve => {
      this.#drained = resolve;
      this.#pump();
      this.#checkDrained();
    })
      .then(() => {
        this.#table.clear();
        for (const lane of this.#lanes)
          if (lane.waitTimer !== undefined) this.#o.clock.clearTimeout(lane.waitTimer);
        return Promise.allSettled(this.#o.instances.map(i => i.dispose()));
      })
      .then(() => undefined);
    return this.#stopped;
  }

  #accept(req: ScheduledRequest): Promise<InferResponse> {
    const model = this.#o.modelName;
    if (this.#drained) throw new EngineError('UNAVAILABLE', `${this.#label} is unloading`);
    if (req.signal?.aborted)
      throw new EngineError('CANCELLED', `${this.#label}: request cancelled before it was queued`);
    const flags = requestFlags(req, model);
    let seq = this.#table.get(flags.key);
    if (!seq && !flags.start) throw notStarted(flags, model);
    if (seq && flags.start) {
      this.#o.logger.log('warn', 'sequence restarted before it ended', {
        model,
        sequence_id: String(flags.id),
      });
    }
    seq ??= this.#table.open(flags);
    if (flags.end) this.#table.closed(seq);
    this.#table.touch(seq);
    return new Promise<InferResponse>((resolve, reject) => {
      const item: SeqItem = {
        req,
        flags,
        seq: seq,
        enqueuedAt: this.#o.clock.now(),
        resolve,
        reject,
        state: 'queued',
        onAbort: undefined,
      };
      seq.items.push(item);
      this.#queued++;
      this.#unsettled++;
      if (req.signal) {
        item.onAbort = () => this.#onAbort(item);
        req.signal.addEventListener('abort', item.onAbort, { once: true });
      }
      this.#schedulePump();
    });
  }

  #schedulePump(): void {
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    queueMicrotask(() => this.#pump());
  }

  #pump(): void {
    this.#pumpQueued = false;
    this.#lanes.forEach((lane, i) => this.#pumpLane(lane, i));
  }

  #pumpLane(lane: Lane, index: number): void {
    if (lane.busy) return;
    if (lane.waitTimer !== undefined) this.#o.clock.clearTimeout(lane.waitTimer);
    lane.waitTimer = undefined;
    const now = this.#o.clock.now();
    const decision = formSlots(this.#table.heads(index), this.#o.policy, now, !!this.#drained);
    if (decision.kind === 'execute') this.#dispatch(lane, index, decision.rows);
    else if (decision.kind === 'wait')
      lane.waitTimer = this.#o.clock.setTimeout(() => this.#pump(), decision.until - now);
  }

  #dispatch(lane: Lane, index: number, rows: readonly number[]): void {
    const now = this.#o.clock.now();
    const items = rows.map(r => (r < 0 ? undefined : this.#table.at(index, r)!.items.shift()!));
    for (const item of items) {
      if (!item) continue;
      item.state = 'executing';
      item.seq.executing++;
      this.#queued--;
      this.#o.stats.queued((now - item.enqueuedAt) * NS_PER_MS);
    }
    const template = items.find(i => i !== undefined)!.req;
    const o = this.#o;
    const reqs = items.map(item =>
      item ? rowRequest(o, item, o.states) : nullRequest(o, template, o.states),
    );
    lane.busy = true;
    void this.#execute(lane, items, reqs);
  }

  async #execute(
    lane: Lane,
    items: readonly (SeqItem | undefined)[],
    reqs: readonly ScheduledRequest[],
  ): Promise<void> {
    const nulls = items.filter(i => !i).length;
    const stats = this.#o.stats;
    // Rows that only fill an empty slot are not inferences, as Triton does not count them.
    const counted: ExecutionStats = {
      queued: ns => stats.queued(ns),
      execution: (n, a, b, c) => stats.execution(n - nulls, a, b, c),
      ranWhole: n => stats.ranWhole(n),
    };
    let result: BatchResult;
    try {
      const ctx = { label: this.#label, clock: this.#o.clock, stats: counted };
      result = await executeBatch(ctx, lane.instance, reqs, new AbortController().signal);
    } catch (e) {
      result = {
        ok: false,
        error: toEngineError(e, 'INTERNAL', `${this.#label}: execution failed`),
      };
    }
    lane.busy = false;
    items.forEach((item, i) => item && this.#finish(item, result, i));
    this.#schedulePump();
  }

  #finish(item: SeqItem, result: BatchResult, row: number): void {
    const seq = item.seq;
    seq.executing--;
    if (result.ok) {
      const produced = result.outputs[row]!;
      try {
        if (this.#o.states.length > 0)
          seq.state = keptState(this.#o.states, produced, this.#o.modelName);
        const outputs = this.#o.outputs(item.req.outputs, produced);
        const { id } = item.req;
        const res = { modelName: this.#o.modelName, modelVersion: this.#o.version, outputs };
        this.#settle(item, () => item.resolve(id ? { id, ...res } : res));
      } catch (e) {
        this.#settle(item, () => item.reject(toEngineError(e)));
      }
    } else {
      this.#settle(item, () => item.reject(result.error));
    }
    if (item.flags.end && seq.items.length === 0) this.#releaseSlot(seq);
    else this.#table.touch(seq);
  }

  #releaseSlot(seq: Sequence): void {
    this.#table.release(seq);
    this.#schedulePump();
  }

  #onIdle(seq: Sequence): void {
    this.#o.logger.log('info', 'idle sequence released', {
      model: this.#o.modelName,
      sequence_id: String(seq.id),
    });
    this.#releaseSlot(seq);
  }

  #onAbort(item: SeqItem): void {
    if (item.state !== 'queued') return;
    const at = item.seq.items.indexOf(item);
    if (at >= 0) item.seq.items.splice(at, 1);
    this.#queued--;
    const err = new EngineError('CANCELLED', `${this.#label}: request cancelled while queued`);
    this.#settle(item, () => item.reject(err));
    if (item.flags.end && item.seq.items.length === 0 && item.seq.executing === 0)
      this.#releaseSlot(item.seq);
    this.#schedulePump();
  }

  #settle(item: SeqItem, fn: () => void): void {
    if (item.state === 'done') return;
    item.state = 'done';
    if (item.onAbort) item.req.signal?.removeEventListener('abort', item.onAbort);
    this.#unsettled--;
    fn();
    this.#checkDrained();
  }

  #checkDrained(): void {
    if (this.#drained && this.#unsettled === 0) this.#drained();
  }
}
