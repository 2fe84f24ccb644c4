/**
 * What `braid perf` needs to know about the model under test, read from the server: its inputs
 * and outputs (model metadata) and whether the first dimension is the batch (model config,
 * a Triton extension; a plain KServe v2 server may not have it).
 *
 * @module
 */
import { EngineError } from '../../core/errors.js';
import { sendOnce } from './send-once.js';

/** One tensor of the model metadata. */
export interface TensorMetadata {
  readonly name: string;
  readonly datatype: string;
  /** Batch dimension included (as -1) when the model batches; -1 is variable. */
  readonly shape: readonly number[];
}

/** A model as the server describes it. */
export interface ModelInfo {
  readonly name: string;
  readonly platform: string;
  readonly inputs: readonly TensorMetadata[];
  readonly outputs: readonly TensorMetadata[];
  /** `max_batch_size` from the config; undefined when the server offers no config endpoint. */
  readonly maxBatchSize: number | undefined;
  /** Inputs the config marks optional (perf leaves them out unless data names them). */
  readonly optionalInputs: ReadonlySet<string>;
}

/** `/v2/models/{m}[/versions/{v}]` with the name and version escaped. */
export function modelPath(model: string, version?: string): string {
  const v =
    version === undefined || version === '' ? '' : `/versions/${encodeURIComponent(version)}`;
  return `/v2/models/${encodeURIComponent(model)}${v}`;
}

async function getJson(url: string, what: string): Promise<{ status: number; json: unknown }> {
  let res;
  try {
    res = await sendOnce(url);
  } catch (e) {
    throw new EngineError('UNAVAILABLE', `${what}: cannot reach ${url}: ${(e as Error).message}`);
  }
  const text = res.body.toString('utf8');
  try {
    return { status: res.status, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
  } catch {
    return { status: res.status, json: { error: text.slice(0, 300) } };
  }
}

function tensors(list: unknown, model: string, field: string): TensorMetadata[] {
  if (!Array.isArray(list))
    throw new EngineError('INVALID_ARG', `metadata of model '${model}': '${field}' is not a list`);
  return list.map((t: { name?: unknown; datatype?: unknown; shape?: unknown }) => {
    if (typeof t.name !== 'string' || typeof t.datatype !== 'string' || !Array.isArray(t.shape)) {
      throw new EngineError(
        'INVALID_ARG',
        `metadata of model '${model}': a tensor in '${field}' lacks name, datatype or shape`,
      );
    }
    return { name: t.name, datatype: t.datatype, shape: t.shape.map(Number) };
  });
}

/**
 * Reads the metadata (required) and config (optional) of `model` from the server at `origin`.
 *
 * @example
 * const info = await readModelInfo('http://127.0.0.1:8000', 'simple');
 * info.inputs.map(i => i.name); // ['INPUT0', 'INPUT1']
 */
export async function readModelInfo(
  origin: string,
  model: string,
  version?: string,
): Promise<ModelInfo> {
  const path = origin + modelPath(model, version);
  const meta = await getJson(path, `model '${model}'`);
  if (meta.status !== 200) {
    const why = (meta.json as { error?: unknown } | undefined)?.error ?? `HTTP ${meta.status}`;
    throw new EngineError(
      'NOT_FOUND',
      `model '${model}'${version ? ` version ${version}` : ''} at ${origin}: ${String(why)}`,
    );
  }
  const config = await getJson(`${path}/config`, `config of model '${model}'`);
  return modelInfoFrom(model, meta.json, config.status === 200 ? config.json : undefined);
}

/**
 * A {@link ModelInfo} from a model metadata response and, when the server has one, a model
 * config (as JSON over HTTP, or the same fields decoded from gRPC).
 *
 * @example
 * modelInfoFrom('simple', { platform: 'onnxruntime_onnx', inputs: [], outputs: [] }, { max_batch_size: 8 });
 */
export function modelInfoFrom(model: string, metadata: unknown, config: unknown): ModelInfo {
  const m = metadata as { platform?: unknown; inputs?: unknown; outputs?: unknown };
  type ConfigJson = { max_batch_size?: unknown; input?: { name?: unknown; optional?: unknown }[] };
  const c = config as ConfigJson | undefined;
  const optional = (c?.input ?? []).filter(i => i.optional === true).map(i => String(i.name));
  return {
    name: model,
    platform: typeof m.platform === 'string' ? m.platform : '',
    inputs: tensors(m.inputs, model, 'inputs'),
    outputs: tensors(m.outputs ?? [], model, 'outputs'),
    maxBatchSize: typeof c?.max_batch_size === 'number' ? c.max_batch_size : undefined,
    optionalInputs: new Set(optional),
  };
}
