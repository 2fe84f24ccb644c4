/**
 * @module Plane geometry for text boxes: convex hull, minimum-area rectangle, the ordering and
 * expansion ("unclip") of PaddleOCR's DB post-processing.
 */

/** A point `[x, y]` in pixels. */
export type Point = readonly [number, number];

/** Four corners: top-left, top-right, bottom-right, bottom-left. */
export type Quad = readonly [Point, Point, Point, Point];

/**
 * Convex hull by Andrew's monotone chain, counter-clockwise in image coordinates, without
 * collinear points.
 *
 * @example
 * convexHull([[0, 0], [2, 0], [1, 1], [2, 2], [0, 2]]); // the four corners
 */
export function convexHull(points: readonly Point[]): Point[] {
  const pts = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (pts.length < 3) return pts;
  const cross = (o: Point, a: Point, b: Point): number =>
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const half = (list: Point[]): Point[] => {
    const out: Point[] = [];
    for (const p of list) {
      while (out.length >= 2 && cross(out[out.length - 2]!, out[out.length - 1]!, p) <= 0)
        out.pop();
      out.push(p);
    }
    out.pop();
    return out;
  };
  return [...half(pts), ...half(pts.reverse())];
}

/** A rectangle of any rotation: centre, unit direction of its `width` side, and side lengths. */
export interface RotatedRect {
  readonly center: Point;
  readonly axis: Point;
  readonly width: number;
  readonly height: number;
}

/**
 * The smallest-area rectangle holding a convex polygon (rotating calipers: one side of the best
 * rectangle lies on a hull edge). Degenerate hulls give a zero-height rectangle.
 *
 * @example
 * minAreaRect(convexHull(points)).height; // the thickness of a text line's pixels
 */
export function minAreaRect(hull: readonly Point[]): RotatedRect {
  const first = hull[0] ?? [0, 0];
  let best: RotatedRect = { center: first, axis: [1, 0], width: 0, height: 0 };
  let bestArea = Infinity;
  const n = hull.length;
  for (let i = 0; i < Math.max(n, 1); i++) {
    const a = hull[i] ?? first;
    const b = hull[(i + 1) % n] ?? first;
    const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
    const axis: Point = len > 0 ? [(b[0] - a[0]) / len, (b[1] - a[1]) / len] : [1, 0];
    let minU = Infinity,
      maxU = -Infinity,
      minV = Infinity,
      maxV = -Infinity;
    for (const p of hull) {
      const u = p[0] * axis[0] + p[1] * axis[1];
      const v = -p[0] * axis[1] + p[1] * axis[0];
      minU = Math.min(minU, u);
      maxU = Math.max(maxU, u);
      minV = Math.min(minV, v);
      maxV = Math.max(maxV, v);
    }
    const area = (maxU - minU) * (maxV - minV);
    if (area < bestArea - 1e-9) {
      bestArea = area;
      const cu = (minU + maxU) / 2;
      const cv = (minV + maxV) / 2;
      best = {
        center: [cu * axis[0] - cv * axis[1], cu * axis[1] + cv * axis[0]],
        axis,
        width: maxU - minU,
        height: maxV - minV,
      };
    }
  }
  return best;
}

/**
 * The rectangle's corners ordered as PaddleOCR's `get_mini_boxes`: of the two leftmost points
 * the upper is top-left; of the two rightmost the upper is top-right.
 */
export function rectCorners(r: RotatedRect): Quad {
  const [ux, uy] = r.axis;
  const hw = r.width / 2;
  const hh = r.height / 2;
  const c = r.center;
  const pts: Point[] = [
    [c[0] - ux * hw + uy * hh, c[1] - uy * hw - ux * hh],
    [c[0] + ux * hw + uy * hh, c[1] + uy * hw - ux * hh],
    [c[0] + ux * hw - uy * hh, c[1] + uy * hw + ux * hh],
    [c[0] - ux * hw - uy * hh, c[1] - uy * hw + ux * hh],
  ];
  pts.sort((a, b) => a[0] - b[0]);
  const [l0, l1, r0, r1] = pts as [Point, Point, Point, Point];
  const [tl, bl] = l1[1] > l0[1] ? [l0, l1] : [l1, l0];
  const [tr, br] = r1[1] > r0[1] ? [r0, r1] : [r1, r0];
  return [tl, tr, br, bl];
}

/**
 * Grows a rectangle on every side by `area * ratio / perimeter`, DB's "unclip": the detector
 * is trained on text regions shrunk by that distance, so this restores the text's full extent.
 * (PaddleOCR offsets the polygon with rounded joins and takes its minimum-area rectangle, which
 * for a rectangle is this one.)
 */
export function unclipRect(r: RotatedRect, ratio: number): RotatedRect {
  const perimeter = 2 * (r.width + r.height);
  const d = perimeter > 0 ? (r.width * r.height * ratio) / perimeter : 0;
  return { ...r, width: r.width + 2 * d, height: r.height + 2 * d };
}

/**
 * Mean of `prob` (a `w`×`h` map) over the pixels inside `quad`, PaddleOCR's `box_score_fast`:
 * the pixels of the quad's bounding box whose centre lies inside the (convex) quad.
 */
export function meanInside(prob: Float32Array, w: number, h: number, quad: Quad): number {
  const xs = quad.map(p => p[0]);
  const ys = quad.map(p => p[1]);
  const x0 = clamp(Math.floor(Math.min(...xs)), 0, w - 1);
  const x1 = clamp(Math.ceil(Math.max(...xs)), 0, w - 1);
  const y0 = clamp(Math.floor(Math.min(...ys)), 0, h - 1);
  const y1 = clamp(Math.ceil(Math.max(...ys)), 0, h - 1);
  let sum = 0;
  let count = 0;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      if (!insideConvex(quad, x, y)) continue;
      sum += prob[y * w + x]!;
      count++;
    }
  }
  return count > 0 ? sum / count : 0;
}

/** Whether `(x, y)` lies inside or on a convex polygon given in either winding. */
export function insideConvex(poly: readonly Point[], x: number, y: number): boolean {
  let sign = 0;
  for (let i = 0; i < poly.length; i++) {
    const a = poly[i]!;
    const b = poly[(i + 1) % poly.length]!;
    const c = (b[0] - a[0]) * (y - a[1]) - (b[1] - a[1]) * (x - a[0]);
    if (Math.abs(c) < 1e-6) continue;
    if (sign === 0) sign = Math.sign(c);
    else if (Math.sign(c) !== sign) return false;
  }
  return true;
}

/** `v` limited to `[lo, hi]`. */
export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
