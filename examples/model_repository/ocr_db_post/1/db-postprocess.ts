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
export const DB_DEFAULTS: DbOptions = { thresh: 0.3, boxThresh: 0.6, unclipRatio: 1.5, maxCandidates: 1000, minSize: 3 };

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
  const regions = hullsOfRegions(map, opts.thresh).sort((a, b) => b.pixels - a.pixels).slice(0, opts.maxCandidates);
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
  const fill: FloodFill = { w, h, data, thresh, seen: new Uint8Array(w * h), stack: new Int32Array(w * h) };
  const regions: Region[] = [];
  for (let start = 0; start < w * h; start++) {
    if (fill.seen[start] || !(data[start]! > thresh)) continue;
    const { rows, pixels } = floodRegion(fill, start);
    const extremes: Point[] = [];
    for (const [y, [x0, x1]] of rows) extremes.push([x0, y], [x1, y]);
    regions.push({ hull: convexHull(extremes), pixels });
  }
  return regions;
}

interface FloodFill {
  readonly w: number;
  readonly h: number;
  readonly data: Float32Array;
  readonly thresh: number;
  /** Pixels already in a region; shared across calls so each pixel is visited once. */
  readonly seen: Uint8Array;
  readonly stack: Int32Array;
}

/** The region holding `start`: each row's leftmost and rightmost pixel, and its pixel count. */
function floodRegion(f: FloodFill, start: number): { rows: Map<number, [number, number]>; pixels: number } {
  const rows = new Map<number, [number, number]>();
  let top = 0;
  let pixels = 0;
  f.stack[top++] = start;
  f.seen[start] = 1;
  while (top > 0) {
    const p = f.stack[--top]!;
    const x = p % f.w;
    const y = (p - x) / f.w;
    pixels++;
    const row = rows.get(y);
    if (!row) rows.set(y, [x, x]);
    else if (x < row[0]) row[0] = x;
    else if (x > row[1]) row[1] = x;
    for (let ny = Math.max(0, y - 1); ny <= Math.min(f.h - 1, y + 1); ny++) {
      for (let nx = Math.max(0, x - 1); nx <= Math.min(f.w - 1, x + 1); nx++) {
        const q = ny * f.w + nx;
        if (f.seen[q] || !(f.data[q]! > f.thresh)) continue;
        f.seen[q] = 1;
        f.stack[top++] = q;
      }
    }
  }
  return { rows, pixels };
}

function toSource(quad: Quad, map: ProbMap): Quad {
  const sx = map.srcWidth / map.width;
  const sy = map.srcHeight / map.height;
  const to = (p: Point): Point => [clamp(Math.round(p[0] * sx), 0, map.srcWidth - 1), clamp(Math.round(p[1] * sy), 0, map.srcHeight - 1)];
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
  const sorted = [...boxes].sort((a, b) => a.quad[0][1] - b.quad[0][1] || a.quad[0][0] - b.quad[0][0]);
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
