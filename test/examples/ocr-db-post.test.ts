/* DB post-processing and its geometry (examples/model_repository/ocr_db_post). */
import { describe, expect, it } from 'vitest';
import {
  DB_DEFAULTS,
  detectBoxes,
  sortReadingOrder,
} from '../../examples/model_repository/ocr_db_post/1/db-postprocess.js';
import type { TextBox } from '../../examples/model_repository/ocr_db_post/1/db-postprocess.js';
import {
  convexHull,
  insideConvex,
  meanInside,
  minAreaRect,
  rectCorners,
  unclipRect,
} from '../../examples/model_repository/ocr_db_post/1/geometry.js';
import type { Point, Quad } from '../../examples/model_repository/ocr_db_post/1/geometry.js';

/** A `w`×`h` map with `value` inside each [x0, y0, x1, y1] (inclusive) rectangle. */
function probMap(
  w: number,
  h: number,
  rects: readonly [number, number, number, number, number][],
): Float32Array {
  const m = new Float32Array(w * h);
  for (const [x0, y0, x1, y1, value] of rects)
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) m[y * w + x] = value;
  return m;
}

const round = (q: Quad): number[][] => q.map(p => p.map(v => Math.round(v * 1000) / 1000));

describe('geometry', () => {
  it('takes the convex hull without interior or collinear points', () => {
    const hull = convexHull([
      [0, 0],
      [1, 0],
      [2, 0],
      [2, 2],
      [0, 2],
      [1, 1],
    ]);
    expect(new Set(hull.map(p => p.join(',')))).toEqual(new Set(['0,0', '2,0', '2,2', '0,2']));
  });

  it('fits the minimum-area rectangle of an axis-aligned and of a 45° rectangle', () => {
    const flat = minAreaRect(
      convexHull([
        [0, 0],
        [10, 0],
        [10, 4],
        [0, 4],
        [5, 2],
      ]),
    );
    expect([flat.width * flat.height, Math.min(flat.width, flat.height), flat.center]).toEqual([
      40,
      4,
      [5, 2],
    ]);
    const diamond = minAreaRect(
      convexHull([
        [0, 2],
        [2, 0],
        [8, 6],
        [6, 8],
      ]),
    );
    expect(diamond.width * diamond.height).toBeCloseTo(Math.hypot(2, 2) * Math.hypot(6, 6), 6);
    expect(diamond.center[0]).toBeCloseTo(4, 6);
  });

  it('orders corners top-left, top-right, bottom-right, bottom-left', () => {
    const r = minAreaRect(
      convexHull([
        [10, 20],
        [50, 20],
        [50, 30],
        [10, 30],
      ]),
    );
    expect(round(rectCorners(r))).toEqual([
      [10, 20],
      [50, 20],
      [50, 30],
      [10, 30],
    ]);
  });

  it('grows a rectangle on every side by area × ratio / perimeter', () => {
    const r = unclipRect({ center: [0, 0], axis: [1, 0], width: 30, height: 10 }, 2);
    expect([r.width, r.height]).toEqual([45, 25]); // d = 300 * 2 / 80 = 7.5
  });

  it('averages the map over the pixels inside a quad, edges included', () => {
    const map = probMap(6, 4, [[1, 1, 3, 2, 0.8]]);
    expect(
      meanInside(map, 6, 4, [
        [1, 1],
        [3, 1],
        [3, 2],
        [1, 2],
      ]),
    ).toBeCloseTo(0.8, 6);
    expect(
      meanInside(map, 6, 4, [
        [0, 0],
        [5, 0],
        [5, 3],
        [0, 3],
      ]),
    ).toBeCloseTo((0.8 * 6) / 24, 6);
    expect(
      insideConvex(
        [
          [0, 0],
          [4, 0],
          [4, 4],
          [0, 4],
        ],
        4,
        2,
      ),
    ).toBe(true);
    expect(
      insideConvex(
        [
          [0, 0],
          [4, 0],
          [4, 4],
          [0, 4],
        ],
        5,
        2,
      ),
    ).toBe(false);
  });
});

describe('detectBoxes', () => {
  it('finds each text region as a grown box in source pixels, in reading order', () => {
    // Two "lines" on a 64×32 map of a 128×64 image: the lower one comes second.
    const data = probMap(64, 32, [
      [10, 18, 40, 23, 0.9],
      [5, 4, 30, 9, 0.95],
    ]);
    const boxes = detectBoxes(
      { data, width: 64, height: 32, srcWidth: 128, srcHeight: 64 },
      { ...DB_DEFAULTS, unclipRatio: 1.5 },
    );
    expect(boxes.map(b => Number(b.score.toFixed(3)))).toEqual([0.95, 0.9]);
    // Region 25×5 (pixel centres) grows by 125 * 1.5 / 60 = 3.125 per side, then doubles.
    expect(boxes[0]!.quad).toEqual([
      [4, 2],
      [66, 2],
      [66, 24],
      [4, 24],
    ]);
    expect(boxes[1]!.quad[0]).toEqual([14, 30]);
  });

  it('drops regions that are too thin, not confident enough, and pixels below the threshold', () => {
    const data = probMap(64, 32, [
      [2, 2, 40, 3, 0.9], // 1 pixel of height between centres: below min_size
      [2, 10, 40, 16, 0.5], // above thresh, below box_thresh
      [2, 24, 40, 30, 0.2], // below thresh: not text at all
    ]);
    expect(detectBoxes({ data, width: 64, height: 32, srcWidth: 64, srcHeight: 32 })).toEqual([]);
  });

  it('joins diagonal neighbours into one region (8-connectivity)', () => {
    const data = probMap(32, 32, [
      [2, 2, 12, 8, 0.9],
      [13, 9, 24, 15, 0.9],
    ]);
    // The joined region's rectangle holds empty corners, so its mean is low: count boxes, not scores.
    expect(
      detectBoxes(
        { data, width: 32, height: 32, srcWidth: 32, srcHeight: 32 },
        { ...DB_DEFAULTS, boxThresh: 0 },
      ),
    ).toHaveLength(1);
  });

  it('keeps at most max_candidates regions, the largest', () => {
    const data = probMap(64, 32, [
      [2, 2, 20, 8, 0.9],
      [2, 20, 60, 28, 0.9],
    ]);
    const boxes = detectBoxes(
      { data, width: 64, height: 32, srcWidth: 64, srcHeight: 32 },
      { ...DB_DEFAULTS, maxCandidates: 1 },
    );
    expect(boxes).toHaveLength(1);
    expect(boxes[0]!.quad[0][1]).toBeGreaterThan(10);
  });
});

describe('sortReadingOrder', () => {
  const box = (x: number, y: number): TextBox => ({
    quad: [
      [x, y],
      [x + 10, y],
      [x + 10, y + 5],
      [x, y + 5],
    ] as Quad,
    score: 1,
  });
  const tops = (bs: TextBox[]): Point[] => bs.map(b => b.quad[0]);

  it('sorts top to bottom, and left to right when tops are within 10 px', () => {
    expect(tops(sortReadingOrder([box(50, 22), box(0, 0), box(5, 25), box(60, 3)]))).toEqual([
      [0, 0],
      [60, 3],
      [5, 25],
      [50, 22],
    ]);
  });
});
