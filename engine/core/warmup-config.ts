/**
 * @module Triton's `model_warmup` (model_config.proto ModelWarmup) with its field names and
 * defaults: samples each instance of a model runs before the version is READY, so the first
 * client requests do not pay lazy initialisation (ONNX Runtime's first-run allocations, a JS
 * worker's JIT).
 */
import { z } from 'zod';
import { CONFIG_DATATYPES } from './datatype.js';

const DataTypeSchema = z.enum(CONFIG_DATATYPES as [string, ...string[]]);

/**
 * One input of a sample. Exactly one of `zero_data`, `random_data`, `input_data_file` says where
 * its values come from (protobuf's oneof; as in Triton, the flags' values are not read, only
 * whether they are set).
 */
export const WarmupInputSchema = z
  .strictObject({
    data_type: DataTypeSchema,
    dims: z
      .array(z.number().int().min(0))
      .default([])
      .describe('The shape without the batch dimension; every dimension fixed'),
    zero_data: z.boolean().optional(),
    random_data: z
      .boolean()
      .optional()
      .describe('Random values (a TYPE_STRING input gets empty strings, as in Triton)'),
    input_data_file: z
      .string()
      .optional()
      .describe(
        "Raw little-endian values in row-major order, in the model directory's warmup/; for TYPE_STRING each element is a 4-byte length and its bytes",
      ),
  })
  .superRefine((input, ctx) => {
    const set = (['zero_data', 'random_data', 'input_data_file'] as const).filter(
      k => input[k] !== undefined,
    );
    if (set.length !== 1)
      ctx.addIssue({
        code: 'custom',
        message: `set exactly one of zero_data, random_data, input_data_file; got ${set.length === 0 ? 'none' : set.join(', ')}`,
      });
  });

export const ModelWarmupSchema = z.strictObject({
  name: z.string().default('').describe('The sample, named in logs and errors'),
  batch_size: z
    .number()
    .int()
    .nonnegative()
    .default(0)
    .describe('Rows of the sample for a model that batches, each a copy of the inputs; 0 means 1'),
  inputs: z.record(z.string(), WarmupInputSchema).default({}),
  count: z
    .number()
    .int()
    .nonnegative()
    .default(0)
    .describe('How many times each instance runs the sample; 0 means once'),
});

export type ModelWarmup = z.output<typeof ModelWarmupSchema>;
export type WarmupInput = z.output<typeof WarmupInputSchema>;
