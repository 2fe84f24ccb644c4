/**
 * The console's calls to the server: the protocol's own endpoints (repository, metadata,
 * infer) and the console's read-only ones under /console/api.
 */

/** One row of the repository index. */
export interface IndexRow {
  readonly name: string;
  readonly version?: string;
  readonly state?: string;
  readonly reason?: string;
}

/** A duration counter of the statistics extension. */
export interface Duration {
  readonly count: number;
  readonly ns: number;
}

/** Per-step statistics of a pipeline version (`braid_steps`). */
export interface StepStats {
  readonly step: string;
  readonly target: string;
  readonly ran: Duration;
  readonly skipped: number;
  readonly failed: number;
  readonly defaulted: number;
  readonly returned: number;
  readonly cancelled: number;
  readonly calls: number;
  readonly retries: number;
  readonly items: number;
}

/** Statistics of one loaded version. */
export interface VersionStats {
  readonly name: string;
  readonly version: string;
  readonly inference_count: number;
  readonly execution_count: number;
  readonly inference_stats: {
    readonly success: Duration;
    readonly fail: Duration;
    readonly queue: Duration;
    readonly compute_infer: Duration;
  };
  readonly batch_stats: readonly {
    readonly batch_size: number;
    readonly compute_infer: Duration;
  }[];
  readonly braid_steps?: readonly StepStats[];
}

/** A model version's figures over the feed's window, computed by the server. */
export interface ModelFigures {
  readonly name: string;
  readonly version: string;
  readonly requests: number;
  /** Estimated from the latency histogram's buckets; absent without requests or metrics. */
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  /** Requests waiting to execute now; absent when metrics are off. */
  readonly pending?: number;
  readonly batches: readonly { readonly size: number; readonly count: number }[];
}

/** A pipeline step's figures over the feed's window. */
export interface StepFigures {
  readonly pipeline: string;
  readonly step: string;
  readonly count: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
}

/** One event of the live feed. */
export interface Snapshot {
  readonly time: number;
  /** `--model-control-mode`: load and unload are refused unless it is `explicit`. */
  readonly controlMode?: 'none' | 'explicit' | 'poll';
  readonly index: readonly IndexRow[];
  readonly stats: readonly VersionStats[];
  readonly live?: {
    readonly windowSeconds: number;
    readonly models: readonly ModelFigures[];
    readonly steps: readonly StepFigures[];
  };
}

/** Tensor metadata of a model. */
export interface TensorMeta {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
}

/** A model's metadata. */
export interface ModelMeta {
  readonly name: string;
  readonly versions: readonly string[];
  readonly platform: string;
  readonly inputs: readonly TensorMeta[];
  readonly outputs: readonly TensorMeta[];
}

/** The server's `{"error": "..."}` as an Error, or the status line. */
async function failure(res: Response): Promise<Error> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { error?: string };
    if (body.error) return new Error(body.error);
  } catch {
    // not JSON: the status says enough
  }
  return new Error(`HTTP ${res.status} ${res.statusText}`);
}

/** GET `url` as JSON; throws the server's error message. */
export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/** POST `body` (JSON) to `url`; throws the server's error message. */
export async function postJson(url: string, body: unknown = {}): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw await failure(res);
}

/** A value given for one input. */
export type InputValue =
  | {
      readonly name: string;
      readonly datatype: string;
      readonly shape: readonly number[];
      readonly data: readonly unknown[];
    }
  /** One BYTES element holding a file, sent as binary data. */
  | {
      readonly name: string;
      readonly datatype: 'BYTES';
      readonly shape: readonly number[];
      readonly file: Uint8Array;
    };

/** An output of an infer response. */
export interface OutputTensor {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
  readonly data: readonly unknown[];
}

/** An infer response. */
export interface InferResult {
  readonly model_name: string;
  readonly outputs: readonly OutputTensor[];
  readonly parameters?: Readonly<Record<string, unknown>>;
}

/**
 * Runs `model` with `inputs`. Files go as binary tensor data after a JSON header (the binary
 * tensor extension), since JSON strings cannot hold arbitrary bytes; outputs come back as JSON.
 */
export async function infer(
  model: string,
  inputs: readonly InputValue[],
  parameters: Record<string, unknown>,
): Promise<InferResult> {
  const parts: Uint8Array[] = [];
  const header = {
    inputs: inputs.map(i => {
      if (!('file' in i))
        return { name: i.name, datatype: i.datatype, shape: i.shape, data: i.data };
      const element = new Uint8Array(4 + i.file.length);
      new DataView(element.buffer).setUint32(0, i.file.length, true);
      element.set(i.file, 4);
      parts.push(element);
      return {
        name: i.name,
        datatype: i.datatype,
        shape: i.shape,
        parameters: { binary_data_size: element.length },
      };
    }),
    parameters,
  };
  const head = new TextEncoder().encode(JSON.stringify(header));
  const headers: Record<string, string> = {
    'content-type': parts.length ? 'application/octet-stream' : 'application/json',
  };
  if (parts.length) headers['inference-header-content-length'] = String(head.length);
  const body = new Blob([head, ...parts] as BlobPart[]);
  const res = await fetch(`/v2/models/${encodeURIComponent(model)}/infer`, {
    method: 'POST',
    headers,
    body,
  });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as InferResult;
}

/** Mean of a duration counter in ms; undefined when nothing was counted. */
export function meanMs(d: Duration | undefined): number | undefined {
  return d && d.count > 0 ? d.ns / d.count / 1e6 : undefined;
}

/** `n` with at most `digits` fraction digits, or `–` when absent. */
export function fmt(n: number | undefined, digits = 1): string {
  return n === undefined || !Number.isFinite(n)
    ? '–'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits });
}
