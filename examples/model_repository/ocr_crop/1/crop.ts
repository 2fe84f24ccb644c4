/**
 * @module Cutting text lines out of an image for the classifier and the recognizer, after
 * PaddleOCR's `get_rotate_crop_image` + `resize_norm_img`: the quad is straightened and resized
 * to a fixed height in one bilinear pass, normalized to [-1, 1], channels B, G, R, and padded on
 * the right with zeros up to the tensor's width.
 */

/** A point `[x, y]` in image pixels. */
export type Point = readonly [number, number];

/** Four corners in reading order: top-left, top-right, bottom-right, bottom-left. */
export type Quad = readonly [Point, Point, Point, Point];

/** An 8-bit RGB image, row-major. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** A text line ready to sample: its corners as the line reads, and its straightened size. */
export interface LineGeometry {
  readonly quad: Quad;
  readonly width: number;
  readonly height: number;
}

/**
 * Straightened geometry of a detected box. A box at least 1.5 times taller than wide is read as
 * text turned by 90° (PaddleOCR's rule); `upsideDown` turns it by 180° more (the classifier's
 * verdict).
 *
 * @example
 * lineGeometry([[0, 0], [100, 0], [100, 20], [0, 20]], false); // { width: 100, height: 20, ... }
 */
export function lineGeometry(box: Quad, upsideDown: boolean): LineGeometry {
  let q = box;
  const side = (a: Point, b: Point): number => Math.hypot(a[0] - b[0], a[1] - b[1]);
  const w0 = Math.max(side(q[0], q[1]), side(q[2], q[3]));
  const h0 = Math.max(side(q[0], q[3]), side(q[1], q[2]));
  if (h0 >= 1.5 * w0) q = [q[1], q[2], q[3], q[0]];
  if (upsideDown) q = [q[2], q[3], q[0], q[1]];
  const width = Math.max(1, Math.floor(Math.max(side(q[0], q[1]), side(q[2], q[3]))));
  const height = Math.max(1, Math.floor(Math.max(side(q[0], q[3]), side(q[1], q[2]))));
  return { quad: q, width, height };
}

/**
 * Width a line takes at `height` rows, keeping its aspect ratio (rounded up), at most `maxWidth`.
 *
 * @example
 * scaledWidth({ width: 200, height: 20, quad }, 48, 320); // 320 (480 capped)
 */
export function scaledWidth(line: LineGeometry, height: number, maxWidth: number): number {
  return Math.max(1, Math.min(maxWidth, Math.ceil((height * line.width) / line.height)));
}

/** Allowed recognizer input widths: multiples of `step` from `min` to `max`. */
export interface WidthSteps {
  readonly step: number;
  readonly min: number;
  readonly max: number;
}

/**
 * One tensor width for all `lines`: the narrowest allowed width that holds the widest line at
 * `height` rows (wider lines are squeezed into `max`). Lines of one image then share a shape
 * and batch together.
 *
 * @example
 * recWidth([{ width: 400, height: 20, quad }], 48, { step: 160, min: 320, max: 2560 }); // 960
 */
export function recWidth(
  lines: readonly LineGeometry[],
  height: number,
  widths: WidthSteps,
): number {
  const widest = lines.reduce((m, l) => Math.max(m, scaledWidth(l, height, widths.max)), 1);
  return Math.min(widths.max, Math.max(widths.min, Math.ceil(widest / widths.step) * widths.step));
}

/** Where {@link sampleLine} writes: a `[3, height, width]` slice of a batch tensor. */
export interface LineTarget {
  readonly out: Float32Array;
  readonly offset: number;
  readonly height: number;
  readonly width: number;
  /** Columns the line fills; the rest stays as it is (zero padding). */
  readonly usedWidth: number;
}

/**
 * Samples the straightened line into `target`: output pixel (u, v) maps into the crop as
 * OpenCV's resize does, and crop point (cx, cy) maps into the image by the quad's bilinear
 * parametrisation (exact for the rectangles and parallelograms that detection produces).
 */
export function sampleLine(img: RgbImage, line: LineGeometry, target: LineTarget): void {
  const { out, offset, height, width, usedWidth } = target;
  const [p0, p1, p2, p3] = line.quad;
  const plane = height * width;
  const sx = line.width / usedWidth;
  const sy = line.height / height;
  for (let v = 0; v < height; v++) {
    const t = Math.max(0, (v + 0.5) * sy - 0.5) / line.height;
    for (let u = 0; u < usedWidth; u++) {
      const s = Math.max(0, (u + 0.5) * sx - 0.5) / line.width;
      const x = (1 - t) * ((1 - s) * p0[0] + s * p1[0]) + t * ((1 - s) * p3[0] + s * p2[0]);
      const y = (1 - t) * ((1 - s) * p0[1] + s * p1[1]) + t * ((1 - s) * p3[1] + s * p2[1]);
      const at = offset + v * width + u;
      bilinearBgr(img, x, y, out, at, plane);
    }
  }
}

/** Writes the pixel at (x, y), edges replicated, normalized to [-1, 1], as B, G, R planes. */
function bilinearBgr(
  img: RgbImage,
  x: number,
  y: number,
  out: Float32Array,
  at: number,
  plane: number,
): void {
  const cx = Math.min(Math.max(x, 0), img.width - 1);
  const cy = Math.min(Math.max(y, 0), img.height - 1);
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = Math.min(x0 + 1, img.width - 1);
  const y1 = Math.min(y0 + 1, img.height - 1);
  const fx = cx - x0;
  const fy = cy - y0;
  const a = (y0 * img.width + x0) * 3;
  const b = (y0 * img.width + x1) * 3;
  const c = (y1 * img.width + x0) * 3;
  const d = (y1 * img.width + x1) * 3;
  const px = img.data;
  for (let ch = 0; ch < 3; ch++) {
    const k = 2 - ch;
    const top = px[a + k]! + (px[b + k]! - px[a + k]!) * fx;
    const bottom = px[c + k]! + (px[d + k]! - px[c + k]!) * fx;
    out[at + ch * plane] = (top + (bottom - top) * fy) / 127.5 - 1;
  }
}

/**
 * Samples every line into one `[N, 3, height, width]` tensor, each line resized to `height`
 * keeping its aspect ratio up to `width`, then padded.
 *
 * @example
 * const recX = cropLines(img, lines, 48, 640); // Float32Array(N * 3 * 48 * 640)
 */
export function cropLines(
  img: RgbImage,
  lines: readonly LineGeometry[],
  height: number,
  width: number,
): Float32Array {
  const per = 3 * height * width;
  const out = new Float32Array(lines.length * per);
  lines.forEach((line, i) => {
    sampleLine(img, line, {
      out,
      offset: i * per,
      height,
      width,
      usedWidth: scaledWidth(line, height, width),
    });
  });
  return out;
}
