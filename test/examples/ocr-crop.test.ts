/* Line cropping for the classifier and recognizer (examples/model_repository/ocr_crop). */
import { describe, expect, it } from 'vitest';
import {
  cropLines,
  lineGeometry,
  recWidth,
  scaledWidth,
} from '../../examples/model_repository/ocr_crop/1/crop.js';
import type { Quad, RgbImage } from '../../examples/model_repository/ocr_crop/1/crop.js';

/** An image whose red channel is x, green is y and blue is 7: where a sample came from is readable. */
function coordinates(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data.set([x, y, 7], (y * width + x) * 3);
  return { width, height, data };
}

/** Pixel value (0–255) back from a normalized tensor element. */
const px = (v: number): number => Math.round((v + 1) * 127.5 * 100) / 100;

const rect = (x0: number, y0: number, x1: number, y1: number): Quad => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
];

describe('lineGeometry', () => {
  it('measures a box by its longer opposite sides', () => {
    expect(lineGeometry(rect(10, 10, 110, 30), false)).toEqual({
      quad: rect(10, 10, 110, 30),
      width: 100,
      height: 20,
    });
  });

  it('reads a box 1.5 times taller than wide as a line turned by 90°', () => {
    const g = lineGeometry(rect(0, 0, 20, 30), false);
    expect([g.width, g.height]).toEqual([30, 20]);
    expect(g.quad[0]).toEqual([20, 0]);
  });

  it('turns an upside-down line by starting from the opposite corner', () => {
    const g = lineGeometry(rect(10, 10, 110, 30), true);
    expect(g.quad).toEqual([
      [110, 30],
      [10, 30],
      [10, 10],
      [110, 10],
    ]);
  });
});

describe('widths', () => {
  const line = (w: number, h: number) => lineGeometry(rect(0, 0, w, h), false);

  it('scales a line to height 48 keeping its aspect ratio, rounded up, capped', () => {
    expect(scaledWidth(line(100, 20), 48, 320)).toBe(240);
    expect(scaledWidth(line(101, 20), 48, 320)).toBe(243);
    expect(scaledWidth(line(400, 20), 48, 320)).toBe(320);
  });

  it('gives an image one recognizer width: the multiple of the step that holds its widest line, within bounds', () => {
    const widths = { step: 160, min: 320, max: 2560 };
    expect(recWidth([line(100, 20), line(60, 20)], 48, widths)).toBe(320);
    expect(recWidth([line(100, 20), line(150, 20)], 48, widths)).toBe(480);
    expect(recWidth([line(100, 20), line(150, 20)], 48, { ...widths, step: 320 })).toBe(640);
    expect(recWidth([line(5000, 20)], 48, widths)).toBe(2560);
    expect(recWidth([line(10, 20)], 48, widths)).toBe(320);
    expect(recWidth([], 48, widths)).toBe(320);
  });
});

describe('cropLines', () => {
  it('samples each line into [N, 3, H, W] as B, G, R in [-1, 1], padding the rest with zeros', () => {
    const img = coordinates(64, 32);
    const lines = [
      lineGeometry(rect(8, 4, 24, 12), false),
      lineGeometry(rect(0, 20, 8, 28), false),
    ];
    const out = cropLines(img, lines, 8, 20);
    expect(out).toHaveLength(2 * 3 * 8 * 20);
    const at = (n: number, c: number, y: number, x: number): number =>
      px(out[((n * 3 + c) * 8 + y) * 20 + x]!);
    // Line 0 is 16×8 → 16 columns at height 8: a 1:1 copy of x 8..23, y 4..11.
    expect([at(0, 2, 0, 0), at(0, 1, 0, 0), at(0, 0, 0, 0)]).toEqual([8, 4, 7]);
    expect([at(0, 2, 7, 15), at(0, 1, 7, 15)]).toEqual([23, 11]);
    expect(out[((0 * 3 + 0) * 8 + 3) * 20 + 16]).toBe(0);
    // Line 1 is 8×8 → 8 columns.
    expect([at(1, 2, 2, 3), at(1, 1, 2, 3)]).toEqual([3, 22]);
    expect(out[((1 * 3 + 2) * 8 + 2) * 20 + 8]).toBe(0);
  });

  it('reads an upside-down line from its far corner', () => {
    const out = cropLines(coordinates(64, 32), [lineGeometry(rect(8, 4, 24, 12), true)], 8, 16);
    const at = (c: number, y: number, x: number): number => px(out[(c * 8 + y) * 16 + x]!);
    expect([at(2, 0, 0), at(1, 0, 0)]).toEqual([24, 12]);
    expect([at(2, 7, 15), at(1, 7, 15)]).toEqual([9, 5]);
  });

  it('interpolates when it resizes and replicates the border outside the image', () => {
    const img = coordinates(16, 16);
    // 8×4 box → height 2: rows at crop y 0.5 and 2.5 → image y 0.5 and 2.5 (averaged rows).
    const out = cropLines(img, [lineGeometry(rect(0, 0, 8, 4), false)], 2, 4);
    expect(px(out[1 * 8 + 0]!)).toBeCloseTo(0.5, 1);
    expect(px(out[1 * 8 + 4]!)).toBeCloseTo(2.5, 1);
    const outside = cropLines(img, [lineGeometry(rect(-10, -10, -2, -2), false)], 2, 2);
    expect([px(outside[2 * 4]!), px(outside[1 * 4]!)]).toEqual([0, 0]);
  });
});
