/**
 * @module Which fields of Triton's model_config.proto Braid serves. Every field is in exactly one
 * of three tables (a test walks the .proto to keep it so): served; accepted without effect, with
 * a warning at load; or refused with the reason.
 * A refused field set to its proto3 default (false, 0, "", the first enum value, an empty
 * message) is accepted, since protobuf itself cannot tell it from an absent one; any other value
 * is an error at load naming the field, so nothing in a config is silently ignored.
 */

/** Paths (field names joined by dots; map values count as their map's contents) Braid serves. */
// Grouped by message as model_config.proto orders them; a path a line would hide the grouping.
// prettier-ignore
export const SUPPORTED_FIELDS: ReadonlySet<string> = new Set([
  'name', 'platform', 'backend', 'max_batch_size', 'default_model_filename', 'metric_tags',
  'version_policy', 'version_policy.latest', 'version_policy.latest.num_versions', 'version_policy.all',
  'version_policy.specific', 'version_policy.specific.versions',
  'input', 'input.name', 'input.data_type', 'input.format', 'input.dims', 'input.reshape', 'input.reshape.shape',
  'input.optional',
  'output', 'output.name', 'output.data_type', 'output.dims', 'output.reshape', 'output.reshape.shape',
  'output.label_filename',
  'instance_group', 'instance_group.name', 'instance_group.kind', 'instance_group.count', 'instance_group.gpus',
  'dynamic_batching', 'dynamic_batching.preferred_batch_size', 'dynamic_batching.max_queue_delay_microseconds',
  'dynamic_batching.preserve_ordering', 'dynamic_batching.priority_levels', 'dynamic_batching.default_priority_level',
  ...['default_queue_policy', 'priority_queue_policy'].flatMap(p => [
    `dynamic_batching.${p}`,
    ...['timeout_action', 'default_timeout_microseconds', 'allow_timeout_override', 'max_queue_size'].map(f => `dynamic_batching.${p}.${f}`),
  ]),
  'optimization', 'optimization.graph', 'optimization.graph.level', 'optimization.execution_accelerators',
  ...['gpu', 'cpu'].flatMap(d => ['', '.name', '.parameters'].map(f => `optimization.execution_accelerators.${d}_execution_accelerator${f}`)),
  'parameters', 'parameters.string_value',
  'model_transaction_policy', 'model_transaction_policy.decoupled',
  'response_cache', 'response_cache.enable',
  'sequence_batching', 'sequence_batching.max_sequence_idle_microseconds',
  'sequence_batching.direct', 'sequence_batching.direct.max_queue_delay_microseconds',
  'sequence_batching.direct.minimum_slot_utilization',
  ...['', '.max_candidate_sequences', '.preferred_batch_size', '.max_queue_delay_microseconds', '.preserve_ordering'].map(f => `sequence_batching.oldest${f}`),
  'sequence_batching.control_input', 'sequence_batching.control_input.name', 'sequence_batching.control_input.control',
  ...['kind', 'int32_false_true', 'fp32_false_true', 'bool_false_true', 'data_type'].map(f => `sequence_batching.control_input.control.${f}`),
  ...['', '.input_name', '.output_name', '.data_type', '.dims', '.initial_state'].map(f => `sequence_batching.state${f}`),
  ...['data_type', 'dims', 'zero_data', 'data_file', 'name'].map(f => `sequence_batching.state.initial_state.${f}`),
  'model_warmup', 'model_warmup.name', 'model_warmup.batch_size', 'model_warmup.count', 'model_warmup.inputs',
  ...['data_type', 'dims', 'zero_data', 'random_data', 'input_data_file'].map(f => `model_warmup.inputs.${f}`),
  'ensemble_scheduling', 'ensemble_scheduling.step', 'ensemble_scheduling.step.model_name',
  'ensemble_scheduling.step.model_version', 'ensemble_scheduling.step.input_map', 'ensemble_scheduling.step.output_map',
]);

/**
 * Messages whose every field is refused (see below), outside Braid's config schema: present with
 * nothing in them they ask for nothing, and are dropped before the schema sees the config.
 */
export const EMPTY_CONTAINERS: ReadonlySet<string> = new Set([
  'optimization.cuda',
  'optimization.input_pinned_memory',
  'optimization.output_pinned_memory',
  'model_operations',
  'model_repository_agents',
  'model_metrics',
]);

const TENSORRT = 'it applies to TensorRT models, which Braid does not serve';
const PINNED = 'Braid does not stage tensors through pinned memory';

/** Fields Braid refuses, with why; a trailing `*` marks every field below that path. */
const REFUSED: Readonly<Record<string, string>> = {
  runtime: 'Braid picks a backend by backend/platform and loads no backend library files',
  'batch_input*': 'Braid does not add batch inputs to what a model receives',
  'batch_output*': 'Braid does not scatter batch outputs',
  'sequence_batching.iterative_sequence':
    'Braid does not reschedule requests, which iterative sequences need',
  cc_model_filenames:
    'Braid does not pick model files by CUDA compute capability; use default_model_filename',
  'model_operations.op_library_filename': 'Braid does not load custom operation libraries',
  'model_repository_agents.agents*': 'Braid runs no repository agents',
  'model_metrics.metric_control*':
    'per-model metric settings are not supported; see --metrics-config',
  'input.is_shape_tensor': TENSORRT,
  'output.is_shape_tensor': TENSORRT,
  'input.is_non_linear_format_io': TENSORRT,
  'output.is_non_linear_format_io': TENSORRT,
  'input.allow_ragged_batch': 'Braid batches only requests whose input shapes match',
  'instance_group.secondary_devices*': 'secondary devices (NVDLA) are not supported',
  'instance_group.profile': TENSORRT,
  'instance_group.passive': 'Braid sends requests to every instance it creates',
  'instance_group.host_policy': 'host policies (CPU and NUMA placement) are not supported',
  'optimization.cuda.graph_spec*': TENSORRT,
  'ensemble_scheduling.step.model_namespace': 'model namespaces are reserved for Triton itself',
  'ensemble_scheduling.max_inflight_responses':
    'it limits responses of decoupled steps, which Braid does not run',
};

/**
 * Fields that only tune how Triton uses its hardware, never what a model answers, and that
 * Triton's own config endpoint writes into every config (pinned memory), so configs saved from a
 * Triton server carry them. Refusing them would block migration for nothing; they are accepted,
 * have no effect, and each one set is logged as a warning at load with its line, so nothing is
 * ignored silently. A trailing `*` marks every field below that path.
 */
const NO_EFFECT: Readonly<Record<string, string>> = {
  'instance_group.rate_limiter*':
    'Braid has no rate limiter (Triton too ignores it unless started with --rate-limit)',
  'optimization.priority': TENSORRT,
  'optimization.cuda.graphs': TENSORRT,
  'optimization.cuda.busy_wait_events': TENSORRT,
  'optimization.cuda.output_copy_stream': TENSORRT,
  'optimization.input_pinned_memory.enable': PINNED,
  'optimization.output_pinned_memory.enable': PINNED,
  'optimization.gather_kernel_buffer_threshold': 'Braid does not gather inputs with a CUDA kernel',
  'optimization.eager_batching': 'Braid forms the next batch when an instance is free',
  'sequence_batching.state.use_same_buffer_for_input_output':
    'Braid copies state between requests; the buffer it uses is its own choice',
  'sequence_batching.state.use_growable_memory': 'Braid keeps state in ordinary memory',
};

/** Refused even when empty: the presence of the message turns the feature on. */
export const PRESENCE_MATTERS: ReadonlySet<string> = new Set<string>([]);

/**
 * Why Braid refuses the field at `path` (dotted field names), or undefined when it serves it.
 * Paths in neither table are refused too (with a generic reason).
 *
 * @example
 * refusalReason('batch_input'); // 'Braid does not add batch inputs to what a model receives'
 * refusalReason('max_batch_size'); // undefined
 */
export function refusalReason(path: string): string | undefined {
  if (
    SUPPORTED_FIELDS.has(path) ||
    EMPTY_CONTAINERS.has(path) ||
    noEffectReason(path) !== undefined
  )
    return undefined;
  return lookup(REFUSED, path) ?? 'Braid does not read it';
}

/**
 * Why the field at `path` is accepted but has no effect in Braid, or undefined when it is
 * served or refused.
 *
 * @example
 * noEffectReason('optimization.input_pinned_memory.enable'); // 'Braid does not stage tensors ...'
 */
export function noEffectReason(path: string): string | undefined {
  return lookup(NO_EFFECT, path);
}

/** The reason for `path` in `table`, exact or under a `*` entry above it. */
function lookup(table: Readonly<Record<string, string>>, path: string): string | undefined {
  const exact = table[path];
  if (exact !== undefined) return exact;
  const parts = path.split('.');
  for (let n = parts.length; n > 0; n--) {
    const star = table[`${parts.slice(0, n).join('.')}*`];
    if (star !== undefined) return star;
  }
  return undefined;
}
