/**
 * @module Model configuration with Triton's field names and meanings (model_config.proto), so a
 * config.pbtxt translates to YAML line by line and tools that read Triton's config JSON read
 * ours. Parsing fills every default, which is what GET /v2/models/{m}/config returns (§3.9).
 * Objects are strict: a misspelt key is an error naming it, not a silently ignored setting.
 */
import { z } from 'zod';
import { CONFIG_DATATYPES } from './datatype.js';
import { checkModelPath } from './model-path.js';
import { SequenceBatchingSchema } from './sequence-config.js';
import { ModelWarmupSchema } from './warmup-config.js';

const int = () => z.number().int();
const uint = () => z.number().int().nonnegative();
const dims = () =>
  z.array(int().min(-1)).describe('Dimensions without the batch dimension; -1 is variable');

/**
 * A file a config names, relative to `from` inside the model directory. Refused when it would
 * leave that directory (issue #10): a config, or a load override, must not reach host files.
 */
const modelFile = (from: string) =>
  z.string().superRefine((name, ctx) => {
    const check = checkModelPath(name, from);
    if (!check.ok) ctx.addIssue({ code: 'custom', message: check.problem });
  });
// Any version directory: only its depth inside the model directory matters to the check.
const VERSION_DIR = '1';

export const DataTypeSchema = z.enum(CONFIG_DATATYPES as [string, ...string[]]);

export const ReshapeSchema = z.strictObject({ shape: z.array(int().min(-1)) });

export const ModelInputSchema = z.strictObject({
  name: z.string().min(1),
  data_type: DataTypeSchema,
  format: z.enum(['FORMAT_NONE', 'FORMAT_NHWC', 'FORMAT_NCHW']).default('FORMAT_NONE'),
  dims: dims(),
  reshape: ReshapeSchema.optional(),
  is_shape_tensor: z.boolean().default(false),
  allow_ragged_batch: z.boolean().default(false),
  optional: z.boolean().default(false),
  is_non_linear_format_io: z.boolean().default(false),
});

export const ModelOutputSchema = z.strictObject({
  name: z.string().min(1),
  data_type: DataTypeSchema,
  dims: dims(),
  reshape: ReshapeSchema.optional(),
  label_filename: modelFile('')
    .default('')
    .describe('A file of labels, relative to and inside the model directory'),
  is_shape_tensor: z.boolean().default(false),
  is_non_linear_format_io: z.boolean().default(false),
});

export const InstanceGroupSchema = z.strictObject({
  name: z.string().default(''),
  kind: z.enum(['KIND_AUTO', 'KIND_GPU', 'KIND_CPU', 'KIND_MODEL']).default('KIND_AUTO'),
  count: int().min(1).default(1),
  gpus: z.array(uint()).default([]),
  passive: z.boolean().default(false),
  host_policy: z.string().default(''),
});

export const QueuePolicySchema = z.strictObject({
  timeout_action: z.enum(['REJECT', 'DELAY']).default('REJECT'),
  default_timeout_microseconds: uint().default(0),
  allow_timeout_override: z.boolean().default(false),
  max_queue_size: uint().default(0),
});

export const DynamicBatchingSchema = z.strictObject({
  preferred_batch_size: z.array(int().min(1)).default([]),
  max_queue_delay_microseconds: uint().default(0),
  preserve_ordering: z.boolean().default(false),
  priority_levels: uint().default(0),
  default_priority_level: uint().default(0),
  default_queue_policy: QueuePolicySchema.prefault({}),
  priority_queue_policy: z.record(z.string().regex(/^\d+$/), QueuePolicySchema).default({}),
});

export const VersionPolicySchema = z.union([
  z.strictObject({ latest: z.strictObject({ num_versions: int().min(1).default(1) }) }),
  z.strictObject({ all: z.strictObject({}) }),
  z.strictObject({ specific: z.strictObject({ versions: z.array(int().min(1)).min(1) }) }),
]);

const AcceleratorSchema = z.strictObject({
  name: z.string().min(1),
  parameters: z.record(z.string(), z.string()).default({}),
});

export const OptimizationSchema = z.strictObject({
  graph: z.strictObject({ level: int().default(0) }).prefault({}),
  priority: z
    .enum(['PRIORITY_DEFAULT', 'PRIORITY_MAX', 'PRIORITY_MIN'])
    .default('PRIORITY_DEFAULT'),
  execution_accelerators: z
    .strictObject({
      gpu_execution_accelerator: z.array(AcceleratorSchema).default([]),
      cpu_execution_accelerator: z.array(AcceleratorSchema).default([]),
    })
    .prefault({}),
});

export const ModelParameterSchema = z.strictObject({ string_value: z.string() });

/** One step of an ensemble: a model, and which ensemble tensors its inputs and outputs are. */
export const EnsembleStepSchema = z.strictObject({
  model_name: z.string().default(''),
  model_version: int()
    .default(-1)
    .describe('Version of the model to call; -1 is the latest ready one'),
  input_map: z
    .record(z.string(), z.string())
    .default({})
    .describe('Model input name → ensemble tensor it reads'),
  output_map: z
    .record(z.string(), z.string())
    .default({})
    .describe('Model output name → ensemble tensor it becomes'),
});

/**
 * Triton's model_transaction_policy. A decoupled model answers a request with any number of
 * responses (0..n), each sent when ready, and then a final flag; only streaming frontends (gRPC
 * ModelStreamInfer, HTTP generate / generate_stream) serve it.
 */
export const TransactionPolicySchema = z.strictObject({
  decoupled: z
    .boolean()
    .default(false)
    .describe('The model may send any number of responses per request'),
});

/**
 * Triton's response_cache: with a cache configured on the server (`--cache-config`), responses
 * of this model are kept and a repeated request is answered without executing it.
 */
export const ResponseCacheSchema = z.strictObject({
  enable: z
    .boolean()
    .default(false)
    .describe("Answer repeated requests from the server's response cache (needs --cache-config)"),
});

/** Triton's ensemble scheduling: the model is a pipeline of other models (platform `ensemble`). */
export const EnsembleSchedulingSchema = z.strictObject({
  step: z.array(EnsembleStepSchema).default([]),
});

export const ModelConfigSchema = z.strictObject({
  name: z.string().default(''),
  platform: z.string().default(''),
  backend: z.string().default(''),
  version_policy: VersionPolicySchema.default({ latest: { num_versions: 1 } }),
  max_batch_size: uint().default(0),
  input: z.array(ModelInputSchema).default([]),
  output: z.array(ModelOutputSchema).default([]),
  instance_group: z.array(InstanceGroupSchema).default([]),
  dynamic_batching: DynamicBatchingSchema.optional(),
  ensemble_scheduling: EnsembleSchedulingSchema.optional(),
  sequence_batching: SequenceBatchingSchema.optional(),
  model_transaction_policy: TransactionPolicySchema.prefault({}),
  response_cache: ResponseCacheSchema.prefault({}),
  optimization: OptimizationSchema.prefault({}),
  parameters: z.record(z.string(), ModelParameterSchema).default({}),
  metric_tags: z.record(z.string(), z.string()).default({}),
  model_warmup: z
    .array(ModelWarmupSchema)
    .default([])
    .describe('Samples each instance runs, in order, before the version is READY'),
  default_model_filename: modelFile(VERSION_DIR)
    .default('')
    .describe(
      "The model file, relative to each version directory and inside the model directory; default the backend's (model.onnx, model.js, pipeline.yaml)",
    ),
});

/** A model configuration with every default filled in. */
export type ModelConfig = z.output<typeof ModelConfigSchema>;
/** A model configuration as written by a user (defaults optional). */
export type ModelConfigInput = z.input<typeof ModelConfigSchema>;
export type ModelInput = z.output<typeof ModelInputSchema>;
export type ModelOutput = z.output<typeof ModelOutputSchema>;
export type InstanceGroup = z.output<typeof InstanceGroupSchema>;
export type DynamicBatching = z.output<typeof DynamicBatchingSchema>;
export type QueuePolicy = z.output<typeof QueuePolicySchema>;
export type VersionPolicy = z.output<typeof VersionPolicySchema>;
export type EnsembleScheduling = z.output<typeof EnsembleSchedulingSchema>;

/**
 * Formats zod issues as `path: message` lines, the way config errors are reported.
 *
 * @example
 * formatIssues(result.error); // "input[0].data_type: Invalid option: expected one of ..."
 */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map(i => {
      const path = i.path
        .map((p, k) => (typeof p === 'number' ? `[${p}]` : k === 0 ? String(p) : `.${String(p)}`))
        .join('');
      return path ? `${path}: ${i.message}` : i.message;
    })
    .join('; ');
}
