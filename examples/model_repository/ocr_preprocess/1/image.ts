/**
 * @module Image decoding and resizing for the OCR pipeline's first step: PNG or JPEG bytes to
 * 8-bit RGB (sharp, that is libvips with libpng and libjpeg-turbo), then the detector's
 * normalized CHW tensor.
 */
import sharp from 'sharp';
import { ModelError } from '../../../../backends/js/model-error.js';

// libvips runs each image on a pool of its own threads, one per core by default, and keeps a
// cache of recent operations. Here every decode already runs in a JS model worker beside the
// ONNX Runtime threads, and the images are small, so more threads per image only compete for the
// same cores; one libvips thread per image keeps a decode to the core its worker runs on, and
// images decode in parallel across instances (in libuv's pool, UV_THREADPOOL_SIZE, 4 by
// default). The setting is per process (every worker that loads sharp shares it); the cache
// would only hold images that are never asked for again.
sharp.concurrency(1);
sharp.cache(false);

/** An 8-bit RGB image, row-major, 3 bytes per pixel. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** Largest image decoded, in megapixels; bigger ones are refused before memory is spent on them. */
const MAX_MEGAPIXELS = 40;

/**
 * Decodes PNG or JPEG bytes (told apart by their signature; other formats are refused before
 * any decoder sees them) to RGB. Transparent pixels are laid over white, since text on a
 * transparent background is usually dark on a light page; grey, 16-bit, palette and CMYK images
 * become 8-bit sRGB. An image of more than 40 megapixels is refused from its header, so a small
 * file cannot make the decoder allocate a huge one (libvips' `limitInputPixels`).
 *
 * @example
 * const img = await decodeImage(await readFile('examples/images/sign.png'));
 */
export async function decodeImage(bytes: Uint8Array): Promise<RgbImage> {
  const format = formatOf(bytes);
  if (format === 'PNG' && bytes.length >= 24) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    checkSize(view.getUint32(16), view.getUint32(20));
  }
  try {
    const { data, info } = await sharp(bytes, {
      limitInputPixels: MAX_MEGAPIXELS * 1e6,
      sequentialRead: true,
    })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
    return {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    };
  } catch (e) {
    // A file that claims a format but does not decode is the client's problem, not the server's.
    const why = e instanceof Error ? e.message : String(e);
    const text = /pixel limit/.test(why)
      ? `the ${format} image is larger than ${MAX_MEGAPIXELS} megapixels`
      : `the ${format} file does not decode: ${why}`;
    throw new ModelError('INVALID_ARG', text, { cause: e });
  }
}

function formatOf(bytes: Uint8Array): 'PNG' | 'JPEG' {
  if (
    bytes.length >= 8 &&
    bytes[0] === 0x89 &&
    bytes[1] === 0x50 &&
    bytes[2] === 0x4e &&
    bytes[3] === 0x47
  )
    return 'PNG';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)
    return 'JPEG';
  const head = Array.from(bytes.subarray(0, 4), b => b.toString(16).padStart(2, '0')).join(' ');
  throw new ModelError(
    'INVALID_ARG',
    `expected PNG or JPEG bytes, found ${bytes.length} bytes starting with [${head}]`,
  );
}

function checkSize(width: number, height: number): void {
  if (width * height > MAX_MEGAPIXELS * 1e6)
    throw new ModelError(
      'INVALID_ARG',
      `image of ${width}x${height} is larger than ${MAX_MEGAPIXELS} megapixels`,
    );
}

/** How the detector input size is limited, as PaddleOCR's `DetResizeForTest`. */
export interface DetResizeOptions {
  /** `max`: shrink so the longer side is at most `sideLen`; `min`: grow so the shorter is at least it. */
  readonly limitType: 'max' | 'min';
  readonly sideLen: number;
}

/**
 * Size of the detector input: the image scaled by the limit, each side rounded to a multiple
 * of 32 (the detector downsamples by 32), at least 32.
 *
 * @example
 * detInputSize(1200, 500, { limitType: 'max', sideLen: 960 }); // { width: 960, height: 416 }
 */
export function detInputSize(
  width: number,
  height: number,
  opts: DetResizeOptions,
): { width: number; height: number } {
  let ratio = 1;
  if (opts.limitType === 'max' && Math.max(width, height) > opts.sideLen)
    ratio = opts.sideLen / Math.max(width, height);
  if (opts.limitType === 'min' && Math.min(width, height) < opts.sideLen)
    ratio = opts.sideLen / Math.min(width, height);
  const round32 = (v: number): number => Math.max(32, Math.round((v * ratio) / 32) * 32);
  return { width: round32(width), height: round32(height) };
}

/** Per-channel normalization, in the tensor's channel order (B, G, R). */
export interface Normalization {
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

/** PaddleOCR's detector normalization (ImageNet statistics, applied to B, G, R in that order). */
export const DET_NORMALIZATION: Normalization = {
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};

/**
 * Resizes (bilinear, pixel centres aligned as OpenCV's INTER_LINEAR) and normalizes to a CHW
 * tensor whose channels are B, G, R: PP-OCR models were trained on OpenCV's BGR images.
 *
 * @example
 * const x = resizeToChw(img, 640, 480, DET_NORMALIZATION); // Float32Array(3 * 480 * 640)
 */
export function resizeToChw(
  img: RgbImage,
  outW: number,
  outH: number,
  norm: Normalization,
): Float32Array {
  const plane = outW * outH;
  const out = new Float32Array(3 * plane);
  const xs = axisTaps(img.width, outW);
  const ys = axisTaps(img.height, outH);
  const scale = norm.std.map(s => 1 / (255 * s));
  const offset = norm.mean.map((m, c) => m / norm.std[c]!);
  for (let y = 0; y < outH; y++) {
    const y0 = ys.lo[y]! * img.width;
    const y1 = ys.hi[y]! * img.width;
    const fy = ys.frac[y]!;
    for (let x = 0; x < outW; x++) {
      const fx = xs.frac[x]!;
      const a = (y0 + xs.lo[x]!) * 3;
      const b = (y0 + xs.hi[x]!) * 3;
      const c = (y1 + xs.lo[x]!) * 3;
      const d = (y1 + xs.hi[x]!) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const rgb = 2 - ch;
        const top = img.data[a + rgb]! + (img.data[b + rgb]! - img.data[a + rgb]!) * fx;
        const bottom = img.data[c + rgb]! + (img.data[d + rgb]! - img.data[c + rgb]!) * fx;
        out[ch * plane + y * outW + x] = (top + (bottom - top) * fy) * scale[ch]! - offset[ch]!;
      }
    }
  }
  return out;
}

/** Source taps of one axis: for each output index, the two source indices and the weight of the second. */
function axisTaps(
  inLen: number,
  outLen: number,
): { lo: Int32Array; hi: Int32Array; frac: Float32Array } {
  const lo = new Int32Array(outLen);
  const hi = new Int32Array(outLen);
  const frac = new Float32Array(outLen);
  const step = inLen / outLen;
  for (let i = 0; i < outLen; i++) {
    const s = Math.min(Math.max((i + 0.5) * step - 0.5, 0), inLen - 1);
    lo[i] = Math.floor(s);
    hi[i] = Math.min(lo[i]! + 1, inLen - 1);
    frac[i] = s - lo[i]!;
  }
  return { lo, hi, frac };
}
