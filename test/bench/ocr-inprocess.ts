/**
 * The in-process ceiling of the OCR benchmark: the `ocr` pipeline's three ONNX models run
 * directly with onnxruntime-node (the session options `braid serve` derives from their
 * configs), and its JS steps run by calling the very modules the server loads
 * (examples/model_repository/ocr_*\/1/model.ts), in one process, with no server, no queue and
 * no worker threads. Per image it records each step's time, so the models' own compute is
 * known apart from the JS steps.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { parse } from 'yaml';
import type { JsModelContext, JsModelModule, JsTensor } from '../../backends/js/module-api.js';
import { REPO_ROOT } from './child-server.js';
import { serverSessionOptions } from './ort-ceiling.js';

const REPO = join(REPO_ROOT, 'examples', 'model_repository');

/** The steps timed, in pipeline order; the three `models` are the ONNX ones. */
export const OCR_STEPS = [
  'prepare',
  'detect',
  'find_boxes',
  'crop_for_cls',
  'orient',
  'crop_for_rec',
  'recognize',
  'decode',
] as const;
/** A step of {@link OCR_STEPS}. */
export type OcrStep = (typeof OCR_STEPS)[number];
const MODEL_STEPS: readonly OcrStep[] = ['detect', 'orient', 'recognize'];

/** One image read in-process: its lines and where the time went. */
export interface InProcessRead {
  readonly text: readonly string[];
  /** Milliseconds per step (absent: the step did not run, as for an image without text). */
  readonly stepMs: Partial<Record<OcrStep, number>>;
  readonly totalMs: number;
  /** Time in the three ONNX models. */
  readonly modelMs: number;
}

/** The loaded pipeline; {@link InProcessOcr.read} may be called concurrently. */
export interface InProcessOcr {
  read(image: Uint8Array): Promise<InProcessRead>;
  close(): Promise<void>;
}

type ModelConfigYaml = Record<string, unknown> & {
  parameters?: Record<string, { string_value?: string }>;
};

function configOf(model: string): ModelConfigYaml {
  return parse(readFileSync(join(REPO, model, 'config.yaml'), 'utf8')) as ModelConfigYaml;
}

async function session(model: string): Promise<InferenceSession> {
  const config = configOf(model);
  return InferenceSession.create(
    join(REPO, model, '1', 'model.onnx'),
    serverSessionOptions(config, model),
  );
}

async function jsModule(model: string): Promise<JsModelModule> {
  const versionDir = join(REPO, model, '1');
  const mod = (await import(join(versionDir, 'model.ts'))) as JsModelModule;
  const raw = configOf(model).parameters ?? {};
  const parameters = Object.fromEntries(
    Object.entries(raw).map(([k, v]) => [k, String(v.string_value ?? '')]),
  );
  const ctx: JsModelContext = {
    ...{
      name: model,
      version: 1,
      modelDir: join(REPO, model),
      versionDir,
      parameters,
      maxBatchSize: 0,
    },
    instance: { index: 0, count: 1 },
    resolveFile: (file: string) => join(versionDir, file),
  };
  await mod.initialize?.(ctx);
  return mod;
}

type Outputs = Record<string, JsTensor>;

async function runModel(s: InferenceSession, input: JsTensor): Promise<JsTensor> {
  const out = await s.run({
    [s.inputNames[0]!]: new OrtTensor(
      'float32',
      input.data as Float32Array,
      input.shape as number[],
    ),
  });
  const t = out[s.outputNames[0]!]!;
  return { datatype: 'FP32', shape: t.dims, data: t.data as Float32Array };
}

/**
 * Loads the three sessions and the four JS modules.
 *
 * @example
 * const ocr = await loadInProcessOcr();
 * const { text, modelMs } = await ocr.read(readFileSync('examples/images/sign.png'));
 */
export async function loadInProcessOcr(): Promise<InProcessOcr> {
  const [det, cls, rec] = await Promise.all(['ocr_det', 'ocr_cls', 'ocr_rec'].map(session));
  const [pre, db, crop, ctc] = await Promise.all(
    ['ocr_preprocess', 'ocr_db_post', 'ocr_crop', 'ocr_ctc_decode'].map(jsModule),
  );
  const read = async (image: Uint8Array): Promise<InProcessRead> => {
    const stepMs: Partial<Record<OcrStep, number>> = {};
    const timed = async <T>(step: OcrStep, work: () => T | Promise<T>): Promise<T> => {
      const t0 = performance.now();
      const out = await work();
      stepMs[step] = performance.now() - t0;
      return out;
    };
    const call = (m: JsModelModule, inputs: Outputs, outputs: string[]) =>
      m.execute(inputs, { outputs }) as Outputs | Promise<Outputs>;
    const start = performance.now();
    const p = await timed('prepare', () =>
      call(pre!, { image: { datatype: 'BYTES', shape: [1], data: [image] } }, ['x', 'rgb', 'size']),
    );
    const prob = await timed('detect', () => runModel(det!, p['x']!));
    const { boxes } = await timed('find_boxes', () =>
      call(db!, { prob, size: p['size']! }, ['boxes']),
    );
    let text: string[] = [];
    if ((boxes!.shape[0] ?? 0) > 0) {
      const rgb = p['rgb']!;
      const { cls_x } = await timed('crop_for_cls', () =>
        call(crop!, { rgb, boxes: boxes! }, ['cls_x']),
      );
      const clsOut = await timed('orient', () => runModel(cls!, cls_x!));
      const { rec_x } = await timed('crop_for_rec', () =>
        call(crop!, { rgb, boxes: boxes!, cls: clsOut }, ['rec_x']),
      );
      const recOut = await timed('recognize', () => runModel(rec!, rec_x!));
      const out = await timed('decode', () =>
        call(ctc!, { prob: recOut, boxes: boxes! }, ['text', 'text_boxes', 'text_scores']),
      );
      text = (out['text']!.data as unknown[]).map(String);
    }
    const modelMs = MODEL_STEPS.reduce((sum, s) => sum + (stepMs[s] ?? 0), 0);
    return { text, stepMs, totalMs: performance.now() - start, modelMs };
  };
  const close = async () => {
    await Promise.all([det, cls, rec].map(s => s!.release()));
  };
  return { read, close };
}
