/**
 * @module What test cases are sent to: the in-process test engine, or a running server over the
 * Open Inference Protocol (`--url`: Braid, Triton or any KServe v2 server). Over HTTP tensors
 * travel in the binary tensor extension, so BYTES inputs such as image files arrive intact, and
 * a Braid server's pipelines report their steps through `braid_debug`.
 */
import { EngineError } from '../../core/errors.js';
import type { ParameterValue } from '../../core/request.js';
import type { Tensor, TensorMap } from '../../core/tensor.js';
import { binaryTensorData } from '../../server/codec/binary-data.js';
import { encodeBytesElements } from '../../core/bytes-elements.js';
import { fromDebugParameter } from '../testing/step-records.js';
import type { StepRecord } from '../testing/step-records.js';
import type { CompiledStub } from '../testing/stubs.js';
import type { TestEngine } from '../testing/test-engine.js';
import { flatten, toTensor } from '../testing/values.js';
import type { DataType } from '../../core/datatype.js';
import { isDataType } from '../../core/datatype.js';
import type { Clock } from '../../core/clock.js';

/** One request of a case. */
export interface TargetRequest {
  readonly model: string;
  readonly version?: number;
  readonly inputs: TensorMap;
  readonly parameters?: Readonly<Record<string, ParameterValue>>;
  readonly outputs?: readonly string[];
  /** Only in-process. */
  readonly stubs?: ReadonlyMap<string, CompiledStub>;
}

/** How a request went. */
export type TargetOutcome =
  | {
      readonly ok: true;
      readonly outputs: TensorMap;
      readonly steps: readonly StepRecord[];
      readonly durationMs: number;
    }
  | {
      readonly ok: false;
      readonly status: number;
      readonly code?: string;
      readonly message: string;
      readonly steps: readonly StepRecord[];
      readonly durationMs: number;
    };

/** Where cases run. */
export interface Target {
  readonly mode: 'in-process' | 'url';
  run(req: TargetRequest): Promise<TargetOutcome>;
}

/**
 * The in-process target: requests go to a test engine.
 *
 * @example
 * const target = engineTarget(await createTestEngine({ repository }));
 */
export function engineTarget(engine: TestEngine): Target {
  return {
    mode: 'in-process',
    async run(req) {
      const o = await engine.run(req.model, req.inputs, {
        ...(req.version === undefined ? {} : { version: req.version }),
        ...(req.parameters ? { parameters: req.parameters } : {}),
        ...(req.outputs ? { outputs: req.outputs } : {}),
        ...(req.stubs ? { stubs: req.stubs } : {}),
      });
      if (o.ok) return { ok: true, outputs: o.outputs, steps: o.steps, durationMs: o.durationMs };
      return {
        ok: false,
        status: o.status,
        code: o.error.code,
        message: o.error.message,
        steps: o.steps,
        durationMs: o.durationMs,
      };
    },
  };
}

interface OutputHeader {
  name: string;
  datatype: string;
  shape: number[];
  data?: unknown[];
  parameters?: { binary_data_size?: number };
}

/**
 * A running server at `url`. Pipelines of a Braid server are asked for `braid_debug` step
 * timings; other servers get exactly the request the test describes.
 *
 * @example
 * const target = httpTarget('http://localhost:8000', systemClock);
 */
export function httpTarget(url: string, clock: Clock): Target {
  const base = url.replace(/\/+$/, '');
  let braid: Promise<boolean> | undefined;
  const pipelines = new Map<string, Promise<boolean>>();
  const getJson = async (p: string): Promise<Record<string, unknown> | undefined> => {
    const res = await fetch(`${base}${p}`).catch((e: unknown) => {
      throw new EngineError(
        'UNAVAILABLE',
        `cannot reach ${base}: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`,
      );
    });
    return res.ok ? ((await res.json()) as Record<string, unknown>) : undefined;
  };
  const isBraidPipeline = async (model: string, version?: number): Promise<boolean> => {
    if (!(await (braid ??= getJson('/v2').then(m => m?.['name'] === 'braid')))) return false;
    const key = `${model}/${version ?? ''}`;
    let p = pipelines.get(key);
    if (!p)
      pipelines.set(
        key,
        (p = getJson(modelPath(model, version)).then(m => m?.['platform'] === 'ensemble')),
      );
    return p;
  };
  return {
    mode: 'url',
    async run(req) {
      if (req.stubs && req.stubs.size > 0)
        throw new EngineError(
          'INVALID_ARG',
          'stubs need in-process mode: a server at --url runs its real models',
        );
      const debug = await isBraidPipeline(req.model, req.version);
      const body = encodeRequest(req, debug);
      const start = clock.now();
      const res = await fetch(`${base}${modelPath(req.model, req.version)}/infer`, {
        method: 'POST',
        headers: body.headers,
        body: body.bytes,
      });
      const bytes = new Uint8Array(await res.arrayBuffer());
      const durationMs = clock.now() - start;
      if (!res.ok) {
        const text = new TextDecoder().decode(bytes);
        let message = text;
        try {
          message = String((JSON.parse(text) as { error?: unknown }).error ?? text);
        } catch {
          // not JSON: the body is the message
        }
        return { ok: false, status: res.status, message, steps: [], durationMs };
      }
      const { outputs, parameters } = decodeResponse(
        bytes,
        res.headers.get('inference-header-content-length'),
      );
      return {
        ok: true,
        outputs,
        steps: fromDebugParameter(parameters?.['braid_debug']),
        durationMs,
      };
    },
  };
}

function modelPath(model: string, version?: number): string {
  return `/v2/models/${encodeURIComponent(model)}${version === undefined ? '' : `/versions/${version}`}`;
}

function rawBytes(t: Tensor): Uint8Array {
  if (Array.isArray(t.data)) return encodeBytesElements(t.data as Uint8Array[]);
  const d = t.data as Exclude<Tensor['data'], Uint8Array[]>;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

function encodeRequest(
  req: TargetRequest,
  debug: boolean,
): { bytes: Uint8Array; headers: Record<string, string> } {
  const tensors = [...req.inputs].map(([name, t]) => ({ name, t, bytes: rawBytes(t) }));
  const parameters = {
    ...(req.parameters ?? {}),
    binary_data_output: true,
    ...(debug ? { braid_debug: true } : {}),
  };
  const header = new TextEncoder().encode(
    JSON.stringify({
      inputs: tensors.map(x => ({
        name: x.name,
        datatype: x.t.datatype,
        shape: x.t.shape,
        parameters: { binary_data_size: x.bytes.byteLength },
      })),
      ...(req.outputs
        ? { outputs: req.outputs.map(name => ({ name, parameters: { binary_data: true } })) }
        : {}),
      parameters,
    }),
  );
  const bytes = Buffer.concat([header, ...tensors.map(x => x.bytes)]);
  return {
    bytes,
    headers: {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': String(header.byteLength),
    },
  };
}

function decodeResponse(
  bytes: Uint8Array,
  headerLength: string | null,
): { outputs: TensorMap; parameters?: Record<string, unknown> } {
  const jsonEnd = headerLength === null ? bytes.byteLength : Number(headerLength);
  const doc = JSON.parse(new TextDecoder().decode(bytes.subarray(0, jsonEnd))) as {
    outputs?: OutputHeader[];
    parameters?: Record<string, unknown>;
  };
  const outputs: TensorMap = new Map();
  let at = jsonEnd;
  for (const o of doc.outputs ?? []) {
    if (!isDataType(o.datatype))
      throw new EngineError(
        'INTERNAL',
        `the server answered output '${o.name}' with unknown datatype '${o.datatype}'`,
      );
    const dt: DataType = o.datatype;
    const size = o.parameters?.binary_data_size;
    if (size !== undefined) {
      outputs.set(o.name, {
        datatype: dt,
        shape: o.shape,
        data: binaryTensorData(o.name, dt, o.shape, bytes.subarray(at, at + size)),
      });
      at += size;
    } else {
      outputs.set(
        o.name,
        toTensor(
          dt,
          o.shape,
          flatten(o.data ?? [], `output '${o.name}'`).values,
          `output '${o.name}'`,
        ),
      );
    }
  }
  return { outputs, ...(doc.parameters ? { parameters: doc.parameters } : {}) };
}
