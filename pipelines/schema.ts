/**
 * @module The pipeline file (`pipeline.yaml`) as a zod schema. It is the single source of the
 * format: parsing validates with it and ui-schema/pipeline.schema.json is generated from it.
 * Objects are strict, so a misspelt key is an error naming it rather than a setting that is
 * silently ignored.
 */
import { z } from 'zod';
import { DATATYPES } from '../engine/core/datatype.js';
import { ERROR_CODES } from '../engine/core/errors.js';

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const SYMBOL = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Names of pipeline tensors and steps; guards refer to them, so they are plain identifiers. */
const name = () =>
  z
    .string()
    .regex(IDENT, 'expected a name of letters, digits, _ and - (not starting with a digit)');
/** Names of a model's own tensors and of models, which the model files decide. */
const modelName = () =>
  z
    .string()
    .min(1)
    .regex(/^[^/\\]+$/, 'expected a name without / or \\');

const Dim = z
  .union([
    z.number().int().min(-1),
    z.string().regex(SYMBOL, 'expected a symbol such as N or batch'),
  ])
  .describe(
    'A size, -1 for any size, or a symbol (N, B, ...) meaning the same size everywhere it appears',
  );

/** A protocol datatype name, as pipeline files write it. */
export const DataTypeNameSchema = z
  .enum(DATATYPES)
  .describe('Protocol datatype (FP32, INT64, BYTES, ...)');

/** A pipeline input or output declaration. */
export const TensorDeclSchema = z.strictObject({
  datatype: DataTypeNameSchema,
  shape: z.array(Dim).describe('Full shape; no implicit batch dimension'),
  optional: z
    .boolean()
    .default(false)
    .describe('Inputs: the client may leave it out. Outputs: it may be absent'),
  from: name()
    .optional()
    .describe('Outputs only: the tensor that provides it (default: the same name)'),
  description: z.string().optional(),
});

/** A literal tensor written in the file (early-return values, on_error defaults). */
export const ConstantSchema = z.strictObject({
  datatype: DataTypeNameSchema,
  shape: z.array(z.number().int().min(0)),
  data: z
    .array(z.union([z.number(), z.string(), z.boolean()]))
    .describe('Row-major elements; BYTES as strings'),
});

const InputBinding = z.union([
  name().describe('The tensor this input reads'),
  z.strictObject({
    from: name().describe('The tensor this input reads'),
    optional: z.boolean().default(false).describe('Run the step even when the tensor is absent'),
    shape: z.array(Dim).optional().describe('Expected shape; symbols bind across the pipeline'),
  }),
]);

const OutputBinding = z.union([
  name().describe('The tensor this output becomes'),
  z.strictObject({
    tensor: name().describe('The tensor this output becomes'),
    datatype: DataTypeNameSchema.optional().describe(
      'Declared datatype, checked against the model',
    ),
    shape: z
      .array(Dim)
      .optional()
      .describe('Declared shape, checked against the model; symbols bind'),
  }),
]);

const Bindings = <T extends z.ZodType>(value: T) =>
  z.union([
    z.array(name()).describe('Names used both as the model tensor and the pipeline tensor'),
    z.record(modelName(), value),
  ]);

/** A step's retry policy. */
export const RetrySchema = z.strictObject({
  attempts: z
    .number()
    .int()
    .min(1)
    .max(20)
    .default(3)
    .describe('Total attempts including the first'),
  on: z
    .array(z.enum(Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES]))
    .default(['UNAVAILABLE'])
    .describe('Error codes to retry; a step timeout is UNAVAILABLE'),
  backoff_ms: z.number().min(0).default(10).describe('Wait before the second attempt'),
  multiplier: z
    .number()
    .min(1)
    .default(2)
    .describe('Each later wait is this many times the previous'),
  max_backoff_ms: z.number().min(0).default(1000),
});

/** A step's fan-out over axis 0 of a tensor. */
export const MapSchema = z.strictObject({
  over: name().describe('A tensor read by this step; one call per item of its axis 0'),
  mode: z
    .enum(['concat', 'stack'])
    .default('concat')
    .describe(
      'concat: items keep axis 0 as size 1 and outputs are concatenated; stack: items drop axis 0',
    ),
  max_parallel: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe('Most item calls at once; 0 is unlimited'),
});

const StepPolicy = {
  timeout_ms: z
    .number()
    .positive()
    .optional()
    .describe('Limit of one call (each attempt, each map item)'),
  retry: RetrySchema.optional(),
  on_error: z
    .enum(['fail', 'skip', 'default'])
    .optional()
    .describe('fail the request, skip the step, or use `default`'),
};

/** One step: a model, a JS/TS module, or an early return. */
export const StepSchema = z.strictObject({
  name: name(),
  model: modelName().optional().describe('A model (or pipeline) of the repository'),
  version: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe('Model version; the highest ready one when absent'),
  module: z
    .string()
    .min(1)
    .optional()
    .describe('A .ts/.js module with initialize/execute/finalize, relative to this file'),
  instances: z
    .number()
    .int()
    .min(1)
    .max(64)
    .default(1)
    .describe('Module steps: worker threads running it'),
  cache: z
    .boolean()
    .optional()
    .describe(
      "Model steps: answer repeated calls from the server's response cache (needs --cache-config); for deterministic models",
    ),
  return: z
    .record(name(), z.union([name(), ConstantSchema]))
    .optional()
    .describe('Early return: every pipeline output, from a tensor or a literal'),
  when: z
    .string()
    .min(1)
    .optional()
    .describe('Guard, e.g. "shape(boxes)[0] > 0 && params.mode != \'fast\'"'),
  inputs: Bindings(InputBinding).default({}),
  outputs: Bindings(OutputBinding).default({}),
  map: MapSchema.optional(),
  ...StepPolicy,
  default: z
    .record(modelName(), ConstantSchema)
    .optional()
    .describe('on_error: default values, by model output name'),
  description: z.string().optional(),
});

/** A whole pipeline file. */
export const PipelineFileSchema = z.strictObject({
  description: z.string().optional(),
  inputs: z.record(name(), TensorDeclSchema),
  outputs: z.record(name(), TensorDeclSchema),
  deadline_ms: z.number().positive().optional().describe('End-to-end budget of one request'),
  defaults: z.strictObject(StepPolicy).optional().describe('Policies of every step that sets none'),
  steps: z.array(StepSchema).min(1),
});

/** A parsed pipeline file, defaults filled in. */
export type PipelineFile = z.output<typeof PipelineFileSchema>;
/** One parsed step. */
export type StepDecl = z.output<typeof StepSchema>;
/** A pipeline input or output declaration. */
export type TensorDecl = z.output<typeof TensorDeclSchema>;
/** A literal tensor. */
export type ConstantDecl = z.output<typeof ConstantSchema>;
/** A dimension as written: a size, -1, or a symbol. */
export type DimDecl = number | string;
