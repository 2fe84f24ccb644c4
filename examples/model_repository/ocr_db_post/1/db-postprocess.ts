/**
 * @module DB (Differentiable Binarization) post-processing, after PaddleOCR's `DBPostProcess`
 * and `TextSystem.sorted_boxes`: threshold the detector's probability map, take each 8-connected
 * region, fit its minimum-area rectangle, keep confident ones, grow them back ("unclip"), scale
 * them to the source image and sort them in reading order.
 */
import { clamp, convexHull, meanInside, minAreaRect, rectCorners, unclipRect } from './geometry.js';
import type { Point, Quad } from './geometry.js';

/** The knobs of {@link detectBoxes}, PaddleOCR's names and inference defaults. */
export interface DbOptions {
  /** Probability above which a pixel is text (det_db_thresh). */
  readonly thresh: number;
  /** Mean probability a region needs to become a box (det_db_box_thresh). */
  readonly boxThresh: number;
  /** How far boxes grow back, relative to area/perimeter (det_db_unclip_ratio). */
  readonly unclipRatio: number;
  /** Regions looked at, largest first (max_candidates). */
  readonly maxCandidates: number;
  /** Shorter side below which a region is noise, in map pixels (min_size). */
  readonly minSize: number;
}

/** PaddleOCR's inference defaults. */
export const DB_DEFAULTS: DbOptions = {
  thresh: 0.3,
  boxThresh: 0.6,
  unclipRatio: 1.5,
  maxCandidates: 1000,
  minSize: 3,
};

/** A detected text box in source-image pixels, with the mean probability that made it. */
export interface TextBox {
  readonly quad: Quad;
  readonly score: number;
}

/** A probability map `[height][width]` and the size of the image it was computed from. */
export interface ProbMap {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
  readonly srcWidth: number;
  readonly srcHeight: number;
}

/**
 * Text boxes in reading order (top to bottom, then left to right within a line).
 *
 * @example
 * const boxes = detectBoxes({ data: prob, width: 640, height: 96, srcWidth: 600, srcHeight: 90 }, DB_DEFAULTS);
 */
export function detectBoxes(map: ProbMap, opts: DbOptions = DB_DEFAULTS): TextBox[] {
  const regions = hullsOfRegions(map, opts.thresh)
    .sort((a, b) => b.pixels - a.pixels)
    .slice(0, opts.maxCandidates);
  const boxes: TextBox[] = [];
  for (const region of regions) {
    const rect = minAreaRect(region.hull);
    if (Math.min(rect.width, rect.height) < opts.minSize) continue;
    const score = meanInside(map.data, map.width, map.height, rectCorners(rect));
    if (score < opts.boxThresh) continue;
    const grown = unclipRect(rect, opts.unclipRatio);
    if (Math.min(grown.width, grown.height) < opts.minSize + 2) continue;
    const quad = toSource(rectCorners(grown), map);
    if (distance(quad[0], quad[1]) <= 3 || distance(quad[0], quad[3]) <= 3) continue;
    boxes.push({ quad, score });
  }
  return sortReadingOrder(boxes);
}

interface Region {
  readonly hull: Point[];
  readonly pixels: number;
}

/**
 * The convex hull of every 8-connected region of `prob > thresh` (OpenCV's outer contours
 * enclose the same pixels). Only each row's leftmost and rightmost pixels reach the hull.
 */
function hullsOfRegions(map: ProbMap, thresh: number): Region[] {
  const { width: w, height: h, data } = map;
  const seen = new Uint8Array(w * h);
  const stack = new Int32Array(w * h);
  const fill: FloodFill = {
    w,
    h,
    data,
    thresh,
    seen,
    stack,
    rowMin: new Int32Array(h).fill(w),
    rowMax: new Int32Array(h).fill(-1),
  };
  const regions: Region[] = [];
  for (let start = 0; start < w * h; start++) {
    if (fill.seen[start] || !(data[start]! > thresh)) continue;
    const { top, bottom, pixels } = floodRegion(fill, start);
    const extremes: Point[] = [];
    for (let y = top; y <= bottom; y++) {
      extremes.push([fill.rowMin[y]!, y], [fill.rowMax[y]!, y]);
      fill.rowMin[y] = w;
      fill.rowMax[y] = -1;
    }
    regions.push({ hull: convexHull(extremes), pixels });
  }
  return regions;
}

/** The flood fill's working memory, allocated once per map so a pixel costs no allocation. */
interface FloodFill {
  readonly w: number;
  readonly h: number;
  readonly data: Float32Array;
  readonly thresh: number;
  /** Pixels already in a region; shared across calls so each pixel is visited once. */
  readonly seen: Uint8Array;
  readonly stack: Int32Array;
  /** Leftmost and rightmost pixel of each row of the current region (w and -1 where none). */
  readonly rowMin: Int32Array;
  readonly rowMax: Int32Array;
}

/**
 * Fills the region holding `start`, leaving each row's extremes in `rowMin`/`rowMax`; returns
 * its first and last rows (every row between holds a pixel: the region is connected) and its
 * pixel count.
 */
function floodRegion(f: FloodFill, start: number): { top: number; bottom: number; pixels: number } {
  const { w, h, data, thresh, seen, stack, rowMin, rowMax } = f;
  let sp = 0;
  let pixels = 0;
  let top = h;
  let bottom = -1;
  stack[sp++] = start;
  seen[start] = 1;
  while (sp > 0) {
    const p = stack[--sp]!;
    const y = (p / w) | 0;
    const x = p - y * w;
    pixels++;
    if (x < rowMin[y]!) rowMin[y] = x;
    if (x > rowMax[y]!) rowMax[y] = x;
    if (y < top) top = y;
    if (y > bottom) bottom = y;
    const x0 = x > 0 ? x - 1 : 0;
    const x1 = x < w - 1 ? x + 1 : x;
    for (let ny = y > 0 ? y - 1 : 0; ny <= (y < h - 1 ? y + 1 : y); ny++) {
      for (let q = ny * w + x0, end = ny * w + x1; q <= end; q++) {
        if (seen[q] || !(data[q]! > thresh)) continue;
        seen[q] = 1;
        stack[sp++] = q;
      }
    }
  }
  return { top, bottom, pixels };
}

function toSource(quad: Quad, map: ProbMap): Quad {
  const sx = map.srcWidth / map.width;
  const sy = map.srcHeight / map.height;
  const to = (p: Point): Point => [
    clamp(Math.round(p[0] * sx), 0, map.srcWidth - 1),
    clamp(Math.round(p[1] * sy), 0, map.srcHeight - 1),
  ];
  return [to(quad[0]), to(quad[1]), to(quad[2]), to(quad[3])];
}

function distance(a: Point, b: Point): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

/**
 * Top to bottom by the top-left corner, then left to right for boxes whose tops are within
 * 10 px of each other (PaddleOCR's `sorted_boxes`).
 */
export function sortReadingOrder(boxes: readonly TextBox[]): TextBox[] {
  const sorted = [...boxes].sort(
    (a, b) => a.quad[0][1] - b.quad[0][1] || a.quad[0][0] - b.quad[0][0],
  );
  for (let i = 0; i < sorted.length - 1; i++) {
    for (let j = i; j >= 0; j--) {
      const a = sorted[j]!;
      const b = sorted[j + 1]!;
      if (Math.abs(b.quad[0][1] - a.quad[0][1]) < 10 && b.quad[0][0] < a.quad[0][0]) {
        sorted[j] = b;
        sorted[j + 1] = a;
      } else break;
    }
  }
  return sorted;
}
