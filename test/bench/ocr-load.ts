/**
 * OCR images/s for the pipeline benchmark: `braid serve examples/model_repository`, the `ocr`
 * pipeline checked on the committed images (examples/images, expected.json), then loaded by
 * closed-loop clients sending those images in turn. When the pipeline is missing or does not
 * serve, the result says why instead of a figure.
 *
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliClock } from '../../engine/cli/perf/cli-clock.js';
import { startLoad } from '../../engine/cli/perf/load-session.js';
import type { LoadClient } from '../../engine/cli/perf/senders.js';
import { summarize } from '../../engine/cli/perf/percentiles.js';
import type { PreparedRequest } from '../../engine/cli/perf/request-body.js';
import { sendOnce } from '../../engine/cli/perf/send-once.js';
import type { ChildServer } from './child-server.js';
import { REPO_ROOT, startBraid } from './child-server.js';

/** Repository served for OCR, relative to the repository root. */
export const OCR_REPOSITORY = 'examples/model_repository';
const MODEL = 'ocr';
/** The committed example images and expected.json. */
export const IMAGES_DIR = join(REPO_ROOT, 'examples', 'images');

/** Options of {@link measureOcr}. */
export interface OcrOptions {
  readonly concurrency: number;
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly client: LoadClient;
}

/** A measured OCR run, or why there is none. */
export type OcrResult =
  | {
      readonly available: true;
      readonly concurrency: number;
      readonly images: readonly string[];
      readonly imagesPerS: number;
      readonly p50: number;
      readonly p99: number;
    }
  | { readonly available: false; readonly reason: string };

/** A model input as its metadata lists it. */
export interface InputMeta {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
}

/** A line as expected.json compares it: case and runs of whitespace ignored. */
export const normalize = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();

/**
 * One image as the pipeline's only input, in the binary tensor extension: a BYTES element
 * (4-byte little-endian length, then the file) or the file as UINT8 values; `parameters` go
 * into the request as they are (`braid_debug`).
 */
export function imageRequest(
  input: InputMeta,
  image: Buffer,
  parameters?: Record<string, unknown>,
): PreparedRequest {
  let data: Buffer;
  let shape: number[];
  if (input.datatype === 'BYTES') {
    const length = Buffer.alloc(4);
    length.writeUInt32LE(image.byteLength);
    data = Buffer.concat([length, image]);
    shape = input.shape.map(d => (d < 0 ? 1 : d));
  } else if (input.datatype === 'UINT8' && input.shape.length === 1) {
    data = image;
    shape = [image.byteLength];
  } else {
    const found = `${input.datatype} ${JSON.stringify(input.shape)}`;
    throw new Error(`input '${input.name}' is ${found}, expected BYTES or UINT8 [-1]`);
  }
  const header = Buffer.from(
    JSON.stringify({
      inputs: [
        {
          ...{ name: input.name, shape, datatype: input.datatype },
          parameters: { binary_data_size: data.byteLength },
        },
      ],
      ...(parameters === undefined ? {} : { parameters }),
    }),
  );
  return {
    body: Buffer.concat([header, data]),
    headers: {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': String(header.byteLength),
    },
  };
}

/** Every string of the BYTES outputs of a JSON infer response. */
function textOf(body: Buffer): string[] {
  type Output = { datatype: string; data?: unknown[] };
  const json = JSON.parse(body.toString('utf8')) as { outputs?: Output[] };
  const bytes = (json.outputs ?? []).filter(o => o.datatype === 'BYTES');
  return bytes.flatMap(o => (o.data ?? []).map(String));
}

/** The single input of the pipeline, from its metadata. */
export async function ocrInput(server: ChildServer): Promise<InputMeta> {
  const ready = await sendOnce(`${server.origin}/v2/models/${MODEL}/ready`);
  if (ready.status !== 200) throw new Error(`model '${MODEL}' is not ready (HTTP ${ready.status})`);
  const meta = await sendOnce(`${server.origin}/v2/models/${MODEL}`);
  const inputs = (JSON.parse(meta.body.toString('utf8')) as { inputs?: InputMeta[] }).inputs ?? [];
  const [input] = inputs;
  if (inputs.length !== 1 || input === undefined) {
    throw new Error(`model '${MODEL}' has ${inputs.length} inputs, expected one (the image)`);
  }
  return input;
}

/** Builds one request per committed image and checks that each reads its expected lines. */
export async function checkedRequests(
  server: ChildServer,
  input: InputMeta,
): Promise<[string, PreparedRequest][]> {
  const text = readFileSync(join(IMAGES_DIR, 'expected.json'), 'utf8');
  const spec = JSON.parse(text) as { images: Record<string, string[]> };
  const out: [string, PreparedRequest][] = [];
  for (const [file, lines] of Object.entries(spec.images)) {
    const req = imageRequest(input, readFileSync(join(IMAGES_DIR, file)));
    const res = await sendOnce(`${server.origin}/v2/models/${MODEL}/infer`, req.body, req.headers);
    if (res.status !== 200) {
      throw new Error(`${file}: HTTP ${res.status}: ${res.body.toString().slice(0, 300)}`);
    }
    const got = normalize(textOf(res.body).join(' '));
    const missing = lines.filter(l => !got.includes(normalize(l)));
    if (missing.length > 0) {
      throw new Error(`${file}: read '${got}', missing ${JSON.stringify(missing)}`);
    }
    out.push([file, req]);
  }
  return out;
}

async function loadOcr(
  server: ChildServer,
  requests: [string, PreparedRequest][],
  opts: OcrOptions,
): Promise<OcrResult> {
  const url = `${server.origin}/v2/models/${MODEL}/infer`;
  const bodies = requests.map(r => r[1]);
  const { concurrency, client } = opts;
  const load = startLoad({ url, requests: bodies, concurrency, client, clock: cliClock });
  try {
    await load.idle(opts.warmupMs);
    const w = await load.window(opts.durationMs);
    if (w.errors.count > 0) {
      const first = w.errors.messages.join(' | ');
      throw new Error(`${w.errors.count} errors under load, first: ${first}`);
    }
    const lat = summarize(w.latencies);
    const images = requests.map(r => r[0]);
    const imagesPerS = w.throughput;
    return { available: true, concurrency, images, imagesPerS, p50: lat.p50, p99: lat.p99 };
  } finally {
    await load.stop();
  }
}

/**
 * Serves the example repository, checks the `ocr` pipeline on every committed image, and
 * measures images/s at `opts.concurrency`. Resolves with `available: false` and the reason when
 * the pipeline is not there, does not load, or reads an image wrongly.
 *
 * @example
 * const opts = { concurrency: 8, durationMs: 5000, warmupMs: 1000, client: 'raw' } as const;
 * const ocr = await measureOcr(opts);
 * if (ocr.available) console.log(ocr.imagesPerS);
 */
export async function measureOcr(opts: OcrOptions): Promise<OcrResult> {
  if (!existsSync(join(REPO_ROOT, OCR_REPOSITORY, MODEL))) {
    return { available: false, reason: `${OCR_REPOSITORY}/${MODEL} does not exist` };
  }
  let server: ChildServer | undefined;
  try {
    server = await startBraid(OCR_REPOSITORY);
    const requests = await checkedRequests(server, await ocrInput(server));
    return await loadOcr(server, requests, opts);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return { available: false, reason: why.replace(/\s+/g, ' ').slice(0, 500) };
  } finally {
    await server?.stop();
  }
}
