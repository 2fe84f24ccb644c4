/**
 * @module Triton's `sequence_batching` (model_config.proto ModelSequenceBatching) with its field
 * names and defaults: the sequence batcher of a stateful model, its control inputs, implicit
 * state, and the direct or oldest strategy.
 */
import { z } from 'zod';
import { CONFIG_DATATYPES } from './datatype.js';

const DataTypeSchema = z.enum(CONFIG_DATATYPES as [string, ...string[]]);

const uint = () => z.number().int().nonnegative();

/** The kinds of control tensor the sequence batcher sets (ModelSequenceBatching.Control.Kind). */
export const CONTROL_KINDS = [
  'CONTROL_SEQUENCE_START',
  'CONTROL_SEQUENCE_READY',
  'CONTROL_SEQUENCE_END',
  'CONTROL_SEQUENCE_CORRID',
] as const;
export type ControlKind = (typeof CONTROL_KINDS)[number];

export const SequenceControlSchema = z.strictObject({
  kind: z.enum(CONTROL_KINDS).default('CONTROL_SEQUENCE_START'),
  int32_false_true: z.array(z.number().int()).default([]),
  fp32_false_true: z.array(z.number()).default([]),
  bool_false_true: z.array(z.boolean()).default([]),
  data_type: DataTypeSchema.optional().describe(
    'Data type of a CONTROL_SEQUENCE_CORRID tensor: TYPE_UINT64, TYPE_INT64, TYPE_UINT32, TYPE_INT32 or TYPE_STRING',
  ),
});

export const SequenceControlInputSchema = z.strictObject({
  name: z.string().min(1),
  control: z.array(SequenceControlSchema).default([]),
});

export const InitialStateSchema = z.strictObject({
  name: z.string().default(''),
  data_type: DataTypeSchema.optional(),
  dims: z.array(z.number().int().min(-1)).default([]),
  zero_data: z.boolean().optional(),
  data_file: z
    .string()
    .optional()
    .describe("A file of raw little-endian values, in the model directory's initial_state/"),
});

export const SequenceStateSchema = z.strictObject({
  input_name: z.string().min(1).describe('The model input that receives the state'),
  output_name: z.string().min(1).describe('The model output that holds the next state'),
  data_type: DataTypeSchema,
  dims: z.array(z.number().int().min(-1)),
  initial_state: z.array(InitialStateSchema).max(1).default([]),
  use_same_buffer_for_input_output: z.boolean().default(false),
  use_growable_memory: z.boolean().default(false),
});

export const StrategyDirectSchema = z.strictObject({
  max_queue_delay_microseconds: uint().default(0),
  minimum_slot_utilization: z.number().min(0).max(1).default(0),
});

export const StrategyOldestSchema = z.strictObject({
  max_candidate_sequences: uint().default(0),
  preferred_batch_size: z.array(z.number().int().min(1)).default([]),
  max_queue_delay_microseconds: uint().default(0),
  preserve_ordering: z.boolean().default(false),
});

export const SequenceBatchingSchema = z
  .strictObject({
    direct: StrategyDirectSchema.optional(),
    oldest: StrategyOldestSchema.optional(),
    max_sequence_idle_microseconds: uint()
      .default(1_000_000)
      .describe('A sequence with no request for this long is released (Triton default 1 s)'),
    control_input: z.array(SequenceControlInputSchema).default([]),
    state: z.array(SequenceStateSchema).default([]),
    iterative_sequence: z
      .literal(false, {
        message: 'iterative_sequence is not supported (Braid does not reschedule requests)',
      })
      .default(false),
  })
  .refine(s => !(s.direct && s.oldest), {
    message: 'set one of direct and oldest (strategy_choice), not both',
  });

export type SequenceBatching = z.output<typeof SequenceBatchingSchema>;
export type SequenceControlInput = z.output<typeof SequenceControlInputSchema>;
export type SequenceState = z.output<typeof SequenceStateSchema>;
export type InitialState = z.output<typeof InitialStateSchema>;
