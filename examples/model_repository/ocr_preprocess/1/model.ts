/*
 * OCR step 1 (JS backend): image bytes → the text detector's input.
 *
 * In:  image BYTES [1]        the PNG or JPEG file, as sent by the client
 * Out: x     FP32  [1,3,H,W]  BGR, normalized, resized so the longer side is at most
 *                             `limit_side_len` (each side a multiple of 32)
 *      rgb   UINT8 [h,w,3]    the decoded image at its own size, for cropping text lines
 *      size  INT32 [2]        the decoded image's [h, w], to scale boxes back from x's size
 */
import type { JsExecuteContext, JsModelContext, JsTensor } from '../../../../backends/js/index.js';
import { ModelError } from '../../../../backends/js/model-error.js';
import { DET_NORMALIZATION, decodeImage, detInputSize, resizeToChw } from './image.js';
import type { DetResizeOptions } from './image.js';

/** Inputs, as listed above (and in config.yaml). */
export const inputs = [{ name: 'image', datatype: 'BYTES', shape: [1] }];
/** Outputs, as listed above (and in config.yaml). */
export const outputs = [
  { name: 'x', datatype: 'FP32', shape: [1, 3, -1, -1] },
  { name: 'rgb', datatype: 'UINT8', shape: [-1, -1, 3] },
  { name: 'size', datatype: 'INT32', shape: [2] },
];

let resize: DetResizeOptions = { limitType: 'max', sideLen: 960 };

/** Reads `limit_type` and `limit_side_len` from the config. */
export function initialize(ctx: JsModelContext): void {
  const limitType = ctx.parameters['limit_type'] ?? 'max';
  const sideLen = Number(ctx.parameters['limit_side_len'] ?? '960');
  if (limitType !== 'max' && limitType !== 'min')
    throw new Error(
      `model '${ctx.name}': parameter limit_type must be "max" or "min", found "${limitType}"`,
    );
  if (!Number.isInteger(sideLen) || sideLen < 32)
    throw new Error(
      `model '${ctx.name}': parameter limit_side_len must be an integer >= 32, found "${sideLen}"`,
    );
  resize = { limitType, sideLen };
}

/** Decodes one image; computes only the outputs asked for. */
export async function execute(ins: Record<string, JsTensor>, ctx: JsExecuteContext) {
  const image = ins['image'];
  const bytes = image?.datatype === 'BYTES' ? (image.data as Uint8Array[]) : [];
  if (bytes.length !== 1)
    throw new ModelError(
      'INVALID_ARG',
      `input 'image': expected BYTES [1] holding one PNG or JPEG file, found ${image ? `${image.datatype} [${image.shape.join(',')}]` : 'nothing'}`,
    );
  const img = await decodeImage(fileBytes(bytes[0]!)).catch((e: unknown) => {
    throw e instanceof ModelError
      ? new ModelError('INVALID_ARG', `input 'image': ${e.message}`, { cause: e })
      : e;
  });
  const out: Record<string, unknown> = {};
  if (ctx.outputs.includes('x')) {
    const size = detInputSize(img.width, img.height, resize);
    out['x'] = {
      datatype: 'FP32',
      shape: [1, 3, size.height, size.width],
      data: resizeToChw(img, size.width, size.height, DET_NORMALIZATION),
    };
  }
  if (ctx.outputs.includes('rgb'))
    out['rgb'] = { datatype: 'UINT8', shape: [img.height, img.width, 3], data: img.data };
  if (ctx.outputs.includes('size'))
    out['size'] = { datatype: 'INT32', shape: [2], data: Int32Array.of(img.height, img.width) };
  return out;
}

const DATA_URL = /^data:[\w/+.-]*;base64,/;
const latin1 = new TextDecoder('latin1');

/**
 * The file in an image element: the bytes themselves, or what a `data:` URL with base64
 * (`data:image/png;base64,...`) holds, so that JSON clients (generate, generate_stream) can send
 * an image as a string.
 */
export function fileBytes(element: Uint8Array): Uint8Array {
  // 'd': a PNG or JPEG file never starts with it.
  if (element[0] !== 0x64) return element;
  const prefix = DATA_URL.exec(latin1.decode(element.subarray(0, 80)));
  if (!prefix) return element;
  return Buffer.from(latin1.decode(element.subarray(prefix[0].length)), 'base64');
}
