/**
 * @module The OCR example's models served in-process by real backend instances (ONNX Runtime
 * and JS workers) behind a {@link ModelCatalog}, for tests that run the `ocr` pipeline without
 * the engine. Each model has one instance and runs one request at a time, as an instance
 * without a scheduler must; the catalog records the calls each model received.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createJsBackend } from '../../backends/js/index.js';
import { createOnnxRuntimeBackend } from '../../backends/onnxruntime/index.js';
import type { Backend, ModelFiles, ModelInstance } from '../../engine/core/backend.js';
import { fromConfigDataType } from '../../engine/core/datatype.js';
import type { CatalogModel, CatalogTensor, ModelCatalog } from '../../engine/core/model-catalog.js';
import type { ModelConfig } from '../../engine/core/model-config.js';
import type { InferRequest, InferResponse } from '../../engine/core/request.js';
import type { Tensor } from '../../engine/core/tensor.js';
import { parseModelConfig, readModelConfig } from '../../engine/repository/index.js';
import { createStaticCatalog } from '../../pipelines/static-catalog.js';

/** examples/model_repository */
export const EXAMPLE_REPO = fileURLToPath(
  new URL('../../examples/model_repository/', import.meta.url),
);
/** examples/images */
export const EXAMPLE_IMAGES = fileURLToPath(new URL('../../examples/images/', import.meta.url));

/** The models the `ocr` pipeline calls, in step order. */
export const OCR_MODELS = [
  'ocr_preprocess',
  'ocr_det',
  'ocr_db_post',
  'ocr_crop',
  'ocr_cls',
  'ocr_rec',
  'ocr_ctc_decode',
] as const;

/** Where one version of an example model lives. */
export function exampleFiles(name: string, file: string): ModelFiles {
  const modelDir = path.join(EXAMPLE_REPO, name);
  const versionDir = path.join(modelDir, '1');
  return {
    modelName: name,
    version: 1,
    modelDir,
    versionDir,
    modelPath: path.join(versionDir, file),
  };
}

/** The config of an example model, parsed as the repository reads it. */
export async function exampleConfig(name: string): Promise<ModelConfig> {
  const { raw, file, source } = await readModelConfig(path.join(EXAMPLE_REPO, name));
  return parseModelConfig(raw, {
    modelName: name,
    ...(file ? { file } : {}),
    ...(source ? { source } : {}),
  });
}

/** The example images and the lines each holds (examples/images/expected.json). */
export async function expectedLines(): Promise<Record<string, string[]>> {
  const doc = JSON.parse(await readFile(path.join(EXAMPLE_IMAGES, 'expected.json'), 'utf8')) as {
    images: Record<string, string[]>;
  };
  return doc.images;
}

/** Case-insensitive, with runs of whitespace collapsed and ends trimmed. */
export function normalizeText(s: string): string {
  return s.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** A BYTES [1] tensor holding a file. */
export function bytesTensor(bytes: Uint8Array): Tensor {
  return { datatype: 'BYTES', shape: [1], data: [bytes] };
}

/** The strings of a BYTES tensor. */
export function strings(t: Tensor | undefined): string[] {
  if (!t || t.datatype !== 'BYTES')
    throw new Error(`expected a BYTES tensor, found ${t ? t.datatype : 'nothing'}`);
  const decoder = new TextDecoder();
  return (t.data as Uint8Array[]).map(b => decoder.decode(b));
}

/** The OCR models, loaded. */
export interface OcrModels {
  readonly catalog: ModelCatalog;
  /** The JS backend, also the one to give the pipeline backend for module steps. */
  readonly js: Backend;
  /** Requests received per model, in arrival order. */
  readonly calls: ReadonlyMap<string, InferRequest[]>;
  dispose(): Promise<void>;
}

function catalogTensors(
  list: ModelConfig['input'] | ModelConfig['output'],
  batched: boolean,
): CatalogTensor[] {
  return list.map(t => ({
    name: t.name,
    datatype: fromConfigDataType(t.data_type)!,
    shape: batched ? [-1, ...t.dims] : [...t.dims],
    ...('optional' in t && t.optional ? { optional: true } : {}),
  }));
}

/** One loaded example model: its instance and its signature as the catalog reports it. */
async function loadModel(
  name: string,
  backends: { js: Backend; ort: Backend },
): Promise<{ instance: ModelInstance; model: CatalogModel }> {
  const config = await exampleConfig(name);
  const isJs = config.backend === 'js';
  const files = exampleFiles(name, isJs ? 'model.ts' : 'model.onnx');
  const signal = new AbortController().signal;
  const instance = await (isJs ? backends.js : backends.ort).createInstance(config, files, {
    signal,
    index: 0,
    instanceCount: 1,
    device: { kind: 'CPU' },
  });
  const batched = config.max_batch_size > 0;
  const model = {
    name,
    version: 1,
    platform: config.backend,
    maxBatchSize: config.max_batch_size,
    inputs: catalogTensors(config.input, batched),
    outputs: catalogTensors(config.output, batched),
  };
  return { instance, model };
}

/**
 * Loads every model of {@link OCR_MODELS} from examples/model_repository with its committed
 * config, one CPU instance each.
 *
 * @example
 * const ocr = await loadOcrModels();
 * const pipeline = createPipelineBackend({ catalog: ocr.catalog, modules: ocr.js });
 */
export async function loadOcrModels(): Promise<OcrModels> {
  const js = createJsBackend();
  const ort = createOnnxRuntimeBackend();
  const loaded = await Promise.all(OCR_MODELS.map(name => loadModel(name, { js, ort })));
  const instances = new Map(loaded.map(l => [l.model.name, l.instance]));
  const queues = new Map<string, Promise<unknown>>();
  const calls = new Map<string, InferRequest[]>(OCR_MODELS.map(n => [n, []]));
  const infer = (req: InferRequest): Promise<InferResponse> => {
    const instance = instances.get(req.modelName)!;
    calls.get(req.modelName)!.push(req);
    const outputs = req.outputs?.map(o => o.name);
    const signal = req.signal ?? new AbortController().signal;
    const run = (queues.get(req.modelName) ?? Promise.resolve()).then(() =>
      instance.execute(req.inputs, { signal, ...(outputs ? { outputs } : {}) }),
    );
    queues.set(
      req.modelName,
      run.catch(() => undefined),
    );
    return run.then(out => ({ modelName: req.modelName, modelVersion: '1', outputs: out }));
  };
  return {
    catalog: createStaticCatalog(
      loaded.map(l => l.model),
      { infer },
    ),
    js,
    calls,
    dispose: async () => {
      await Promise.all(loaded.map(l => l.instance.dispose()));
    },
  };
}
